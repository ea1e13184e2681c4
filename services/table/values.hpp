// Attribute values and items of the table service.
//
// Representation: items and attribute values are nlohmann::json in DynamoDB's wire form, in
// memory, in SQLite and in expressions alike: {"S": "x"}, {"N": "1.5"}, {"B": "<base64>"},
// {"BOOL": true}, {"NULL": true}, {"M": {"a": {...}}}, {"L": [{...}]}, {"SS": ["a"]},
// {"NS": ["1"]}, {"BS": ["<base64>"]}; an item is {"name": <value>, ...}. Numbers are kept in
// Number's canonical text once validated. Binary stays base64 text; it is decoded where bytes
// matter (ordering, sizes, key encoding).
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace serverlite::table {

using Json = nlohmann::json;

enum class ValueType { S, N, B, BOOL, NUL, M, L, SS, NS, BS };

// The type of a well-formed value (one member, a known type key); nullopt otherwise.
std::optional<ValueType> type_of(const Json& value);
// "S", "N", ..., "NULL", ... as in the wire form.
std::string_view type_name(ValueType type);

// Checks a value from a request as DynamoDB does and canonicalises its numbers in place
// (N, NS, nested), dropping unknown and null members. Returns DynamoDB's ValidationException
// message when it is invalid: e.g. "Supplied AttributeValue is empty, must contain exactly one
// of the supported datatypes", "Supplied AttributeValue has more than one datatypes set, must
// contain exactly one of the supported datatypes", "One or more parameter values were invalid:
// An string set  may not be empty", "One or more parameter values were invalid: Input
// collection [a, a] contains duplicates.", "Input collection contains duplicates" (NS, by
// value), a Number's parse error. A member of the wrong JSON type or invalid base64 anywhere in
// the value is reported first, with the text DynamoDB gives as a SerializationException
// ("NUMBER_VALUE cannot be converted to String", "'ab*d' can not be converted to a Blob: ...").
// Empty strings and binaries, also inside sets, are allowed here (not in keys: the engine
// checks). M and L nest at most 32 levels.
std::optional<std::string> validate_value(Json& value);
// validate_value() for every attribute of an item (an object of values).
std::optional<std::string> validate_item(Json& item);
// Whether a validate_value() message is one DynamoDB's request decoder gives, as a
// SerializationException, rather than a ValidationException: a member of the wrong JSON type or
// invalid base64.
bool is_serialization_error(std::string_view message);

// DynamoDB's equality: N by value, sets regardless of order, B by bytes, M and L deeply.
bool values_equal(const Json& a, const Json& b);
// Ordering for <, <=, >, >=, BETWEEN and sort keys: defined for two values of the same type S
// (UTF-8 bytes), N (numeric) or B (bytes); nullopt for anything else.
std::optional<std::strong_ordering> compare_values(const Json& a, const Json& b);

// DynamoDB's size accounting (Developer Guide, "Item sizes"): names in UTF-8 bytes plus values
// (S: UTF-8 bytes; N: 1 byte + 1 per base-100 digit pair aligned on the decimal point, +1 if
// negative, which the guide approximates as 1 byte per 2 significant digits + 1; B: bytes;
// BOOL/NULL: 1; M/L: 3 + contents, +1 per element; sets: sum of members). Items may not exceed
// 400 KB. Values need not be validated; malformed parts count 0.
std::size_t value_size(const Json& value);
// DynamoDB's item size limit: 400 KB.
inline constexpr std::size_t kMaxItemBytes = 400 * 1024;
std::size_t item_size(const Json& item);
// The longest attribute name DynamoDB accepts, in bytes (its names are "less than 64 KB").
constexpr std::size_t kMaxAttributeNameBytes = 65535;

// Order-preserving bytes of a key value (S, N or B): comparing two encodings with memcmp orders
// them as DynamoDB orders sort keys (S bytewise, N numerically, B bytewise). S is its UTF-8
// bytes and B its decoded bytes (each key column is stored alone, so no terminator is needed);
// N is a sign/exponent/base-100-digits encoding described in values.cpp. decode_key_value() is
// its inverse, given the type. Both throw std::invalid_argument for other types or bad input.
std::string encode_key_value(const Json& value);
Json decode_key_value(ValueType type, std::string_view bytes);
// The number an N key encodes (its encode_key_value bytes); throws std::invalid_argument.
class Number;
Number decode_number_key(std::string_view bytes);

}  // namespace serverlite::table
