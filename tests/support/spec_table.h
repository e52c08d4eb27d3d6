// SPEC §4's workflow tables written out by hand, as data: who may take
// which action in which state of which case type, with the data that picks
// a row and the state it leads to; and, per type, a documented path to
// every state (the situations). The tests of who may act
// (support/role_matrix.h) check the engine and the HTTP API against it.
//
// Deliberately NOT read from workflows/: a table taken from the code's own
// transition tables would agree with any mistake in them. When SPEC §4
// changes, or a case type is added (compensation §11, repair §12), this file
// changes with it: more rows (their `types` name the new type) and more
// situations. Plain constant data; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aftersales::testing::spec {

using Names = std::vector<std::string>;

// ---- Words of SPEC §1, §2, §4 -----------------------------------------------
// Case types (§1, §11, §12).
inline const Names kTypes = {"refund_only", "return_refund", "exchange", "compensation", "repair"};
inline const Names kGoodsTypes = {"refund_only", "return_refund", "exchange"};  // the types of goods (§4's three)
// §4 "common to all three types", and to compensation (§11.3 "§4's common rows").
inline const Names kCommonTypes = {"refund_only", "return_refund", "exchange", "compensation"};
inline const Names kReturnTypes = {"return_refund", "exchange"};                 // §4 "Return leg"
inline const Names kExchangeOnly = {"exchange"};
inline const Names kCompensationOnly = {"compensation"};
// §12: a repair has the common rows with exceptions (written out as its
// own rows below), and then §4's money and replacement rows.
inline const Names kRepairOnly = {"repair"};
inline const Names kMoneyTypes = {"refund_only", "return_refund", "exchange", "repair"};  // reach refunding
inline const Names kReplacementTypes = {"exchange", "repair"};                          // ship a replacement

// The roles a user can have (§2). `system` is the engine itself, never a caller.
inline const Names kRoles = {"buyer", "integration", "agent", "supervisor", "manager", "warehouse", "finance", "admin"};

// The `by` column's words (§2: "agent+" is agent, supervisor, manager).
inline const Names kBuyerSide = {"buyer", "integration"};
inline const Names kAgentPlus = {"agent", "supervisor", "manager"};
inline const Names kSupervisorPlus = {"supervisor", "manager"};
inline const Names kManager = {"manager"};
inline const Names kReceivers = {"warehouse", "manager"};
inline const Names kCarrierFeed = {"integration", "warehouse"};
inline const Names kRefunders = {"finance", "integration"};
inline const Names kFinance = {"finance"};  // §11.3: cash compensation
// comment: "anyone who sees the case" (staff see every case, a buyer their own).
inline const Names kAnyoneWhoSees = kRoles;

// The actions of POST /cases/{id}/actions/{action} (§4, §6.6).
// clang-format off
inline const Names kActions = {
    "approve", "reject", "offer", "accept_offer", "decline_offer", "modify", "appeal", "arbitrate", "cancel",
    "comment", "assign", "ship_return", "carrier_update", "receive", "refund_issued", "refund_failed",
    "ship_replacement", "confirm_delivery", "issue_compensation", "compensation_failed", "waive", "repair_update",
    "ship_repaired", "demand_remedy"};
// clang-format on
// Names that are not actions of that route: submit is POST /cases, timeout
// the engine's own (§4.2: 404 unknown action).
inline const Names kNotActions = {"submit", "timeout", "refund"};

inline const Names kTerminalStates = {"refunded", "exchanged", "closed", "cancelled", "compensated", "repaired"};
// The states a case of each type can be in (§4: refund_only never takes
// goods back; only an exchange ships a replacement).
inline Names StatesOf(const std::string& type) {
  if (type == "compensation") {  // §11.3: no goods move
    return {"requested", "pending_approval", "negotiating", "rejected", "escalated",
            "compensating", "compensated", "closed", "cancelled"};
  }
  if (type == "repair") {  // §12: no pending_approval (its approve has no limit)
    return {"requested",         "negotiating",         "rejected",            "escalated",    "refunding",
            "refunded",          "closed",              "cancelled",           "awaiting_return", "return_in_transit",
            "inspection_failed", "replacement_pending", "replacement_shipped", "exchanged",    "repairing",
            "repair_ready",      "repair_failed",       "repaired_shipped",    "repaired"};
  }
  Names s = {"requested", "pending_approval", "negotiating", "rejected", "escalated",
             "refunding", "refunded",         "closed",      "cancelled"};
  if (type != "refund_only") s.insert(s.end(), {"awaiting_return", "return_in_transit", "inspection_failed"});
  if (type == "exchange") s.insert(s.end(), {"replacement_pending", "replacement_shipped", "exchanged"});
  return s;
}
// `from` of the rows valid in every non-terminal state (comment, assign).
inline const std::string kAnyNonTerminal = "*";

