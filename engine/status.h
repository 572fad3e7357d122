// Status and Result<T>: how errors cross module boundaries in this code base.
//
// A Status is either ok or carries a code and a message meant for the operator:
// it says what failed, on which input, and (where there is one) what to do.
// Result<T> holds either a T or a non-ok Status. Neither throws.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pos {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is malformed
  kNotFound,           // the thing asked for does not exist
  kAlreadyExists,      // creating something that is there already
  kConflict,           // optimistic concurrency: expected version did not match
  kCorruption,         // stored or received bytes fail verification
  kIoError,            // the file system or RocksDB failed
  kBusy,               // locked by another process
  kUnsupported,        // e.g. a store of a newer schema version
  kFailedPrecondition, // the system is not in a state that allows the call
  kPermissionDenied,
  kUnavailable,        // a peer or the daemon cannot be reached
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "conflict: stream article/4711 is at version 3, expected 2"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with context: "opening ./data: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}                     // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) { assert(!std::get<Status>(state_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace pos

// Propagates a non-ok Status out of the calling function.
#define POS_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::pos::Status pos_status_ = (expr);            \
    if (!pos_status_.ok()) return pos_status_;     \
  } while (false)

#define POS_CONCAT_INNER(a, b) a##b
#define POS_CONCAT(a, b) POS_CONCAT_INNER(a, b)
// POS_ASSIGN_OR_RETURN(auto x, FunctionReturningResult()) binds x or returns the Status.
#define POS_ASSIGN_OR_RETURN(lhs, expr) \
  POS_ASSIGN_OR_RETURN_IMPL(POS_CONCAT(pos_result_, __LINE__), lhs, expr)
#define POS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
