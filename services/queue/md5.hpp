// The digests SQS returns with every message, computed exactly as SQS does: the AWS SDKs
// recompute them on SendMessage and ReceiveMessage and reject a response whose digest differs.
#pragma once

#include <string>
#include <string_view>

#include "services/queue/model.hpp"

namespace serverlite::queue {

// Lower-case hex MD5 of `bytes`.
std::string md5_hex(std::string_view bytes);
// Lower-case hex SHA-256 of `bytes`: the deduplication id of ContentBasedDeduplication.
std::string sha256_hex(std::string_view bytes);

// MD5OfMessageBody: the MD5 of the body's UTF-8 bytes.
std::string md5_of_message_body(std::string_view body);

// MD5OfMessageAttributes and MD5OfMessageSystemAttributes. For each attribute, in ascending order
// of name: the name, the data type, one transport byte (1 for String and Number types, 2 for
// Binary ones, custom ".suffix" types by their base), then the value, each of the three strings
// preceded by its length as a 4-byte big-endian integer. Empty string when `attributes` is empty
// (SQS then omits the field).
std::string md5_of_message_attributes(const MessageAttributes& attributes);

}  // namespace serverlite::queue
