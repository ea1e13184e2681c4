#include "emulator/replay/recorder.hpp"

#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "emulator/http/base64.hpp"
#include "emulator/platform/clock.hpp"
#include "emulator/replay/redact.hpp"
#include "emulator/replay/shapes.hpp"
#include "emulator/time_format.hpp"
#include "services/gateway/events.hpp"

namespace serverlite::replay {

using json = nlohmann::json;

namespace {

// Headers a client's transport sets, which a replayed request gets anew.
bool transport_header(std::string_view name) {
  for (std::string_view h : {"host", "content-length", "connection", "transfer-encoding",
                             "keep-alive", "accept-encoding"})
    if (http::iequals(name, h)) return true;
  return false;
}

// A body as a case holds it: JSON when it parses, else text; binary as base64.
void put_body(json& into, const std::string& body, const char* text_key, const char* b64_key) {
  if (body.empty()) return;
  if (!gateway::is_valid_utf8(body)) {
    into[b64_key] = http::base64_encode(body);
    return;
  }
  json parsed = json::parse(body, nullptr, false);
  into[text_key] = parsed.is_discarded() ? json(body) : parsed;
}

}  // namespace

Recorder::Recorder(const std::filesystem::path& file, const std::set<std::string>& extra)
    : headers_(default_redacted_headers()), fields_(default_redacted_fields()) {
  for (const auto& name : extra) {
    headers_.insert(name);
    fields_.insert(name);
  }
  out_ = std::fopen(file.c_str(), "a");
  if (!out_) throw std::runtime_error("cannot open " + file.string() + " for recording");
}

Recorder::~Recorder() {
  if (out_) std::fclose(out_);
}

void Recorder::write(const json& line) {
  std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  ++written_;
}

// The case's timestamp, on serverlite's clock: replay runs timestamped cases on the virtual
// clock at these times, and `--speed 1x` keeps their spacing.
std::string Recorder::now_iso() const {
  auto now = clock_ ? clock_->now() : std::chrono::system_clock::now();
  return iso8601_millis(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
}

void Recorder::attach(Emulator& emulator) {
  clock_ = &emulator.clock();
  emulator.set_gateway_observer([this](const http::Request& req, const http::Response& res) {
    json headers = json::object();
    for (const auto& h : req.headers) {
      if (transport_header(h.name)) continue;
      if (!headers.contains(h.name)) headers[h.name] = h.value;
      else if (headers[h.name].is_array()) headers[h.name].push_back(h.value);
      else headers[h.name] = json::array({headers[h.name], h.value});
    }
    // The secrets redacted from the request are redacted from the recorded answer too, which
    // may echo them: replayed, the request carries "<redacted>" and gets that back.
    std::set<std::string> secrets;
    std::string target = redact_target(req.target, fields_);
    collect_redacted(json(req.target), json(target), secrets);
    json request = {{"method", req.method}, {"path", target}};
    if (!headers.empty()) {
      request["headers"] = redact_headers(headers, headers_);
      collect_redacted(headers, request["headers"], secrets);
    }
    std::string body = req.body;
    if (!body.empty()) {
      json parsed = json::parse(body, nullptr, false);
      if (!parsed.is_discarded()) {
        json redacted = redact_fields(parsed, fields_);
        collect_redacted(parsed, redacted, secrets);
        body = redacted.dump();
      }
    }
    put_body(request, body, "body", "bodyBase64");
    json expect = {{"status", res.status}};
    if (gateway::is_valid_utf8(res.body)) put_body(expect, res.body, "body", "body");
    if (expect.contains("body"))
      expect["body"] = redact_values(redact_fields(expect["body"], fields_), secrets);
    std::string path(req.path());
    write({{"name", req.method + " " + path},
           {"timestamp", now_iso()},
           {"http", request},
           {"expect", expect}});
  });
  emulator.set_invocation_observer([this](Emulator::InvocationSource source,
                                          const invoker::InvokeRequest& req,
                                          const invoker::InvokeResult& res) {
    if (source == Emulator::InvocationSource::Gateway) return;  // the request's case covers it
    if (res.status == invoker::InvokeStatus::ShuttingDown) return;
    json event = json::parse(req.payload, nullptr, false);
    if (event.is_discarded()) return;
    json recorded = recognize(event) == EventShape::Unknown
                        ? redact_fields(event, fields_)  // a payload of the app's own making
                        : redact_event(event, headers_, fields_);
    std::set<std::string> secrets;
    collect_redacted(event, recorded, secrets);
    json expect = json::object();
    json payload = json::parse(res.payload, nullptr, false);
    if (res.status == invoker::InvokeStatus::Ok) {
      json result = payload.is_discarded() ? json(res.payload) : payload;
      // As for the gateway's answers: redacted by name, and wherever a secret of the event shows.
      expect["result"] = redact_values(redact_fields(result, fields_), secrets);
    } else {
      expect["error"] = res.error_type.empty() ? "Error" : res.error_type;
    }
    const char* via = source == Emulator::InvocationSource::Trigger ? "trigger" : "Lambda API";
    write({{"name", req.function + " (" + via + ")"},
           {"timestamp", now_iso()},
           {"function", req.function},
           {"event", recorded},
           {"expect", expect}});
  });
}

}  // namespace serverlite::replay
