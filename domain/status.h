// Status and Result: how every layer reports failure without exceptions.
//
// A Status is a SPEC §6 error code plus a human message, optional per-field
// errors and optional extra members (for example `state` and
// `allowed_actions` of an invalid transition). Codes map one-to-one to the
// problem+json codes of SPEC §6; the HTTP layer owns the mapping to numbers.
// Values are immutable once built; safe to copy between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aftersales {

enum class Code {
  kOk,
  kMalformedJson,             // 400
  kValidationFailed,          // 400
  kUnauthenticated,           // 401
  kForbidden,                 // 403
  kApprovalLimitExceeded,     // 403
  kNotFound,                  // 404
  kVersionConflict,           // 409
  kInvalidTransition,         // 409
  kAlreadyExists,             // 409
  kIdempotencyInProgress,     // 409
  kLengthRequired,            // 411
  kPayloadTooLarge,           // 413
  kUnsupportedMediaType,      // 415
  kRequestTimeout,            // 408: a request head or body did not arrive in time
  kUriTooLong,                // 414
  kQuantityExceedsReturnable, // 422
  kOrderNotDelivered,         // 422
  kOutsideReturnWindow,       // 422
  kNotEligible,               // 422
  kAmountExceedsRefundable,   // 422
  kIdempotencyKeyReused,      // 422
  kRateLimited,               // 429
  kHeadersTooLarge,           // 431
  kUnavailable,               // 503: storage failure, nothing half-written
  kServerBusy,                // 503: at a connection or queue limit; retry later
  kInternal,                  // 500: a bug; never expected
};

// The snake_case wire name of `code` ("validation_failed", ...).
const char* CodeName(Code code);
// The HTTP status SPEC §6 gives `code`.
int HttpStatusOf(Code code);

struct FieldError {
  std::string field;
  std::string message;
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string field, std::string message);
  static Status NotFound(std::string what);
  static Status Unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }
  static Status Internal(std::string message) { return Status(Code::kInternal, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& errors() const { return errors_; }
  const nlohmann::json& extra() const { return extra_; }

  Status& AddError(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
    return *this;
  }
  Status& With(const std::string& key, nlohmann::json value) {
    extra_[key] = std::move(value);
    return *this;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldError> errors_;
  nlohmann::json extra_ = nlohmann::json::object();
};

// A value or the Status that explains its absence.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

// Early return on failure: `RETURN_IF_ERROR(store.Put(x));`
#define AS_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::aftersales::Status as_status_ = (expr); \
    if (!as_status_.ok()) return as_status_;  \
  } while (0)

}  // namespace aftersales
