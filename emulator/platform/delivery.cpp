#include "emulator/platform/delivery.hpp"

namespace serverlite::platform {

std::optional<Arn> Arn::parse(std::string_view text) {
  // Bounded: an ARN is at most 2,048 characters wherever AWS takes one.
  if (text.size() > 2048 || !text.starts_with("arn:")) return std::nullopt;
  Arn arn;
  std::string* parts[] = {&arn.partition, &arn.service, &arn.region, &arn.account};
  std::size_t at = 4;
  for (auto* part : parts) {
    auto colon = text.find(':', at);
    if (colon == std::string_view::npos) return std::nullopt;
    *part = std::string(text.substr(at, colon - at));
    at = colon + 1;
  }
  arn.resource = std::string(text.substr(at));
  if (arn.partition.empty() || arn.service.empty() || arn.resource.empty()) return std::nullopt;
  return arn;
}

std::string Arn::str() const {
  return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
}

void Delivery::claim(std::string service, Deliver deliver, Exists exists, bool global) {
  owners_[std::move(service)] = Owner{std::move(deliver), std::move(exists), global};
}

const Delivery::Owner* Delivery::find(const Arn& arn, std::string* why) const {
  auto it = owners_.find(arn.service);
  if (it == owners_.end()) {
    if (why) *why = "no service of serverlite owns ARNs of '" + arn.service + "'";
    return nullptr;
  }
  const Owner& owner = it->second;
  if (owner.global) return &owner;
  if (arn.region != region_ || arn.account != account_id_) {
    if (why)
      *why = "the ARN is in region '" + arn.region + "' and account '" + arn.account +
             "', serverlite serves region '" + region_ + "' and account '" + account_id_ + "'";
    return nullptr;
  }
  return &owner;
}

std::optional<std::string> Delivery::unowned(std::string_view text) const {
  auto arn = Arn::parse(text);
  if (!arn) return "not an ARN: " + std::string(text.substr(0, 256));
  std::string why;
  if (!find(*arn, &why)) return why + ": " + std::string(text);
  return std::nullopt;
}

std::optional<std::string> Delivery::owner(std::string_view text) const {
  auto arn = Arn::parse(text);
  if (!arn || !find(*arn, nullptr)) return std::nullopt;
  return arn->service;
}

bool Delivery::exists(std::string_view text) const {
  auto arn = Arn::parse(text);
  if (!arn) return false;
  const Owner* owner = find(*arn, nullptr);
  if (!owner) return false;
  return !owner->exists || owner->exists(*arn);
}

Delivered Delivery::deliver(std::string_view text, const Message& message) const {
  auto arn = Arn::parse(text);
  if (!arn) return {"not an ARN: " + std::string(text.substr(0, 256))};
  std::string why;
  const Owner* owner = find(*arn, &why);
  if (!owner) return {why + ": " + std::string(text)};
  return owner->deliver(*arn, message);
}

}  // namespace serverlite::platform