// Approval limits of the shipped policy (§5), in minor units; managers have none.
constexpr std::int64_t kAgentLimit = 20000;
constexpr std::int64_t kSupervisorLimit = 200000;
// "the 4th modify → 409 invalid_transition" (§4).
constexpr int kMaxModifications = 3;

// ---- Rows --------------------------------------------------------------------
// A condition under which a row exists at all (§4.2: no row → 409).
enum class Gate {
  kNone,
  kModificationsLeft,  // modify: fewer than kMaxModifications so far
  kGoodsNotReceived,   // decline_offer → requested
  kGoodsReceived,      // decline_offer → inspection_failed
  // §12 demand_remedy: the row exists (§4.2 answers as for any row), but the
  // action is open only after enough failed repairs or an overrun: else 422
  // remedy_not_available, and absent from allowed_actions.
  kRemedyOpen,
  kCashForm,           // issue_compensation, compensation_failed of cash: finance only (§11.3)
  kVoucherForm,        // … of a voucher (or points): finance or integration
  kSystemSubmitted,    // waive: the system's late compensation only (§10.4); never a submitted case
};
// How the caller's approval limit bears on a row (§4, §9.1).
enum class Limit {
  kNone,
  kOverGoesToPendingApproval,  // approve in requested: above an agent's or supervisor's limit → pending_approval
  kWithinOnly,  // above the caller's limit → 403 approval_limit_exceeded, and absent from allowed_actions (§9.1)
};

// Targets that are not a state name.
inline const std::string kSame = "(same)";                     // the case stays in its state
inline const std::string kAfterApproval = "(after approval)";  // §4 "After approval"
inline const std::string kAfterReceipt = "(after receipt)";    // receive pass: refunding / replacement_pending

// In bodies, a string "$agent" is the agent's user id and "$now" the time
// the tests run at (both filled in by the runner).
struct Row {
  Names types;
  Names from;  // {kAnyNonTerminal}: every non-terminal state
  std::string action;
  Names by;
  nlohmann::json body;  // a body that takes this row (the data that picks it, e.g. decision, result)
  std::string to;
  Gate gate = Gate::kNone;
  Limit limit = Limit::kNone;
};

