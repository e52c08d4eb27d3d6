// The vocabulary the transition tables are written in: MSM states, events,
// guards and actions. The tables themselves (refund_only.h, return_refund.h,
// exchange.h) read like SPEC §4's tables:
//
//   Row < From, Event, To, Action, By<who, limit rule, condition> >
//
// Events are the typed actions of domain/case_action.h (act::Approve,
// act::MakeOffer{amount, …}, …) and Expired<kind> for a deadline's expiry.
// Guards are named functors that read the TransitionContext and the event;
// actions write the case value in the context and note their effects for the
// audit entry; neither does I/O, and time arrives in the context.
//
// What the engine needs to know about a row is said on the row and read from
// it (workflow.h's TransitionRow): who may fire it and under which approval
// limit rule (the Guard), whether its note is addressed to the buyer and
// which deadline it keeps, restarts or shortens (the Action's facts). What a
// case type decides for all its rows is said once on its machine
// (`kFacts`). The amount a row fixes is reported by its action when it runs
// (TransitionContext::amount_fixed), never restated by the engine.
#pragma once

#include <initializer_list>
#include <optional>
#include <type_traits>

#include "domain/case_action.h"
#include "workflows/msm_config.h"
#include "workflows/transition_context.h"
#include "workflows/workflow.h"

