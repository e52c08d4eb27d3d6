// Status and Result: how every layer reports failure without exceptions.
//
// A Status is a SPEC §6 error code plus a human message, optional per-field
// errors and optional extra members (for example `state` and
// `allowed_actions` of an invalid transition). Codes map one-to-one to the
// problem+json codes of SPEC §6; the HTTP layer owns the mapping to numbers.
// Values are immutable once built; safe to copy between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
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
  kOrderRefunded,             // 409: the units are refunded before shipment (SPEC §10)
  kLengthRequired,            // 411
  kPayloadTooLarge,           // 413
  kUnsupportedMediaType,      // 415
  kRequestTimeout,            // 408: a request head or body did not arrive in time
  kUriTooLong,                // 414
  kQuantityExceedsReturnable, // 422
  kOrderNotDelivered,         // 422
  kOutsideReturnWindow,       // 422
  kNotEligible,               // 422
  kOutsideWarranty,           // 422 (§12 repair submit)
  kRemedyNotAvailable,        // 422 (§12 demand_remedy)
  kAmountExceedsRefundable,   // 422
  kQuantityExceedsUnshipped,  // 422 (SPEC §10.2)
  kAlreadyShipped,            // 422 (SPEC §10.3)
  kCompensationCapExceeded,   // 422 (v3 §11.2)
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
  // OK. Allocates nothing: the success path of every call stays cheap.
  Status() = default;
  Status(Code code, std::string message);
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status Invalid(std::string field, std::string message);
  static Status NotFound(std::string what);
  static Status Unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }
  static Status Internal(std::string message) { return Status(Code::kInternal, std::move(message)); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  const std::string& message() const;
  const std::vector<FieldError>& errors() const;
  const nlohmann::json& extra() const;

  // Both only on an error Status (an OK one stays OK and unchanged).
  Status& AddError(std::string field, std::string message);
  Status& With(const std::string& key, nlohmann::json value);

 private:
  struct Rep {
    Code code = Code::kOk;
    std::string message;
    std::vector<FieldError> errors;
    nlohmann::json extra = nlohmann::json::object();
  };
  std::unique_ptr<Rep> rep_;  // null when OK
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

// Early return on failure: `AS_RETURN_IF_ERROR(store.Put(x));`
#define AS_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::aftersales::Status as_status_ = (expr); \
    if (!as_status_.ok()) return as_status_;  \
  } while (0)

// Early return on failure, else the value: `AS_ASSIGN_OR_RETURN(auto order,
// LoadOrder(txn, id));` declares `order` (or assigns an existing variable).
#define AS_ASSIGN_OR_RETURN(lhs, expr) AS_ASSIGN_OR_RETURN_IMPL_(AS_STATUS_CONCAT_(as_result_, __LINE__), lhs, expr)
#define AS_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                              \
  if (!result.ok()) return result.status();          \
  lhs = std::move(*result)
#define AS_STATUS_CONCAT_(a, b) AS_STATUS_CONCAT_INNER_(a, b)
#define AS_STATUS_CONCAT_INNER_(a, b) a##b

}  // namespace aftersales