inline const std::vector<Row>& Rows() {
  using nlohmann::json;
  const json none = json::object();
  const Gate any = Gate::kNone;
  // clang-format off
  static const std::vector<Row> kRows = {
  // types          from                                        action            by              body (what picks the row)                    to                    gate                     limit
  // -- §4, common to all three types --------------------------------------------------------------------------------------------------------------------------------------------------------------------
  {kCommonTypes,  {"requested"},                                "approve",        kAgentPlus,     none,                                        kAfterApproval,      any,                     Limit::kOverGoesToPendingApproval},
  {kCommonTypes,  {"pending_approval"},                         "approve",        kSupervisorPlus, none,                                       kAfterApproval,      any,                     Limit::kWithinOnly},
  {kCommonTypes,  {"requested", "pending_approval", "inspection_failed"},
                                                                "reject",         kAgentPlus,     {{"reason_code", "other"}},                  "rejected"},
  {kGoodsTypes,   {"requested", "pending_approval", "inspection_failed"},
                                                                "offer",          kAgentPlus,     {{"amount", 100}, {"return_required", false}}, "negotiating"},
  {kCompensationOnly, {"requested", "pending_approval"},        "offer",          kAgentPlus,     {{"amount", 100}},                           "negotiating"},  // §11.3: no return_required
  {kCommonTypes,  {"negotiating"},                              "accept_offer",   kBuyerSide,     none,                                        kAfterApproval},
  {kCommonTypes,  {"negotiating"},                              "decline_offer",  kBuyerSide,     none,                                        "requested",         Gate::kGoodsNotReceived},
  {kCommonTypes,  {"negotiating"},                              "decline_offer",  kBuyerSide,     none,                                        "inspection_failed", Gate::kGoodsReceived},
  {kCommonTypes,  {"rejected"},                                 "modify",         kBuyerSide,     {{"description", "more detail"}},            "requested",         Gate::kModificationsLeft},
  {kCommonTypes,  {"rejected", "negotiating"},                  "appeal",         kBuyerSide,     {{"note", "please look again"}},             "escalated"},
  {kCommonTypes,  {"escalated"},                                "arbitrate",      kManager,       {{"decision", "grant"}},                     kAfterApproval},
  {kCommonTypes,  {"escalated"},                                "arbitrate",      kManager,       {{"decision", "uphold"}},                    "closed"},
  {kCommonTypes,  {"requested", "pending_approval", "negotiating", "rejected", "awaiting_return"},
                                                                "cancel",         kBuyerSide,     none,                                        "cancelled"},
  {kCommonTypes,  {kAnyNonTerminal},                            "comment",        kAnyoneWhoSees, {{"text", "a word"}},                        kSame},
  {kCommonTypes,  {kAnyNonTerminal},                            "assign",         kSupervisorPlus, {{"assignee", "$agent"}},                   kSame},
  // -- §4, return leg ------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------
  {kReturnTypes,  {"awaiting_return"},                          "ship_return",    kBuyerSide,     {{"carrier", "SF"}, {"tracking_no", "SF-R1"}}, "return_in_transit"},
  {kReturnTypes,  {"return_in_transit"},                        "carrier_update", kCarrierFeed,   {{"shipment", "return"}, {"status", "delivered"}, {"at", "$now"}},
                                                                                                                                               kSame},
  {kReturnTypes,  {"awaiting_return", "return_in_transit"},     "receive",        kReceivers,     {{"result", "pass"}},                        kAfterReceipt},
  {kReturnTypes,  {"awaiting_return", "return_in_transit"},     "receive",        kReceivers,     {{"result", "fail"}, {"note", "scratched"}}, "inspection_failed"},
  {kReturnTypes,  {"inspection_failed"},                        "approve",        kAgentPlus,     none,                                        kAfterApproval,      any,                     Limit::kWithinOnly},
  // -- the refund leg: SPEC lists it with the return leg, and every type whose outcome is money reaches `refunding` (§4 "After approval")
  {kMoneyTypes,   {"refunding"},                                "refund_issued",  kRefunders,     {{"external_ref", "PAY-1"}},                 "refunded"},
  {kMoneyTypes,   {"refunding"},                                "refund_failed",  kRefunders,     {{"error", "card expired"}},                 kSame},
  // -- the replacement leg (exchange; a repair after a failed repair) -------------------------------------------------------------------------------------------------------------------------------------------
  {kReplacementTypes, {"replacement_pending"},                  "ship_replacement", kReceivers,   {{"carrier", "SF"}, {"tracking_no", "SF-X1"}}, "replacement_shipped"},
  {kReplacementTypes, {"replacement_shipped"},                  "confirm_delivery", kBuyerSide,   none,                                        "exchanged"},
  {kReplacementTypes, {"replacement_shipped"},                  "carrier_update", kCarrierFeed,   {{"shipment", "replacement"}, {"status", "delivered"}, {"at", "$now"}},
                                                                                                                                               kSame},
  // -- §12 repair: the common rows with its exceptions -----------------------------------------------------------------------------------------------------------------------------------------------------------
  {kRepairOnly,   {"requested"},                                "approve",        kAgentPlus,     none,                                        "awaiting_return"},
  {kRepairOnly,   {"requested", "inspection_failed"},           "reject",         kAgentPlus,     {{"reason_code", "other"}},                  "rejected"},
  {kRepairOnly,   {"repair_failed"},                            "offer",          kAgentPlus,     {{"amount", 100}, {"return_required", false}}, "negotiating"},
  {kRepairOnly,   {"negotiating"},                              "accept_offer",   kBuyerSide,     none,                                        "refunding"},
  {kRepairOnly,   {"negotiating"},                              "decline_offer",  kBuyerSide,     none,                                        "repair_failed"},
  {kRepairOnly,   {"rejected"},                                 "modify",         kBuyerSide,     {{"description", "more detail"}},            "requested",         Gate::kModificationsLeft},
  {kRepairOnly,   {"rejected", "negotiating", "repair_failed"}, "appeal",         kBuyerSide,     {{"note", "please look again"}},             "escalated"},
  {kRepairOnly,   {"escalated"},                                "arbitrate",      kManager,       {{"decision", "grant"}},                     "awaiting_return",   Gate::kGoodsNotReceived},
  {kRepairOnly,   {"escalated"},                                "arbitrate",      kManager,       {{"decision", "grant"}},                     "refunding",         Gate::kGoodsReceived},
  {kRepairOnly,   {"escalated"},                                "arbitrate",      kManager,       {{"decision", "uphold"}},                    "closed"},
  {kRepairOnly,   {"requested", "negotiating", "rejected", "awaiting_return"},
                                                                "cancel",         kBuyerSide,     none,                                        "cancelled"},
  {kRepairOnly,   {kAnyNonTerminal},                            "comment",        kAnyoneWhoSees, {{"text", "a word"}},                        kSame},
  {kRepairOnly,   {kAnyNonTerminal},                            "assign",         kSupervisorPlus, {{"assignee", "$agent"}},                   kSame},
  // -- §12 repair: the return leg into repairing ------------------------------------------------------------------------------------------------------------------------------------------------------------------
  {kRepairOnly,   {"awaiting_return"},                          "ship_return",    kBuyerSide,     {{"carrier", "SF"}, {"tracking_no", "SF-R1"}}, "return_in_transit"},
  {kRepairOnly,   {"return_in_transit"},                        "carrier_update", kCarrierFeed,   {{"shipment", "return"}, {"status", "delivered"}, {"at", "$now"}},
                                                                                                                                               kSame},
  {kRepairOnly,   {"awaiting_return", "return_in_transit"},     "receive",        kReceivers,     {{"result", "pass"}},                        "repairing"},
  {kRepairOnly,   {"awaiting_return", "return_in_transit"},     "receive",        kReceivers,     {{"result", "fail"}, {"note", "scratched"}}, "inspection_failed"},
  {kRepairOnly,   {"inspection_failed"},                        "approve",        kAgentPlus,     none,                                        "repairing"},
  // -- §12 repair: its own rows ------------------------------------------------------------------------------------------------------------------------------------------------------------------------------
  {kRepairOnly,   {"repairing"},                                "repair_update",  kReceivers,     {{"status", "diagnosed"}, {"note", "board checked"}}, kSame},
  {kRepairOnly,   {"repairing"},                                "repair_update",  kReceivers,     {{"status", "repaired"}, {"note", "fixed"}}, "repair_ready"},
  {kRepairOnly,   {"repairing"},                                "repair_update",  kReceivers,     {{"status", "unrepairable"}, {"note", "no parts"}}, "repair_failed"},
  {kRepairOnly,   {"repair_ready"},                             "ship_repaired",  kReceivers,     {{"carrier", "SF"}, {"tracking_no", "SF-B1"}}, "repaired_shipped"},
  {kRepairOnly,   {"repaired_shipped"},                         "carrier_update", kCarrierFeed,   {{"shipment", "repaired"}, {"status", "delivered"}, {"at", "$now"}},
                                                                                                                                               kSame},
  {kRepairOnly,   {"repaired_shipped"},                         "confirm_delivery", kBuyerSide,   none,                                        "repaired"},
  {kRepairOnly,   {"repair_failed"},                            "approve",        kAgentPlus,     none,                                        "replacement_pending", any,                  Limit::kWithinOnly},
  {kRepairOnly,   {"repairing", "repair_failed"},               "demand_remedy",  kBuyerSide,     {{"remedy", "refund"}},                      "refunding",         Gate::kRemedyOpen},
  {kRepairOnly,   {"repairing", "repair_failed"},               "demand_remedy",  kBuyerSide,     {{"remedy", "replacement"}},                 "replacement_pending", Gate::kRemedyOpen},
  // -- §11.3 compensation (after approval: compensating) ---------------------------------------------------------------------------------------------------------------------------------------------------
  {kCompensationOnly, {"compensating"},                         "issue_compensation", kFinance,   {{"external_ref", "PAY-1"}},                 "compensated",       Gate::kCashForm},
  {kCompensationOnly, {"compensating"},                         "issue_compensation", kRefunders, {{"voucher_code", "SORRY-1"}},               "compensated",       Gate::kVoucherForm},
  {kCompensationOnly, {"compensating"},                         "compensation_failed", kFinance,  {{"error", "card refused"}},                 kSame,               Gate::kCashForm},
  {kCompensationOnly, {"compensating"},                         "compensation_failed", kRefunders, {{"error", "voucher service down"}},        kSame,               Gate::kVoucherForm},
  {kCompensationOnly, {"compensating"},                         "waive",          kManager,       {{"reason", "order cancelled"}},             "closed",            Gate::kSystemSubmitted},
  };
  // clang-format on
  return kRows;
}

