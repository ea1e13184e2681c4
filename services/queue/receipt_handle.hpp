// Receipt handles: opaque to clients, and a new one on every receive of a message. A handle names
// its queue, its message and the receive it came from (a random token the message row keeps until
// the next receive), so the engine can tell a current handle from a stale one and from a handle
// of another queue, as SQS does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace serverlite::queue {

struct ReceiptHandle {
  std::string queue_name;
  std::string message_id;
  std::string receive_token;  // hex, fresh per receive

  bool operator==(const ReceiptHandle&) const = default;
};

// Base64 text, like SQS's own handles. Names and ids must not contain '\n' (queue names and our
// message ids never do).
std::string encode_receipt_handle(const ReceiptHandle& handle);
// nullopt for anything encode_receipt_handle did not produce.
std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text);

// A fresh receive token: 16 random bytes as hex.
std::string new_receive_token();

}  // namespace serverlite::queue
