#include "domain/model.h"

#include "domain/case_action.h"

namespace aftersales {

const char* NameOf(RefundStatus s) {
  switch (s) {
    case RefundStatus::kPending: return "pending";
    case RefundStatus::kIssued: return "issued";
    case RefundStatus::kFailed: return "failed";
  }
  return "pending";
}

namespace act {

const char* NameOf(ShipmentLeg leg) {
  switch (leg) {
    case ShipmentLeg::kReturn: return "return";
    case ShipmentLeg::kReplacement: return "replacement";
    case ShipmentLeg::kRepaired: return "repaired";
  }
  return "return";
}

const char* NameOf(RepairStatus s) {
  switch (s) {
    case RepairStatus::kDiagnosed: return "diagnosed";
    case RepairStatus::kWaitingParts: return "waiting_parts";
    case RepairStatus::kRepaired: return "repaired";
    case RepairStatus::kUnrepairable: return "unrepairable";
  }
  return "diagnosed";
}

}  // namespace act

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

namespace aftersales {

const char* NameOf(CompensationForm f) {
  switch (f) {
    case CompensationForm::kCash: return "cash";
    case CompensationForm::kVoucher: return "voucher";
    case CompensationForm::kPoints: return "points";
  }
  return "voucher";
}

std::optional<CompensationForm> ParseCompensationForm(const std::string& s) {
  for (auto f : {CompensationForm::kCash, CompensationForm::kVoucher, CompensationForm::kPoints}) {
    if (s == NameOf(f)) return f;
  }
  return std::nullopt;
}

}  // namespace aftersales