namespace aftersales::workflow {

namespace msmf = boost::msm::front;
using msmf::none;

// ---- States ---------------------------------------------------------------
template <State S>
struct At : msmf::state<> {
  static constexpr State kState = S;
  static constexpr bool kChoice = false;
};
using Requested = At<State::kRequested>;
using PendingApproval = At<State::kPendingApproval>;
using Negotiating = At<State::kNegotiating>;
using Rejected = At<State::kRejected>;
using Escalated = At<State::kEscalated>;
using AwaitingReturn = At<State::kAwaitingReturn>;
using ReturnInTransit = At<State::kReturnInTransit>;
using InspectionFailed = At<State::kInspectionFailed>;
using Refunding = At<State::kRefunding>;
using ReplacementPending = At<State::kReplacementPending>;
using ReplacementShipped = At<State::kReplacementShipped>;
using Refunded = At<State::kRefunded>;
using Exchanged = At<State::kExchanged>;
using Closed = At<State::kClosed>;
using Cancelled = At<State::kCancelled>;
using Compensating = At<State::kCompensating>;
using Compensated = At<State::kCompensated>;
using Repairing = At<State::kRepairing>;  // §12 repair
using RepairReady = At<State::kRepairReady>;
using RepairFailed = At<State::kRepairFailed>;
using RepairedShipped = At<State::kRepairedShipped>;
using Repaired = At<State::kRepaired>;

// SPEC §4's "after approval" (and the same choice after goods pass
// inspection): a junction the machine leaves at once through the one
// anonymous row whose guard holds. Never persisted.
struct Settling : msmf::state<> {
  static constexpr bool kChoice = true;
};

// ---- Events ---------------------------------------------------------------
using Approve = act::Approve;
using Reject = act::Reject;
using MakeOffer = act::MakeOffer;
using AcceptOffer = act::AcceptOffer;
using DeclineOffer = act::DeclineOffer;
using Modify = act::Modify;
using Appeal = act::Appeal;
using Arbitrate = act::Arbitrate;
using Cancel = act::Cancel;
using Comment = act::Comment;
using Assign = act::Assign;
using ShipReturn = act::ShipReturn;
using CarrierUpdate = act::CarrierUpdate;
using Receive = act::Receive;
using RefundIssued = act::RefundIssued;
using RefundFailed = act::RefundFailed;
using ShipReplacement = act::ShipReplacement;
using ConfirmDelivery = act::ConfirmDelivery;
using IssueCompensation = act::IssueCompensation;
using CompensationFailed = act::CompensationFailed;
using Waive = act::Waive;
using RepairUpdate = act::RepairUpdate;
using ShipRepaired = act::ShipRepaired;
using DemandRemedy = act::DemandRemedy;

// A deadline of SPEC §5 expiring: the engine's own `timeout` action.
template <DeadlineKind K>
struct Expired {
  static constexpr Action kAction = Action::kTimeout;
  static constexpr DeadlineKind kDeadline = K;
};
using MerchantResponseExpired = Expired<DeadlineKind::kMerchantResponse>;
using BuyerResponseExpired = Expired<DeadlineKind::kBuyerResponse>;
using AppealWindowExpired = Expired<DeadlineKind::kAppealWindow>;
using BuyerShipExpired = Expired<DeadlineKind::kBuyerShip>;
using MerchantReceiptExpired = Expired<DeadlineKind::kMerchantReceipt>;
using ReplacementConfirmExpired = Expired<DeadlineKind::kReplacementConfirm>;
using RepairedConfirmExpired = Expired<DeadlineKind::kRepairedConfirm>;

// ---- Conditions (what a guard checks besides the role) --------------------
// `kGates` conditions decide whether the action is available at all (they
// shape allowed_actions and invalid_transition) and read the case only;
// the others choose between rows of the same action and may read the event.
struct Always {
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case&, const E&) { return true; }
};
struct NotTerminal {  // "any non-terminal"
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) { return !IsTerminal(c.state); }
  template <class E>
  static bool Holds(const Case& c, const E&) { return Gate(c); }
};
struct ModificationsLeft {  // the 4th modify is refused
  static constexpr int kMaxModifications = 3;
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) { return c.modifications < kMaxModifications; }
  template <class E>
  static bool Holds(const Case& c, const E&) { return Gate(c); }
};
template <bool kReceived>
struct GoodsReceivedIs {
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E&) { return c.GoodsReceived() == kReceived; }
};
using GoodsReceived = GoodsReceivedIs<true>;
using GoodsNotReceived = GoodsReceivedIs<false>;
template <bool kPass>
struct InspectionIs {
  static constexpr bool kGates = false;
  static bool Holds(const Case&, const act::Receive& e) { return e.pass == kPass; }
};
using InspectionPassed = InspectionIs<true>;
using InspectionFailedResult = InspectionIs<false>;
template <act::Decision kDecision>
struct DecisionIs {
  static constexpr bool kGates = false;
  static bool Holds(const Case&, const act::Arbitrate& e) { return e.decision == kDecision; }
};
using Granted = DecisionIs<act::Decision::kGrant>;
using Upheld = DecisionIs<act::Decision::kUphold>;
// Both conditions hold (neither gates).
template <class A, class B>
struct Both {
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E& e) { return A::Holds(c, e) && B::Holds(c, e); }
};
// §12: a repair_update that keeps the case repairing (diagnosed,
// waiting_parts), or the status that ends the repair.
struct RepairGoesOn {
  static constexpr bool kGates = false;
  static bool Holds(const Case&, const act::RepairUpdate& e) {
    return e.status == act::RepairStatus::kDiagnosed || e.status == act::RepairStatus::kWaitingParts;
  }
};
template <act::RepairStatus kStatus>
struct RepairStatusIs {
  static constexpr bool kGates = false;
  static bool Holds(const Case&, const act::RepairUpdate& e) { return e.status == kStatus; }
};
template <act::Remedy kRemedy>
struct RemedyIs {
  static constexpr bool kGates = false;
  static bool Holds(const Case&, const act::DemandRemedy& e) { return e.remedy == kRemedy; }
};
// The outcomes of "after approval" (SPEC §4).
struct MoneyDue {  // goods received, or no return required
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E&) {
    return c.MoneyOutcome() && (c.GoodsReceived() || !c.return_required);
  }
};
struct ReturnDue {  // goods must come back first
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E&) {
    return !c.GoodsReceived() && (c.return_required || !c.MoneyOutcome());
  }
};
struct ReplacementDue {  // a replacement, goods received
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E&) { return !c.MoneyOutcome() && c.GoodsReceived(); }
};
// SPEC §11.3: who issues depends on the agreed form (cash: finance only).
template <bool kCash>
struct CompensationFormIsCash {
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) {
    return c.compensation && (c.compensation->form == CompensationForm::kCash) == kCash;
  }
  template <class E>
  static bool Holds(const Case& c, const E&) { return Gate(c); }
};
using CashCompensation = CompensationFormIsCash<true>;
using VoucherOrPointsCompensation = CompensationFormIsCash<false>;
struct SystemSubmitted {  // §10.4 waive: only the system's late compensation
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) { return c.system_submitted; }
  template <class E>
  static bool Holds(const Case& c, const E&) { return Gate(c); }
};
struct CompensationDue {  // a compensation's "after approval": always compensating
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case&, const E&) { return true; }
};
struct MoneyOutcome {
  static constexpr bool kGates = false;
  template <class E>
  static bool Holds(const Case& c, const E&) { return c.MoneyOutcome(); }
};

