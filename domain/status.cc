#include "domain/status.h"

namespace aftersales {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kMalformedJson: return "malformed_json";
    case Code::kValidationFailed: return "validation_failed";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kForbidden: return "forbidden";
    case Code::kApprovalLimitExceeded: return "approval_limit_exceeded";
    case Code::kNotFound: return "not_found";
    case Code::kVersionConflict: return "version_conflict";
    case Code::kInvalidTransition: return "invalid_transition";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kIdempotencyInProgress: return "idempotency_in_progress";
    case Code::kOrderRefunded: return "order_refunded";
    case Code::kLengthRequired: return "length_required";
    case Code::kPayloadTooLarge: return "payload_too_large";
    case Code::kUnsupportedMediaType: return "unsupported_media_type";
    case Code::kRequestTimeout: return "request_timeout";
    case Code::kUriTooLong: return "uri_too_long";
    case Code::kQuantityExceedsReturnable: return "quantity_exceeds_returnable";
    case Code::kOrderNotDelivered: return "order_not_delivered";
    case Code::kOutsideReturnWindow: return "outside_return_window";
    case Code::kNotEligible: return "not_eligible";
    case Code::kOutsideWarranty: return "outside_warranty";
    case Code::kRemedyNotAvailable: return "remedy_not_available";
    case Code::kAmountExceedsRefundable: return "amount_exceeds_refundable";
    case Code::kQuantityExceedsUnshipped: return "quantity_exceeds_unshipped";
    case Code::kAlreadyShipped: return "already_shipped";
    case Code::kCompensationCapExceeded: return "compensation_cap_exceeded";
    case Code::kIdempotencyKeyReused: return "idempotency_key_reused";
    case Code::kRateLimited: return "rate_limited";
    case Code::kHeadersTooLarge: return "headers_too_large";
    case Code::kUnavailable: return "unavailable";
    case Code::kServerBusy: return "server_busy";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kMalformedJson:
    case Code::kValidationFailed: return 400;
    case Code::kUnauthenticated: return 401;
    case Code::kForbidden:
    case Code::kApprovalLimitExceeded: return 403;
    case Code::kNotFound: return 404;
    case Code::kVersionConflict:
    case Code::kInvalidTransition:
    case Code::kAlreadyExists:
    case Code::kIdempotencyInProgress:
    case Code::kOrderRefunded: return 409;
    case Code::kLengthRequired: return 411;
    case Code::kPayloadTooLarge: return 413;
    case Code::kUnsupportedMediaType: return 415;
    case Code::kRequestTimeout: return 408;
    case Code::kUriTooLong: return 414;
    case Code::kQuantityExceedsReturnable:
    case Code::kOrderNotDelivered:
    case Code::kOutsideReturnWindow:
    case Code::kNotEligible:
    case Code::kOutsideWarranty:
    case Code::kRemedyNotAvailable:
    case Code::kAmountExceedsRefundable:
    case Code::kQuantityExceedsUnshipped:
    case Code::kAlreadyShipped:
    case Code::kCompensationCapExceeded:
    case Code::kIdempotencyKeyReused: return 422;
    case Code::kRateLimited: return 429;
    case Code::kHeadersTooLarge: return 431;
    case Code::kUnavailable:
    case Code::kServerBusy: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

Status::Status(Code code, std::string message) {
  if (code == Code::kOk) return;  // an OK Status carries nothing
  rep_ = std::make_unique<Rep>();
  rep_->code = code;
  rep_->message = std::move(message);
}

const std::string& Status::message() const {
  static const std::string kNone;
  return rep_ ? rep_->message : kNone;
}

const std::vector<FieldError>& Status::errors() const {
  static const std::vector<FieldError> kNone;
  return rep_ ? rep_->errors : kNone;
}

const nlohmann::json& Status::extra() const {
  static const nlohmann::json kNone = nlohmann::json::object();
  return rep_ ? rep_->extra : kNone;
}

Status& Status::AddError(std::string field, std::string message) {
  if (rep_) rep_->errors.push_back({std::move(field), std::move(message)});
  return *this;
}

Status& Status::With(const std::string& key, nlohmann::json value) {
  if (rep_) rep_->extra[key] = std::move(value);
  return *this;
}

Status Status::Invalid(std::string field, std::string message) {
  Status s(Code::kValidationFailed, message);
  s.AddError(std::move(field), std::move(message));
  return s;
}

Status Status::NotFound(std::string what) { return Status(Code::kNotFound, std::move(what) + " not found"); }

}  // namespace aftersales
