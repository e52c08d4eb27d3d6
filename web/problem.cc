#include "web/problem.h"

namespace aftersales {
namespace {

using nlohmann::json;

const char* TitleOf(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kMalformedJson:
      return "Malformed JSON";
    case Code::kValidationFailed:
      return "Validation failed";
    case Code::kUnauthenticated:
      return "Unauthenticated";
    case Code::kForbidden:
      return "Forbidden";
    case Code::kApprovalLimitExceeded:
      return "Approval limit exceeded";
    case Code::kNotFound:
      return "Not found";
    case Code::kVersionConflict:
      return "Version conflict";
    case Code::kInvalidTransition:
      return "Invalid transition";
    case Code::kAlreadyExists:
      return "Already exists";
    case Code::kIdempotencyInProgress:
      return "Idempotent request in progress";
    case Code::kOrderRefunded:
      return "Order refunded before shipment";
    case Code::kLengthRequired:
      return "Length required";
    case Code::kPayloadTooLarge:
      return "Payload too large";
    case Code::kUnsupportedMediaType:
      return "Unsupported media type";
    case Code::kRequestTimeout:
      return "Request timeout";
    case Code::kUriTooLong:
      return "URI too long";
    case Code::kQuantityExceedsReturnable:
      return "Quantity exceeds returnable";
    case Code::kOrderNotDelivered:
      return "Order not delivered";
    case Code::kOutsideReturnWindow:
      return "Outside return window";
    case Code::kNotEligible:
      return "Not eligible";
    case Code::kOutsideWarranty:
      return "Outside warranty";
    case Code::kRemedyNotAvailable:
      return "Remedy not available";
    case Code::kAmountExceedsRefundable:
      return "Amount exceeds refundable";
    case Code::kQuantityExceedsUnshipped:
      return "Quantity exceeds unshipped";
    case Code::kAlreadyShipped:
      return "Already shipped";
    case Code::kCompensationCapExceeded:
      return "Compensation cap exceeded";
    case Code::kIdempotencyKeyReused:
      return "Idempotency key reused";
    case Code::kRateLimited:
      return "Rate limited";
    case Code::kHeadersTooLarge:
      return "Headers too large";
    case Code::kUnavailable:
      return "Service unavailable";
    case Code::kServerBusy:
      return "Server busy";
    case Code::kInternal:
      return "Internal error";
  }
  return "Internal error";
}

std::string TypeOf(const std::string& code) { return "urn:aftersales:problem:" + code; }

}  // namespace

json ProblemJson(const Status& status) {
  const std::string code = CodeName(status.code());
  std::string detail = status.message();
  if (status.code() == Code::kInternal) detail = "an internal error occurred; it has been logged";
  if (status.code() == Code::kUnavailable) detail = "storage is unavailable; nothing was changed";
  if (detail.empty()) detail = TitleOf(status.code());
  json errors = json::array();
  for (const auto& e : status.errors()) errors.push_back({{"field", e.field}, {"message", e.message}});
  json problem = {{"type", TypeOf(code)},
                  {"title", TitleOf(status.code())},
                  {"status", HttpStatusOf(status.code())},
                  {"detail", detail},
                  {"code", code},
                  {"errors", std::move(errors)}};
  if (status.extra().is_object()) {
    for (auto it = status.extra().begin(); it != status.extra().end(); ++it) {
      if (!problem.contains(it.key())) problem[it.key()] = it.value();
    }
  }
  return problem;
}

json ProblemJson(int http_status, const std::string& code, const std::string& title, const std::string& detail) {
  return {{"type", TypeOf(code)}, {"title", title}, {"status", http_status},
          {"detail", detail},     {"code", code},   {"errors", json::array()}};
}

std::string WireJson(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace aftersales