// ---- Guards ---------------------------------------------------------------
// "by" column + limit rule + condition.
template <RoleSet kRoles, LimitRule kLimit = LimitRule::kAny, class Cond = Always>
struct By {
  static constexpr RoleSet kWho = kRoles;
  static constexpr LimitRule kLimitRule = kLimit;
  using Condition = Cond;
  static bool LimitHolds(const TransitionContext& t) {
    switch (kLimit) {
      case LimitRule::kAny: return true;
      case LimitRule::kWithin: return t.within_limit;
      case LimitRule::kOver: return !t.within_limit;
    }
    return false;
  }
  template <class Evt, class Fsm, class Src, class Tgt>
  bool operator()(const Evt& evt, Fsm& fsm, Src&, Tgt&) const {
    const TransitionContext& t = *fsm.ctx;
    return (kRoles & Bit(t.actor.role)) != 0 && LimitHolds(t) && Cond::Holds(t.kase, evt);
  }
};

// The guard of an anonymous row out of Settling: the condition alone.
template <class Cond>
struct When {
  static constexpr RoleSet kWho = 0;
  static constexpr LimitRule kLimitRule = LimitRule::kAny;
  using Condition = Cond;
  template <class Evt, class Fsm, class Src, class Tgt>
  bool operator()(const Evt& evt, Fsm& fsm, Src&, Tgt&) const {
    return Cond::Holds(fsm.ctx->kase, evt);
  }
};

