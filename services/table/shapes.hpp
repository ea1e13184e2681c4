// The request shapes of DynamoDB's operations, and the one place requests are checked against
// them, in the order DynamoDB's request layer checks (before any table is looked up):
//
//  1. Types. A member of the wrong JSON type is a SerializationException whose message is the
//     one DynamoDB's (Java) decoder gives for that pair of expected and found types, e.g.
//     "NUMBER_VALUE cannot be converted to String", "Unexpected field type" (a scalar where a
//     list or a map member belongs), "Unexpected value type in payload" (a scalar where a
//     structure belongs inside a list or map), "Start of structure or map found where not
//     expected". The first one found stops the check. The body is normalised on the way: null
//     members are removed, an AttributeValue keeps only its known members, a Boolean given as
//     "true"/"false" (any case) becomes a boolean, and a fraction given to an integer member is
//     truncated, as the decoder does.
//  2. Required parameters of the table operations ("The parameter 'TableName' is required but
//     was not present in the request"), which stop at the first.
//  3. Constraints: every violation (not null, length, value range, pattern, enum, map keys and
//     values) is collected, in the shape's member order, into one "N validation error(s)
//     detected: Value 'x' at 'a.b' failed to satisfy constraint: ...; ..." message (at most 10).
//
// What comes after (each operation's semantic checks, then the table) is the operation's own.
//
// Paths name members in lower camel case; a list element is "<list>.<1-based index>.member" and
// a map value "<map>.<key>.member".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::table::shapes {

using Json = nlohmann::json;

enum class Type { String, Boolean, Integer, Long, Blob, List, Map, Structure };

struct Shape;
using ShapePtr = std::shared_ptr<const Shape>;

struct Constraints {
  bool not_null = false;
  std::optional<std::int64_t> min_length, max_length;  // strings, lists, maps
  std::optional<std::int64_t> min_value, max_value;    // integers
  bool name_pattern = false;  // [a-zA-Z0-9_.-]+ (table and index names)
  std::vector<std::string> enum_values;
};

struct Member {
  std::string name;
  ShapePtr shape;
};

struct Shape {
  Type type = Type::String;
  // A structure's class name, or the Java type of a map's values, as the decoder's messages
  // name them ("AttributeValue", "java.lang.String").
  std::string java_name;
  Constraints constraints;
  std::vector<Member> members;  // Structure
  ShapePtr element;             // List element, Map value
  std::optional<Constraints> map_keys, map_values;  // per key / per value of a Map
  bool attribute_value = false;  // unknown members are dropped
};

// An operation's input: its members, and the members whose absence is reported on its own
// before any constraint ("required"), and whose length is checked on its own too
// ("TableName must be at least 3 characters long and at most 255 characters long").
struct Operation {
  ShapePtr input;
  std::vector<std::string> required;
  std::string table_name_member;  // empty: none
};

// The operation named by an X-Amz-Target action; null for an operation without a table here.
const Operation* operation(std::string_view action);

struct Failure {
  bool serialization = false;  // SerializationException, else ValidationException
  std::string message;
};

// Steps 1 to 3 above. `body` is a JSON object.
std::optional<Failure> check(const Operation& operation, Json& body);

// The pieces, for tests and for shapes checked inside an operation's own logic.
std::optional<std::string> check_types(const Shape& structure, Json& body);
std::optional<std::string> check_constraints(const Shape& structure, const Json& body);

// A value as DynamoDB quotes it in a constraint message: a string as it is, a list as
// "[a, b]", an object as JSON.
std::string quote(const Json& value);

}  // namespace serverlite::table::shapes
