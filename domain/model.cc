#include "domain/model.h"

namespace aftersales {

const char* NameOf(RefundStatus s) {
  switch (s) {
    case RefundStatus::kPending: return "pending";
    case RefundStatus::kIssued: return "issued";
    case RefundStatus::kFailed: return "failed";
  }
  return "pending";
}

}  // namespace aftersales

namespace aftersales {

const char* NameOf(ShipmentStatus s) {
  switch (s) {
    case ShipmentStatus::kUnshipped: return "unshipped";
    case ShipmentStatus::kShipped: return "shipped";
    case ShipmentStatus::kRefunded: return "refunded";
  }
  return "unshipped";
}

std::optional<ShipmentStatus> ParseShipmentStatus(std::string_view s) {
  if (s == "unshipped") return ShipmentStatus::kUnshipped;
  if (s == "shipped") return ShipmentStatus::kShipped;
  if (s == "refunded") return ShipmentStatus::kRefunded;
  return std::nullopt;
}

}  // namespace aftersales
