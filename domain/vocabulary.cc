#include "domain/vocabulary.h"

#include <array>

namespace aftersales {
namespace {

constexpr std::array<const char*, 5> kCaseTypeNames = {"refund_only", "return_refund", "exchange", "compensation",
                                                     "repair"};
constexpr std::array<const char*, kStateCount> kStateNames = {
    "requested",         "pending_approval",    "negotiating",         "rejected", "escalated",
    "awaiting_return",   "return_in_transit",   "inspection_failed",   "refunding", "replacement_pending",
    "replacement_shipped", "refunded",          "exchanged",           "closed",   "cancelled",
    "compensating",      "compensated",         "repairing", "repair_ready", "repair_failed", "repaired_shipped", "repaired"};
constexpr std::array<const char*, kActionCount> kActionNames = {
    "submit",      "approve",        "reject",  "offer",          "accept_offer",
    "decline_offer", "modify",       "appeal",  "arbitrate",      "cancel",
    "comment",     "assign",         "ship_return", "carrier_update", "receive",
    "refund_issued", "refund_failed", "ship_replacement", "confirm_delivery",
    "issue_compensation", "compensation_failed", "waive", "repair_update", "ship_repaired", "demand_remedy", "timeout"};
constexpr std::array<const char*, kRoleCount> kRoleNames = {
    "buyer", "integration", "agent", "supervisor", "manager", "warehouse", "finance", "admin", "system"};
constexpr std::array<const char*, kDeadlineKindCount> kDeadlineNames = {
    "merchant_response", "buyer_response", "appeal_window",    "buyer_ship",         "merchant_receipt",
    "refund_issue",      "arbitration",    "replacement_ship", "replacement_confirm", "order_ship",
    "compensation_issue", "repair_complete", "repaired_ship",   "repaired_confirm"};

template <class E, std::size_t N>
std::optional<E> Parse(const std::array<const char*, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

const char* NameOf(CaseType t) { return kCaseTypeNames[static_cast<int>(t)]; }
const char* NameOf(State s) { return kStateNames[static_cast<int>(s)]; }
const char* NameOf(Action a) { return kActionNames[static_cast<int>(a)]; }
const char* NameOf(Role r) { return kRoleNames[static_cast<int>(r)]; }
const char* NameOf(DeadlineKind k) { return kDeadlineNames[static_cast<int>(k)]; }

std::optional<CaseType> ParseCaseType(std::string_view s) { return Parse<CaseType>(kCaseTypeNames, s); }
std::optional<State> ParseState(std::string_view s) { return Parse<State>(kStateNames, s); }
std::optional<Action> ParseAction(std::string_view s) { return Parse<Action>(kActionNames, s); }
std::optional<Role> ParseRole(std::string_view s) { return Parse<Role>(kRoleNames, s); }
std::optional<DeadlineKind> ParseDeadlineKind(std::string_view s) { return Parse<DeadlineKind>(kDeadlineNames, s); }

bool IsTerminal(State s) {
  return s == State::kRefunded || s == State::kExchanged || s == State::kClosed || s == State::kCancelled ||
         s == State::kCompensated || s == State::kRepaired;
}

bool IsStaff(Role r) { return r != Role::kBuyer && r != Role::kSystem; }

}  // namespace aftersales