// ---- Situations: a documented path to every state of every type ---------------
// One step of a path: `user` ("buyer" is the case's own buyer) takes `action`.
struct Step {
  std::string user;
  std::string action;
  nlohmann::json body;
};

// A case of `type` in `state`, reached from the buyer's submit by `path`.
struct Situation {
  std::string type;
  std::string state;
  std::string name;  // the state plus what is special here
  // The paid total of the case's one unit: its requested amount (an
  // exchange requests 0, and its limits are checked against this value).
  std::int64_t amount = 1000;
  std::vector<Step> path;
  // Facts that pick between rows or targets.
  bool goods_received = false;
  int modifications = 0;
  bool money_agreed = false;           // awaiting or receiving a return: the agreed outcome is money
  bool offer_return_required = false;  // negotiating: the open offer's return_required
  bool cash = false;                   // compensation: the form asked for is cash (else a voucher)
};

namespace steps {
inline const Step kApprove{"agent", "approve", nlohmann::json::object()};
inline const Step kSupervisorApproves{"supervisor", "approve", nlohmann::json::object()};
inline const Step kReject{"agent", "reject", {{"reason_code", "other"}}};
inline const Step kModify{"buyer", "modify", {{"description", "more detail"}}};
inline const Step kAppeal{"buyer", "appeal", {{"note", "please look again"}}};
inline const Step kUphold{"manager", "arbitrate", {{"decision", "uphold"}}};
inline const Step kOffer{"agent", "offer", {{"amount", 500}, {"return_required", false}}};
inline const Step kCompensationOffer{"agent", "offer", {{"amount", 500}}};  // §11.3: an offer takes no return_required
inline const Step kAccept{"buyer", "accept_offer", nlohmann::json::object()};
inline const Step kCancel{"buyer", "cancel", nlohmann::json::object()};
inline const Step kShipReturn{"buyer", "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF-R0"}}};
inline const Step kReceivePass{"warehouse", "receive", {{"result", "pass"}}};
inline const Step kReceiveFail{"warehouse", "receive", {{"result", "fail"}, {"note", "scratched"}}};
inline const Step kRefundIssued{"finance", "refund_issued", {{"external_ref", "PAY-0"}}};
inline const Step kShipReplacement{"warehouse", "ship_replacement", {{"carrier", "SF"}, {"tracking_no", "SF-X0"}}};
inline const Step kConfirm{"buyer", "confirm_delivery", nlohmann::json::object()};
inline const Step kRepaired{"warehouse", "repair_update", {{"status", "repaired"}, {"note", "fixed"}}};
inline const Step kUnrepairable{"warehouse", "repair_update", {{"status", "unrepairable"}, {"note", "no parts"}}};
inline const Step kShipRepaired{"warehouse", "ship_repaired", {{"carrier", "SF"}, {"tracking_no", "SF-B0"}}};
inline const Step kIssueVoucher{"integration", "issue_compensation", {{"voucher_code", "SORRY-0"}}};
}  // namespace steps

