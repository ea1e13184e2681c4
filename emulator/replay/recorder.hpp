// `serverlite up --record FILE`: turns a session into replay cases (cases.hpp), appended to FILE
// as JSON Lines while it happens:
//  - every gateway request, with `expect` holding the response's status and body;
//  - every invocation that did not come through the gateway (the Lambda API, triggers), with its
//    event and `expect` holding its result or its error type.
// Invocations made for a gateway request are not recorded twice: the request covers them.
// Secrets are redacted (redact.hpp): the default header and field names plus `extra`.
//
// Threading: the observers run on the emulator's io thread; each case is one append + flush, so
// the file holds whole lines even if serverlite is killed.
#pragma once

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "emulator/emulator.hpp"

namespace serverlite::replay {

class Recorder {
 public:
  // Opens `file` for appending (created when missing). Throws std::runtime_error.
  Recorder(const std::filesystem::path& file, const std::set<std::string>& extra_redacted);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Starts recording what `emulator` serves; call on its io thread (or before it runs).
  void attach(Emulator& emulator);
  std::size_t cases_written() const { return written_; }

 private:
  void write(const nlohmann::json& line);
  std::string now_iso() const;

  std::FILE* out_ = nullptr;
  const platform::Clock* clock_ = nullptr;  // the emulator's: cases carry serverlite's time
  std::set<std::string> headers_, fields_;
  std::size_t written_ = 0;
};

}  // namespace serverlite::replay
