// Kinesis's request shapes and the checks the service framework runs on a request before the
// operation sees it, in AWS's order:
// 1. types: each member present (not null) must have its shape's type. The first one that does
//    not is answered with a SerializationException carrying the framework's message for that
//    pair of types ("class java.lang.Boolean can not be converted to an String", "Expected list
//    or null", ...). Integers are floored (and Integers clamped to 2^31-1), as the framework reads
//    a JSON number into a Java integer; members the shape does not know are ignored.
// 2. constraints: every member's constraints (required, lengths, ranges, patterns, enums, and
//    those of list and map members) are checked in the shape's member order, and every violation
//    collected, up to ten, into one ValidationException: "2 validation errors detected: Value
//    null at 'streamName' failed to satisfy constraint: Member must not be null; ...".
// The operations check what depends on the stored state afterwards.
//
// One table per operation (operation_shape); the members and limits are Kinesis's API reference.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace serverlite::stream::shapes {

enum class Type { String, Integer, Long, Boolean, Blob, Timestamp, List, Map, Structure };

struct Pattern {
  std::string_view text;  // as AWS quotes it in the message
  bool (*matches)(std::string_view value);
};

struct Shape;

struct Member {
  std::string_view name;  // the wire name, "StreamName"; messages use it with a lower first letter
  const Shape* shape;
  bool required = false;
};

struct Shape {
  Type type = Type::String;
  // Strings: characters; blobs: bytes; lists and maps: entries.
  std::optional<std::int64_t> min_length, max_length;
  std::optional<std::int64_t> min_value, max_value;
  const Pattern* pattern = nullptr;
  std::vector<std::string_view> enum_values;
  const Shape* member = nullptr;  // a list's members, a map's values
  const Shape* key = nullptr;     // a map's keys
  std::vector<Member> members;    // a structure's members, in the order they are checked
  // How a structure inside a list is shown in a message about the list ("Value '[x@1, ...]'").
  std::string_view java_name;
};

// The input shape of a Kinesis action; nullptr for an unknown one.
const Shape* operation_shape(std::string_view action);

struct Violation {
  std::string text;  // "Value 'x' at 'streamName' failed to satisfy constraint: Member must ..."
};

// Step 1 on `body` (a JSON object, decoded from JSON or CBOR; `cbor` tells how blobs arrive):
// returns the SerializationException message of the first wrongly typed member, or nullopt.
// Normalises the body as the framework reads it: nulls removed, integers floored and clamped.
std::optional<std::string> check_types(nlohmann::json& body, const Shape& shape, bool cbor);

// Step 2: every violated constraint, in order, at most ten.
std::vector<Violation> check_constraints(const nlohmann::json& body, const Shape& shape, bool cbor);

// "N validation error(s) detected: a; b".
std::string validation_message(const std::vector<Violation>& violations);

// The bytes of a blob member as the framework counts them (decoded base64, or a CBOR byte string).
std::size_t blob_length(const nlohmann::json& value);

}  // namespace serverlite::stream::shapes
