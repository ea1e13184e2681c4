// CBOR bodies of the AWS "cbor-1.1" protocol (`Content-Type: application/x-amz-cbor-1.1`): the
// AWS JSON 1.1 protocol with the body in CBOR (RFC 8949) instead of JSON. The AWS SDK for Java
// speaks it to Kinesis by default. Members are the same; blobs are CBOR byte strings rather than
// base64 text, and timestamps are tag 1 followed by epoch milliseconds (what the Java SDK writes
// and reads for this protocol, not RFC 8949's seconds).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace serverlite::aws {

inline constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";

// Decodes a request body. Byte strings become nlohmann binary values; tags are dropped (a tag-1
// timestamp becomes its number). An empty body is `{}`. Malformed CBOR, or CBOR that is not a
// map, throws ApiError(400, kSerializationException, ...).
nlohmann::json cbor_decode(std::string_view body);

// Encodes a response body. Binary values become byte strings; a member whose name ends in
// "Timestamp" with a number value (epoch seconds, as the JSON protocol writes it) becomes tag 1
// with the integer epoch milliseconds. Integers use their shortest form, other numbers doubles.
std::string cbor_encode(const nlohmann::json& value);

// Epoch seconds of a decoded timestamp member: the Java SDK sends integer milliseconds
// under tag 1, other clients seconds (integer or not); values above 10^11 are taken as
// milliseconds (10^11 seconds is the year 5138).
double cbor_timestamp_seconds(const nlohmann::json& value);

}  // namespace serverlite::aws
