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