// The `by` column of SPEC §4, named.
using ByBuyer = By<roles::kBuyerSide>;                                           // buyer, integration
using ByAgent = By<roles::kAgentPlus>;                                           // agent+
using ByAgentWithinLimit = By<roles::kAgentPlus, LimitRule::kWithin>;            // agent+, amount <= own limit
using ByAgentOverLimit = By<roles::kAgentOrSupervisor, LimitRule::kOver>;        // agent, supervisor, amount > limit
using BySupervisorWithinLimit = By<roles::kSupervisorPlus, LimitRule::kWithin>;  // supervisor+, amount <= limit
using ByManagerGranting = By<roles::kManager, LimitRule::kAny, Granted>;
using ByManagerUpholding = By<roles::kManager, LimitRule::kAny, Upheld>;
using ByBuyerWithModificationsLeft = By<roles::kBuyerSide, LimitRule::kAny, ModificationsLeft>;
using ByBuyerBeforeReceipt = By<roles::kBuyerSide, LimitRule::kAny, GoodsNotReceived>;
using ByBuyerAfterReceipt = By<roles::kBuyerSide, LimitRule::kAny, GoodsReceived>;
using ByWarehousePassing = By<roles::kReceivers, LimitRule::kAny, InspectionPassed>;  // warehouse, manager
using ByWarehouseFailing = By<roles::kReceivers, LimitRule::kAny, InspectionFailedResult>;
using ByWarehouse = By<roles::kReceivers>;
using ByCarrierFeed = By<roles::kCarrierFeed>;  // integration, warehouse
using ByRefunder = By<roles::kRefunders>;       // finance, integration
using BySystem = By<roles::kSystem>;
using BySystemForMoney = By<roles::kSystem, LimitRule::kAny, MoneyOutcome>;
using ByCashIssuer = By<roles::kFinance, LimitRule::kAny, CashCompensation>;                // finance (cash)
using ByVoucherIssuer = By<roles::kRefunders, LimitRule::kAny, VoucherOrPointsCompensation>;  // finance, integration
using ByManagerWaiving = By<roles::kManager, LimitRule::kAny, SystemSubmitted>;
// §12 repair.
using ByManagerGrantingBeforeReceipt = By<roles::kManager, LimitRule::kAny, Both<Granted, GoodsNotReceived>>;
using ByManagerGrantingAfterReceipt = By<roles::kManager, LimitRule::kAny, Both<Granted, GoodsReceived>>;
using ByWarehouseRepairGoesOn = By<roles::kReceivers, LimitRule::kAny, RepairGoesOn>;
using ByWarehouseRepaired = By<roles::kReceivers, LimitRule::kAny, RepairStatusIs<act::RepairStatus::kRepaired>>;
using ByWarehouseUnrepairable = By<roles::kReceivers, LimitRule::kAny, RepairStatusIs<act::RepairStatus::kUnrepairable>>;
using ByBuyerDemandingRefund = By<roles::kBuyerSide, LimitRule::kAny, RemedyIs<act::Remedy::kRefund>>;
using ByBuyerDemandingReplacement = By<roles::kBuyerSide, LimitRule::kAny, RemedyIs<act::Remedy::kReplacement>>;

// ---- Actions --------------------------------------------------------------
// Each is a tag with a `Do(Tag, TransitionContext&[, const Event&])`
// overload, wrapped for MSM by `Act<>`. A tag may state facts the engine
// reads from the row (see RowFacts): kNoteToBuyer (the row's note is
// addressed to the buyer), kKeeps / kRestarts (a deadline kept through the
// state change / started again in the same state), kShortensReceipt.
struct RowFacts {
  static constexpr bool kNoteToBuyer = false;
  static constexpr bool kShortensReceipt = false;
  static constexpr std::optional<DeadlineKind> kKeeps = std::nullopt;
  static constexpr std::optional<DeadlineKind> kRestarts = std::nullopt;
};

