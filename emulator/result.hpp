// A value or an error: what every service engine returns for an expected outcome (a missing
// queue, an invalid argument ...), leaving exceptions to a broken store. What std::expected will
// be once the project moves to C++23. Each engine names its own: `Result<T> = Result<T, Error>`.
#pragma once

#include <utility>
#include <variant>

namespace serverlite {

template <class T, class E>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(E error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace serverlite
