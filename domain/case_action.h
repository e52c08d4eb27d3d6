// CaseAction: one action on a case, typed (SPEC §4 "Action bodies hold
// exactly these fields"). One struct per action, holding that action's
// fields and nothing else; the transition tables take these structs as
// their MSM events (workflows/machine_parts.h), so a guard or an action
// reads `evt.amount`, never a string. Fields every action may carry
// (`expected_version`, `note`) sit beside the variant. Free text (notes,
// comments, descriptions, evidence) is plain strings here; the engine moves
// it into the erasable texts table. Plain values; no behaviour.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/model.h"

namespace aftersales {
namespace act {

struct Approve {
  static constexpr Action kAction = Action::kApprove;
};
struct Reject {
  static constexpr Action kAction = Action::kReject;
  std::string reason_code;
};
struct MakeOffer {
  static constexpr Action kAction = Action::kOffer;
  Money amount = 0;
  std::optional<bool> return_required;
  std::optional<CompensationForm> form;  // compensation only
};
struct AcceptOffer {
  static constexpr Action kAction = Action::kAcceptOffer;
};
struct DeclineOffer {
  static constexpr Action kAction = Action::kDeclineOffer;
};
struct Modify {
  static constexpr Action kAction = Action::kModify;
  std::optional<Money> requested_amount;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> evidence;
};
struct Appeal {  // its `note` is required
  static constexpr Action kAction = Action::kAppeal;
};
enum class Decision { kGrant, kUphold };
struct Arbitrate {
  static constexpr Action kAction = Action::kArbitrate;
  Decision decision = Decision::kUphold;
  std::optional<Money> amount;
  std::optional<bool> return_required;
  std::optional<CompensationForm> form;  // compensation only
};
struct Cancel {
  static constexpr Action kAction = Action::kCancel;
};
struct Comment {
  static constexpr Action kAction = Action::kComment;
  std::string text;
  std::optional<Visibility> visibility;  // none: internal for staff, buyer-visible for the buyer side
};
struct Assign {
  static constexpr Action kAction = Action::kAssign;
  std::optional<std::string> assignee;  // none: unassign
};
struct ShipReturn {
  static constexpr Action kAction = Action::kShipReturn;
  std::string carrier;
  std::string tracking_no;
};
enum class ShipmentLeg { kReturn, kReplacement, kRepaired };
const char* NameOf(ShipmentLeg leg);  // return, replacement, repaired
struct CarrierUpdate {  // status: delivered (the only one SPEC §4 names)
  static constexpr Action kAction = Action::kCarrierUpdate;
  ShipmentLeg shipment = ShipmentLeg::kReturn;
  TimePoint at = 0;
};
struct ReceivedLine {
  std::string line_id;
  std::int64_t received = 0;
  std::int64_t damaged = 0;
};
struct Receive {
  static constexpr Action kAction = Action::kReceive;
  bool pass = false;
  std::optional<std::string> grade;
  std::optional<bool> restock;
  std::optional<std::vector<ReceivedLine>> lines;
};
struct RefundIssued {
  static constexpr Action kAction = Action::kRefundIssued;
  std::string external_ref;
};
struct RefundFailed {
  static constexpr Action kAction = Action::kRefundFailed;
  std::string error;
};
struct ShipReplacement {
  static constexpr Action kAction = Action::kShipReplacement;
  std::string carrier;
  std::string tracking_no;
  std::optional<std::string> sku;
};
struct ConfirmDelivery {
  static constexpr Action kAction = Action::kConfirmDelivery;
};
// SPEC §11.3: cash and points carry external_ref; a voucher carries
// voucher_code and maybe expires_at.
struct IssueCompensation {
  static constexpr Action kAction = Action::kIssueCompensation;
  std::optional<std::string> external_ref;
  std::optional<std::string> voucher_code;
  std::optional<TimePoint> expires_at;
};
struct CompensationFailed {
  static constexpr Action kAction = Action::kCompensationFailed;
  std::string error;
};
struct Waive {  // SPEC §10.4 (v3.2): a system late compensation, by a manager
  static constexpr Action kAction = Action::kWaive;
  std::string reason;
};

// §12 repair.
enum class RepairStatus { kDiagnosed, kWaitingParts, kRepaired, kUnrepairable };
const char* NameOf(RepairStatus s);
struct RepairUpdate {  // its `note` is required
  static constexpr Action kAction = Action::kRepairUpdate;
  RepairStatus status = RepairStatus::kDiagnosed;
};
struct ShipRepaired {
  static constexpr Action kAction = Action::kShipRepaired;
  std::string carrier;
  std::string tracking_no;
};
enum class Remedy { kRefund, kReplacement };
struct DemandRemedy {
  static constexpr Action kAction = Action::kDemandRemedy;
  Remedy remedy = Remedy::kRefund;
};

}  // namespace act

// Every action a caller may name (not submit, not the engine's timeout).
using ActionBody = std::variant<act::Approve, act::Reject, act::MakeOffer, act::AcceptOffer, act::DeclineOffer,
                                act::Modify, act::Appeal, act::Arbitrate, act::Cancel, act::Comment, act::Assign,
                                act::ShipReturn, act::CarrierUpdate, act::Receive, act::RefundIssued,
                                act::RefundFailed, act::ShipReplacement, act::ConfirmDelivery,
                                act::IssueCompensation, act::CompensationFailed, act::Waive, act::RepairUpdate,
                                act::ShipRepaired, act::DemandRemedy>;

struct CaseAction {
  std::optional<std::int64_t> expected_version;
  std::optional<std::string> note;
  ActionBody body;

  Action action() const {
    return std::visit([](const auto& b) { return std::decay_t<decltype(b)>::kAction; }, body);
  }
  template <class T>
  const T* As() const {
    return std::get_if<T>(&body);
  }
};

}  // namespace aftersales
