// The words of SPEC §1–§5 as enums: case types, states, actions, roles,
// deadline kinds. Each has a wire name (snake_case, as served in JSON) and a
// parser. Pure values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aftersales {

enum class CaseType { kRefundOnly, kReturnRefund, kExchange, kCompensation, kRepair };

enum class State {
  kRequested,
  kPendingApproval,
  kNegotiating,
  kRejected,
  kEscalated,
  kAwaitingReturn,
  kReturnInTransit,
  kInspectionFailed,
  kRefunding,
  kReplacementPending,
  kReplacementShipped,
  kRefunded,
  kExchanged,
  kClosed,
  kCancelled,
  kCompensating,  // v3 §11
  kCompensated,
  // §12 repair (kRepaired terminal)
  kRepairing, kRepairReady, kRepairFailed, kRepairedShipped, kRepaired,
};
constexpr int kStateCount = 22;

// Actions a caller may name in POST /cases/{id}/actions/{action}, plus
// `submit` (POST /cases) and `timeout` (the engine's own, on a deadline).
enum class Action {
  kSubmit,
  kApprove,
  kReject,
  kOffer,
  kAcceptOffer,
  kDeclineOffer,
  kModify,
  kAppeal,
  kArbitrate,
  kCancel,
  kComment,
  kAssign,
  kShipReturn,
  kCarrierUpdate,
  kReceive,
  kRefundIssued,
  kRefundFailed,
  kShipReplacement,
  kConfirmDelivery,
  kIssueCompensation,  // v3 §11, §10.4
  kCompensationFailed,
  kWaive,
  kRepairUpdate, kShipRepaired, kDemandRemedy,  // §12 repair
  kTimeout,
};
constexpr int kActionCount = 26;

enum class Role {
  kBuyer,
  kIntegration,
  kAgent,
  kSupervisor,
  kManager,
  kWarehouse,
  kFinance,
  kAdmin,
  kSystem,
};
constexpr int kRoleCount = 9;

// A set of roles as a bit mask; the `by` column of SPEC §4's tables.
using RoleSet = std::uint32_t;
constexpr RoleSet Bit(Role r) { return RoleSet{1} << static_cast<int>(r); }
namespace roles {
constexpr RoleSet kBuyerSide = Bit(Role::kBuyer) | Bit(Role::kIntegration);
constexpr RoleSet kAgentPlus = Bit(Role::kAgent) | Bit(Role::kSupervisor) | Bit(Role::kManager);
constexpr RoleSet kAgentOrSupervisor = Bit(Role::kAgent) | Bit(Role::kSupervisor);
constexpr RoleSet kSupervisorPlus = Bit(Role::kSupervisor) | Bit(Role::kManager);
constexpr RoleSet kManager = Bit(Role::kManager);
constexpr RoleSet kReceivers = Bit(Role::kWarehouse) | Bit(Role::kManager);
constexpr RoleSet kCarrierFeed = Bit(Role::kIntegration) | Bit(Role::kWarehouse);
constexpr RoleSet kRefunders = Bit(Role::kFinance) | Bit(Role::kIntegration);
constexpr RoleSet kFinance = Bit(Role::kFinance);
constexpr RoleSet kSystem = Bit(Role::kSystem);
constexpr RoleSet kSubmitters = kBuyerSide | kAgentPlus;
// Everyone who sees a case (SPEC §2: buyers their own, staff all).
constexpr RoleSet kEveryone = kBuyerSide | kAgentPlus | Bit(Role::kWarehouse) | Bit(Role::kFinance) | Bit(Role::kAdmin);
}  // namespace roles

enum class DeadlineKind {
  kMerchantResponse,
  kBuyerResponse,
  kAppealWindow,
  kBuyerShip,
  kMerchantReceipt,
  kRefundIssue,
  kArbitration,
  kReplacementShip,
  kReplacementConfirm,
  // v3 (SPEC §10.4, §11.3, §12). order_ship runs on an order, not a case.
  kOrderShip,
  kCompensationIssue,
  kRepairComplete,
  kRepairedShip,
  kRepairedConfirm,
};
constexpr int kDeadlineKindCount = 14;

const char* NameOf(CaseType t);
const char* NameOf(State s);
const char* NameOf(Action a);
const char* NameOf(Role r);
const char* NameOf(DeadlineKind k);

std::optional<CaseType> ParseCaseType(std::string_view s);
std::optional<State> ParseState(std::string_view s);
std::optional<Action> ParseAction(std::string_view s);
std::optional<Role> ParseRole(std::string_view s);
std::optional<DeadlineKind> ParseDeadlineKind(std::string_view s);

bool IsTerminal(State s);
// Staff read every order and case (SPEC §2); buyers only their own.
bool IsStaff(Role r);

}  // namespace aftersales