struct FixAgreedAmount : RowFacts {};     // approve: agreed = requested (a replacement: 0)
struct AcceptOfferTerms : RowFacts {};    // accept_offer: agreed = the offer
struct GrantArbitration : RowFacts {};    // arbitrate grant: agreed = amount or requested
struct RecordRejection : RowFacts {};     // reject: the reason code
struct RecordOffer : RowFacts {           // offer: the open offer; its note is the buyer's to read
  static constexpr bool kNoteToBuyer = true;
};
struct WithdrawOffer : RowFacts {};       // decline_offer, appeal: the open offer is gone
struct ApplyModification : RowFacts {};   // modify: requested amount, description, evidence
struct CloseOfferExpired : RowFacts {};   // buyer_response expired
struct CloseRejectionFinal : RowFacts {}; // appeal_window expired
struct CloseReturnNotShipped : RowFacts {};  // buyer_ship expired
struct CloseRejectionUpheld : RowFacts {};   // arbitrate uphold
struct CreatePendingRefund : RowFacts {};    // entering refunding
struct MarkReturnDue : RowFacts {};          // entering awaiting_return: show the return address
struct RecordReturnShipment : RowFacts {};   // ship_return
struct RecordDelivery : RowFacts {};         // carrier_update delivered
struct RecordReturnDelivery : RowFacts {     // carrier_update of the return: merchant_receipt shortens
  static constexpr bool kShortensReceipt = true;
};
struct RecordInspection : RowFacts {  // receive; its note tells the buyer why an inspection failed
  static constexpr bool kNoteToBuyer = true;
};
struct AutoReceive : RowFacts {};     // merchant_receipt expired: received, passed
struct IssueRefund : RowFacts {};     // refund_issued
struct FailRefund : RowFacts {        // refund_failed: failed, a new pending refund, refund_issue again
  static constexpr std::optional<DeadlineKind> kRestarts = DeadlineKind::kRefundIssue;
};
struct RecordReplacementShipment : RowFacts {};   // ship_replacement
struct ConfirmReplacementDelivery : RowFacts {};  // confirm_delivery, replacement_confirm expired
struct RecordComment : RowFacts {};               // comment: the text is the engine's to store
// §12 repair.
struct GrantRefundAfterReceipt : RowFacts {};  // arbitrate grant of a received repair: money, default refundable
struct EnterRepairing : RowFacts {};           // attempt fixed, the time in repairing starts
struct LeaveRepairing : RowFacts {};           // the time in repairing ends
struct RecordRepairProgress : RowFacts {       // repair_update: appended to progress; its note is the buyer's
  static constexpr bool kNoteToBuyer = true;
};
struct RecordRepairedShipment : RowFacts {};   // ship_repaired
struct ConfirmRepairedDelivery : RowFacts {};  // confirm_delivery, repaired_confirm expired
struct RemedyRefund : RowFacts {};             // demand_remedy refund: agreed = the case's refundable amount
struct RemedyReplacement : RowFacts {};        // demand_remedy replacement: agreed 0
struct AssignCase : RowFacts {};                  // assign
struct StartCompensation : RowFacts {};     // entering compensating: the record's form and amount
struct IssueCompensationRecord : RowFacts {};  // issue_compensation: compensated
struct FailCompensation : RowFacts {           // compensation_failed: compensation_issue again
  static constexpr std::optional<DeadlineKind> kRestarts = DeadlineKind::kCompensationIssue;
};
struct WaiveCompensation : RowFacts {};  // waive: closed (waived)
// To a supervisor: the shop's clock does not restart because an agent
// needed one (SPEC §5: merchant_response runs on into pending_approval).
struct ReferToSupervisor : RowFacts {
  static constexpr std::optional<DeadlineKind> kKeeps = DeadlineKind::kMerchantResponse;
};

void Do(FixAgreedAmount, TransitionContext& t);
void Do(AcceptOfferTerms, TransitionContext& t);
void Do(GrantArbitration, TransitionContext& t, const act::Arbitrate& e);
void Do(RecordRejection, TransitionContext& t, const act::Reject& e);
void Do(RecordOffer, TransitionContext& t, const act::MakeOffer& e);
void Do(WithdrawOffer, TransitionContext& t);
void Do(ApplyModification, TransitionContext& t, const act::Modify& e);
void Do(CloseOfferExpired, TransitionContext& t);
void Do(CloseRejectionFinal, TransitionContext& t);
void Do(CloseReturnNotShipped, TransitionContext& t);
void Do(CloseRejectionUpheld, TransitionContext& t);
void Do(CreatePendingRefund, TransitionContext& t);
void Do(MarkReturnDue, TransitionContext& t);
void Do(RecordReturnShipment, TransitionContext& t, const act::ShipReturn& e);
void Do(RecordDelivery, TransitionContext& t, const act::CarrierUpdate& e);
void Do(RecordReturnDelivery, TransitionContext& t, const act::CarrierUpdate& e);
void Do(RecordInspection, TransitionContext& t, const act::Receive& e);
void Do(AutoReceive, TransitionContext& t);
void Do(IssueRefund, TransitionContext& t, const act::RefundIssued& e);
void Do(FailRefund, TransitionContext& t);
void Do(RecordReplacementShipment, TransitionContext& t, const act::ShipReplacement& e);
void Do(ConfirmReplacementDelivery, TransitionContext& t);
void Do(RecordComment, TransitionContext& t);
void Do(GrantRefundAfterReceipt, TransitionContext& t, const act::Arbitrate& e);
void Do(EnterRepairing, TransitionContext& t);
void Do(LeaveRepairing, TransitionContext& t);
void Do(RecordRepairProgress, TransitionContext& t, const act::RepairUpdate& e);
void Do(RecordRepairedShipment, TransitionContext& t, const act::ShipRepaired& e);
void Do(ConfirmRepairedDelivery, TransitionContext& t);
void Do(RemedyRefund, TransitionContext& t);
void Do(RemedyReplacement, TransitionContext& t);
void Do(AssignCase, TransitionContext& t, const act::Assign& e);
void Do(ReferToSupervisor, TransitionContext& t);
void Do(StartCompensation, TransitionContext& t);
void Do(IssueCompensationRecord, TransitionContext& t, const act::IssueCompensation& e);
void Do(FailCompensation, TransitionContext& t);
void Do(WaiveCompensation, TransitionContext& t);

