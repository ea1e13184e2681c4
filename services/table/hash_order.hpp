// The order of a DynamoDB Scan, and how parallel Scan segments divide a table.
//
// DynamoDB stores an item in the partition of a hash of its partition key: the MD5 of a fixed
// salt followed by the key's bytes (S: its UTF-8, B: its bytes, N: DynamoDB's binary number
// form, below). A Scan walks the table in that hash's order (then the key value, then the sort
// key), and Segment i of TotalSegments n reads the i-th of n equal slices of the hash space.
// Clients see this order: it is what a Scan's pages and LastEvaluatedKey follow, and which
// segment an item falls in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/table/number.hpp"
#include "services/table/values.hpp"

namespace serverlite::table {

// DynamoDB's binary form of a number: a sign-and-exponent byte (base 100, biased), then the
// significant digits two per byte, each pair p stored as p + 1 (positive) or 101 - p (negative,
// with the exponent byte inverted and a 102 terminator when under 20 digit bytes); zero is 0x80.
std::string dynamo_number_bytes(const Number& n);

// The scan-order token of a partition key: the first four bytes of the hash, big-endian.
// `encoded` is the key's order-preserving encoding (encode_key_value) and `type` its type.
std::uint32_t hash_token(ValueType type, std::string_view encoded);

// The order of items that share an index key (a Query of an index, a Scan of one): the same hash
// over the item's whole table key (its hash key's bytes, then its range key's). `range_type` is
// nullopt for a table without a range key.
std::uint32_t key_order_token(ValueType hash_type, std::string_view hash,
                              std::optional<ValueType> range_type, std::string_view range);

// The tokens of segment `segment` of `total`: [first, end) (end is 2^32 for the last).
struct TokenRange {
  std::int64_t first = 0;
  std::int64_t end = std::int64_t{1} << 32;
};
TokenRange segment_tokens(int segment, int total);

}  // namespace serverlite::table