// Facts of a situation, as the table's last column writes them.
enum Fact : unsigned {
  kNoFact = 0,
  kReceived = 1,        // the goods came back
  kMoneyAgreed = 2,     // the agreed outcome is money (not a replacement)
  kNoModifyLeft = 4,    // three modifications made
  kCash = 8,            // a compensation asked for in cash (else a voucher)
};

// A documented path to every state of every type (some states twice, where
// a fact changes the answers: limits, modifications left, goods received).
// A type of SPEC §11-§12 adds its own rows here.
struct SituationRow {
  Names types;
  std::string state;
  std::string special;  // what the name adds to the state
  std::int64_t amount;
  std::vector<Step> path;
  unsigned facts;
};

inline const std::vector<SituationRow>& SituationRows() {
  using namespace steps;  // NOLINT(google-build-using-namespace): the paths read as SPEC's steps
  // clang-format off
  static const std::vector<SituationRow> kSituations = {
  // types            state                  special                                 amount  path (after the buyer's submit)                                facts
  {kCommonTypes,    "requested",           "",                                       1000, {},                                                             kNoFact},
  {kCommonTypes,    "requested",           "above every limit",                    250000, {},                                                             kNoFact},
  {kCommonTypes,    "pending_approval",    "(the agent was over its limit)",        30000, {kApprove},                                                     kNoFact},
  {kCommonTypes,    "pending_approval",    "above the supervisor's limit too",     250000, {kApprove},                                                     kNoFact},
  {kGoodsTypes,     "negotiating",         "goods not received",                     1000, {kOffer},                                                       kNoFact},
  {kCompensationOnly, "negotiating",       "",                                       1000, {kCompensationOffer},                                           kNoFact},
  {kCommonTypes,    "rejected",            "",                                       1000, {kReject},                                                      kNoFact},
  {kCommonTypes,    "rejected",            "after three modifications",              1000, {kReject, kModify, kReject, kModify, kReject, kModify, kReject}, kNoModifyLeft},
  {kCommonTypes,    "escalated",           "",                                       1000, {kReject, kAppeal},                                             kNoFact},
  {kCommonTypes,    "closed",              "(rejection upheld)",                     1000, {kReject, kAppeal, kUphold},                                    kNoFact},
  {kCommonTypes,    "cancelled",           "",                                       1000, {kCancel},                                                      kNoFact},
  // money: refund_only at approval; return_refund once the goods came back; an exchange after an accepted money offer without a return
  {{"refund_only"},   "refunding",         "",                                       1000, {kApprove},                                                     kNoFact},
  {{"refund_only"},   "refunded",          "",                                       1000, {kApprove, kRefundIssued},                                      kNoFact},
  {{"return_refund"}, "refunding",         "",                                       1000, {kApprove, kShipReturn, kReceivePass},                          kReceived},
  {{"return_refund"}, "refunded",          "",                                       1000, {kApprove, kShipReturn, kReceivePass, kRefundIssued},           kReceived},
  {{"exchange"},      "refunding",         "(a money offer accepted)",               1000, {kOffer, kAccept},                                              kNoFact},
  {{"exchange"},      "refunded",          "(a money offer accepted)",               1000, {kOffer, kAccept, kRefundIssued},                               kNoFact},
  // the return leg: return_refund agrees money, an exchange a replacement
  {{"return_refund"}, "awaiting_return",   "",                                       1000, {kApprove},                                                     kMoneyAgreed},
  {{"return_refund"}, "return_in_transit", "",                                       1000, {kApprove, kShipReturn},                                        kMoneyAgreed},
  {{"return_refund"}, "inspection_failed", "",                                       1000, {kApprove, kShipReturn, kReceiveFail},                          kReceived | kMoneyAgreed},
  {{"return_refund"}, "inspection_failed", "above the agent's limit",               30000, {kSupervisorApproves, kShipReturn, kReceiveFail},               kReceived | kMoneyAgreed},
  {{"exchange"},      "awaiting_return",   "",                                       1000, {kApprove},                                                     kNoFact},
  {{"exchange"},      "return_in_transit", "",                                       1000, {kApprove, kShipReturn},                                        kNoFact},
  {{"exchange"},      "inspection_failed", "",                                       1000, {kApprove, kShipReturn, kReceiveFail},                          kReceived},
  {{"exchange"},      "inspection_failed", "above the agent's limit",               30000, {kSupervisorApproves, kShipReturn, kReceiveFail},               kReceived},
  {kReturnTypes,    "negotiating",         "goods received",                         1000, {kApprove, kShipReturn, kReceiveFail, kOffer},                  kReceived},
  // the replacement leg
  {{"exchange"},      "replacement_pending", "",                                     1000, {kApprove, kShipReturn, kReceivePass},                          kReceived},
  {{"exchange"},      "replacement_shipped", "",                                     1000, {kApprove, kShipReturn, kReceivePass, kShipReplacement},        kReceived},
  {{"exchange"},      "exchanged",         "",                                       1000, {kApprove, kShipReturn, kReceivePass, kShipReplacement, kConfirm}, kReceived},
  // §12 repair: every situation is a first attempt, so demand_remedy is never open here (the scenarios open it)
  {kRepairOnly,     "requested",           "",                                       1000, {},                                                             kNoFact},
  {kRepairOnly,     "requested",           "above every limit (approve has none)", 250000, {},                                                             kNoFact},
  {kRepairOnly,     "rejected",            "",                                       1000, {kReject},                                                      kNoFact},
  {kRepairOnly,     "rejected",            "after three modifications",              1000, {kReject, kModify, kReject, kModify, kReject, kModify, kReject}, kNoModifyLeft},
  {kRepairOnly,     "escalated",           "goods not received",                     1000, {kReject, kAppeal},                                             kNoFact},
  {kRepairOnly,     "closed",              "(rejection upheld)",                     1000, {kReject, kAppeal, kUphold},                                    kNoFact},
  {kRepairOnly,     "cancelled",           "",                                       1000, {kCancel},                                                      kNoFact},
  {kRepairOnly,     "awaiting_return",     "",                                       1000, {kApprove},                                                     kNoFact},
  {kRepairOnly,     "return_in_transit",   "",                                       1000, {kApprove, kShipReturn},                                        kNoFact},
  {kRepairOnly,     "inspection_failed",   "above the agent's limit (approve has none)", 30000, {kApprove, kShipReturn, kReceiveFail},                     kReceived},
  {kRepairOnly,     "repairing",           "",                                       1000, {kApprove, kShipReturn, kReceivePass},                          kReceived},
  {kRepairOnly,     "repair_ready",        "",                                       1000, {kApprove, kReceivePass, kRepaired},                            kReceived},
  {kRepairOnly,     "repaired_shipped",    "",                                       1000, {kApprove, kReceivePass, kRepaired, kShipRepaired},             kReceived},
  {kRepairOnly,     "repaired",            "",                                       1000, {kApprove, kReceivePass, kRepaired, kShipRepaired, kConfirm},   kReceived},
  {kRepairOnly,     "repair_failed",       "",                                       1000, {kApprove, kReceivePass, kUnrepairable},                        kReceived},
  {kRepairOnly,     "repair_failed",       "above the agent's limit",               30000, {kApprove, kReceivePass, kUnrepairable},                        kReceived},
  {kRepairOnly,     "negotiating",         "after a failed repair",                  1000, {kApprove, kReceivePass, kUnrepairable, kOffer},                kReceived},
  {kRepairOnly,     "escalated",           "after a failed repair",                  1000, {kApprove, kReceivePass, kUnrepairable, kAppeal},               kReceived},
  {kRepairOnly,     "refunding",           "(an offer accepted)",                    1000, {kApprove, kReceivePass, kUnrepairable, kOffer, kAccept},       kReceived},
  {kRepairOnly,     "refunded",            "(an offer accepted)",                    1000, {kApprove, kReceivePass, kUnrepairable, kOffer, kAccept, kRefundIssued}, kReceived},
  {kRepairOnly,     "replacement_pending", "(the shop approved one)",                1000, {kApprove, kReceivePass, kUnrepairable, kApprove},              kReceived},
  {kRepairOnly,     "replacement_shipped", "",                                       1000, {kApprove, kReceivePass, kUnrepairable, kApprove, kShipReplacement}, kReceived},
  {kRepairOnly,     "exchanged",           "",                                       1000, {kApprove, kReceivePass, kUnrepairable, kApprove, kShipReplacement, kConfirm}, kReceived},
  // compensation (§11.3): who issues depends on the form
  {kCompensationOnly, "compensating",      "(a voucher)",                            1000, {kApprove},                                                     kNoFact},
  {kCompensationOnly, "compensating",      "(cash)",                                 1000, {kApprove},                                                     kCash},
  {kCompensationOnly, "compensated",       "",                                       1000, {kApprove, kIssueVoucher},                                      kNoFact},
  };
  // clang-format on
  return kSituations;
}

// The situations of `type`, in the table's order.
inline std::vector<Situation> SituationsOf(const std::string& type) {
  std::vector<Situation> out;
  for (const auto& row : SituationRows()) {
    if (std::find(row.types.begin(), row.types.end(), type) == row.types.end()) continue;
    Situation s;
    s.type = type;
    s.state = row.state;
    s.name = row.special.empty() ? row.state : row.state + ", " + row.special;
    s.amount = row.amount;
    s.path = row.path;
    s.goods_received = (row.facts & kReceived) != 0;
    s.money_agreed = (row.facts & kMoneyAgreed) != 0;
    s.modifications = (row.facts & kNoModifyLeft) != 0 ? kMaxModifications : 0;
    s.offer_return_required = false;  // every path's offer says return_required: false (steps::kOffer)
    s.cash = (row.facts & kCash) != 0;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace aftersales::testing::spec