// Calls Do with the event when that overload exists, else without it.
template <class Step, class Evt, class = void>
struct ReadsEvent : std::false_type {};
template <class Step, class Evt>
struct ReadsEvent<Step, Evt,
                  std::void_t<decltype(Do(Step{}, std::declval<TransitionContext&>(), std::declval<const Evt&>()))>>
    : std::true_type {};

constexpr std::optional<DeadlineKind> FirstSet(std::initializer_list<std::optional<DeadlineKind>> kinds) {
  for (const auto& k : kinds) {
    if (k) return k;
  }
  return std::nullopt;
}

// MSM functor for one or more actions, run left to right; its facts are
// those of its steps together.
template <class... Steps>
struct Act {
  static constexpr bool kNoteToBuyer = (Steps::kNoteToBuyer || ...);
  static constexpr bool kShortensReceipt = (Steps::kShortensReceipt || ...);
  static constexpr std::optional<DeadlineKind> kKeeps = FirstSet({Steps::kKeeps...});
  static constexpr std::optional<DeadlineKind> kRestarts = FirstSet({Steps::kRestarts...});

  template <class Evt, class Fsm, class Src, class Tgt>
  void operator()(const Evt& evt, Fsm& fsm, Src&, Tgt&) const {
    TransitionContext& t = *fsm.ctx;
    (Run<Steps>(t, evt), ...);
    if constexpr (kKeeps.has_value()) t.deadlines.keeps = kKeeps;
    if constexpr (kRestarts.has_value()) t.deadlines.restarts = kRestarts;
  }

 private:
  template <class Step, class Evt>
  static void Run(TransitionContext& t, const Evt& evt) {
    if constexpr (ReadsEvent<Step, Evt>::value) {
      Do(Step{}, t, evt);
    } else {
      Do(Step{}, t);
    }
  }
};

// ---- The machine front-end every case type shares -------------------------
// Rows valid in every non-terminal state of every type: SPEC §4's "any
// non-terminal" comment and assign.
template <class Derived>
struct CaseMachine : msmf::state_machine_def<Derived> {
  typedef int no_exception_thrown;  // actions never throw; do not let MSM swallow
  typedef Requested initial_state;

  struct internal_transition_table
      : boost::mpl::vector<
            //              Event     Action                Guard
            msmf::Internal< Comment,  Act<RecordComment>,   By<roles::kEveryone, LimitRule::kAny, NotTerminal> >,
            msmf::Internal< Assign,   Act<AssignCase>,      By<roles::kSupervisorPlus, LimitRule::kAny, NotTerminal> >
            > {};

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {
    rejected = true;
  }

  TransitionContext* ctx = nullptr;
  bool rejected = false;
};

}  // namespace aftersales::workflow
