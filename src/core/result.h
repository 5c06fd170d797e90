#pragma once

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace pharos {

// A value or an Error, returned across module boundaries instead of throwing. Marked
// [[nodiscard]] so that dropping an error is a compile error; `ignore()` marks the few places
// where dropping one is deliberate, so grep finds them.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Calling these on an error is a bug and aborts.
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }

  // Precondition: !ok().
  const Error& error() const& {
    if (ok()) std::abort();
    return std::get<1>(state_);
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::get<1>(std::move(state_));
  }

  T valueOr(T fallback) const& { return ok() ? std::get<0>(state_) : std::move(fallback); }
  void ignore() const {}

 private:
  T& checked() {
    if (!ok()) std::abort();
    return std::get<0>(state_);
  }
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    if (ok()) std::abort();
    return *error_;
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::move(*error_);
  }
  void ignore() const {}

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status okStatus() {
  return {};
}

}  // namespace pharos

#define PHAROS_CONCAT_INNER(a, b) a##b
#define PHAROS_CONCAT(a, b) PHAROS_CONCAT_INNER(a, b)

// Returns the error of a Status-returning (or any Result) expression from the enclosing
// function.
#define PHAROS_TRY(expr)                            \
  do {                                              \
    auto&& pharos_try_result_ = (expr);             \
    if (!pharos_try_result_.ok()) {                 \
      return std::move(pharos_try_result_).error(); \
    }                                               \
  } while (false)

// Declares `lhs` from a Result<T> expression, or returns its error.
//   PHAROS_ASSIGN_OR_RETURN(auto db, openDatabase(path));
#define PHAROS_ASSIGN_OR_RETURN(lhs, expr) \
  PHAROS_ASSIGN_OR_RETURN_IMPL(PHAROS_CONCAT(pharos_result_, __LINE__), lhs, expr)
#define PHAROS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  lhs = std::move(tmp).value()
