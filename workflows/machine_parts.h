// The vocabulary the transition tables are written in: MSM states, events,
// guards and actions. The tables themselves (refund_only.h, return_refund.h,
// exchange.h) read like SPEC §4's tables:
//
//   Row < From, Event, To, Action, By<who, limit rule, condition> >
//
// Guards and actions are named functors that do no I/O: guards read the
// TransitionContext, actions write the case value in it and note their
// effects for the audit entry. Time arrives in the context, never read here.
#pragma once

#include "workflows/msm_config.h"
#include "workflows/transition_context.h"

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

// SPEC §4's "after approval" (and the same choice after goods pass
// inspection): a junction the machine leaves at once through the one
// anonymous row whose guard holds. Never persisted.
struct Settling : msmf::state<> {
  static constexpr bool kChoice = true;
};

// ---- Events ---------------------------------------------------------------
template <Action A>
struct On {
  static constexpr Action kAction = A;
};
using Approve = On<Action::kApprove>;
using Reject = On<Action::kReject>;
using MakeOffer = On<Action::kOffer>;
using AcceptOffer = On<Action::kAcceptOffer>;
using DeclineOffer = On<Action::kDeclineOffer>;
using Modify = On<Action::kModify>;
using Appeal = On<Action::kAppeal>;
using Arbitrate = On<Action::kArbitrate>;
using Cancel = On<Action::kCancel>;
using Comment = On<Action::kComment>;
using Assign = On<Action::kAssign>;
using ShipReturn = On<Action::kShipReturn>;
using CarrierUpdate = On<Action::kCarrierUpdate>;
using Receive = On<Action::kReceive>;
using RefundIssued = On<Action::kRefundIssued>;
using RefundFailed = On<Action::kRefundFailed>;
using ShipReplacement = On<Action::kShipReplacement>;
using ConfirmDelivery = On<Action::kConfirmDelivery>;

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

// ---- Conditions (what a guard checks besides the role) --------------------
// `kGates` conditions decide whether the action is available at all (they
// shape allowed_actions and invalid_transition); the others choose between
// rows of the same action.
struct Always {
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext&) { return true; }
  static bool Gate(const Case&) { return true; }
};
struct NotTerminal {  // "any non-terminal"
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) { return !IsTerminal(c.state); }
  static bool Holds(const TransitionContext& t) { return Gate(t.kase); }
};
struct ModificationsLeft {  // the 4th modify is refused
  static constexpr int kMaxModifications = 3;
  static constexpr bool kGates = true;
  static bool Gate(const Case& c) { return c.modifications < kMaxModifications; }
  static bool Holds(const TransitionContext& t) { return Gate(t.kase); }
};
template <bool kReceived>
struct GoodsReceivedIs {
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) { return t.kase.GoodsReceived() == kReceived; }
  static bool Gate(const Case&) { return true; }
};
using GoodsReceived = GoodsReceivedIs<true>;
using GoodsNotReceived = GoodsReceivedIs<false>;
template <bool kPass>
struct InspectionIs {
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) { return t.cmd.result.value_or("") == (kPass ? "pass" : "fail"); }
  static bool Gate(const Case&) { return true; }
};
using InspectionPassed = InspectionIs<true>;
using InspectionFailedResult = InspectionIs<false>;
template <bool kGrant>
struct DecisionIs {
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) { return t.cmd.decision.value_or("") == (kGrant ? "grant" : "uphold"); }
  static bool Gate(const Case&) { return true; }
};
using Granted = DecisionIs<true>;
using Upheld = DecisionIs<false>;
// The outcomes of "after approval" (SPEC §4).
struct MoneyDue {  // goods received, or no return required
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) {
    const Case& c = t.kase;
    return c.MoneyOutcome() && (c.GoodsReceived() || !c.return_required);
  }
  static bool Gate(const Case&) { return true; }
};
struct ReturnDue {  // goods must come back first
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) {
    const Case& c = t.kase;
    return !c.GoodsReceived() && (c.return_required || !c.MoneyOutcome());
  }
  static bool Gate(const Case&) { return true; }
};
struct ReplacementDue {  // a replacement, goods received
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) { return !t.kase.MoneyOutcome() && t.kase.GoodsReceived(); }
  static bool Gate(const Case&) { return true; }
};
struct MoneyOutcome {
  static constexpr bool kGates = false;
  static bool Holds(const TransitionContext& t) { return t.kase.MoneyOutcome(); }
  static bool Gate(const Case&) { return true; }
};

// ---- Guards ---------------------------------------------------------------
// The approval-limit rule of a row: any amount, within the caller's limit,
// or above it (SPEC §2; the system has no limit).
enum class Limit { kAny, kWithin, kOver };

// "by" column + limit rule + condition.
template <RoleSet kRoles, Limit kLimit = Limit::kAny, class Cond = Always>
struct By {
  static constexpr RoleSet kWho = kRoles;
  static constexpr Limit kLimitRule = kLimit;
  using Condition = Cond;
  static bool LimitHolds(const TransitionContext& t) {
    switch (kLimit) {
      case Limit::kAny: return true;
      case Limit::kWithin: return t.within_limit;
      case Limit::kOver: return !t.within_limit;
    }
    return false;
  }
  template <class Evt, class Fsm, class Src, class Tgt>
  bool operator()(const Evt&, Fsm& fsm, Src&, Tgt&) const {
    const TransitionContext& t = *fsm.ctx;
    return (kRoles & Bit(t.actor.role)) != 0 && LimitHolds(t) && Cond::Holds(t);
  }
};

// The guard of an anonymous row out of Settling: the condition alone.
template <class Cond>
struct When {
  static constexpr RoleSet kWho = 0;
  static constexpr Limit kLimitRule = Limit::kAny;
  using Condition = Cond;
  template <class Evt, class Fsm, class Src, class Tgt>
  bool operator()(const Evt&, Fsm& fsm, Src&, Tgt&) const {
    return Cond::Holds(*fsm.ctx);
  }
};

// The `by` column of SPEC §4, named.
using ByBuyer = By<roles::kBuyerSide>;                                       // buyer, integration
using ByAgent = By<roles::kAgentPlus>;                                       // agent+
using ByAgentWithinLimit = By<roles::kAgentPlus, Limit::kWithin>;            // agent+, amount <= own limit
using ByAgentOverLimit = By<roles::kAgentOrSupervisor, Limit::kOver>;        // agent, supervisor, amount > limit
using BySupervisorWithinLimit = By<roles::kSupervisorPlus, Limit::kWithin>;  // supervisor+, amount <= limit
using ByManagerGranting = By<roles::kManager, Limit::kAny, Granted>;
using ByManagerUpholding = By<roles::kManager, Limit::kAny, Upheld>;
using ByBuyerWithModificationsLeft = By<roles::kBuyerSide, Limit::kAny, ModificationsLeft>;
using ByBuyerBeforeReceipt = By<roles::kBuyerSide, Limit::kAny, GoodsNotReceived>;
using ByBuyerAfterReceipt = By<roles::kBuyerSide, Limit::kAny, GoodsReceived>;
using ByWarehousePassing = By<roles::kReceivers, Limit::kAny, InspectionPassed>;  // warehouse, manager
using ByWarehouseFailing = By<roles::kReceivers, Limit::kAny, InspectionFailedResult>;
using ByWarehouse = By<roles::kReceivers>;
using ByCarrierFeed = By<roles::kCarrierFeed>;  // integration, warehouse
using ByRefunder = By<roles::kRefunders>;       // finance, integration
using BySystem = By<roles::kSystem>;
using BySystemForMoney = By<roles::kSystem, Limit::kAny, MoneyOutcome>;

// ---- Actions --------------------------------------------------------------
// Each is `void Do(TransitionContext&)`, wrapped for MSM by `Act<>`.
struct FixAgreedAmount {};       // approve: agreed = requested (an exchange: 0)
struct AcceptOfferTerms {};      // accept_offer: agreed = the offer
struct GrantArbitration {};      // arbitrate grant: agreed = amount or requested
struct RecordRejection {};       // reject: the reason code
struct RecordOffer {};           // offer: the open offer
struct WithdrawOffer {};         // decline_offer, appeal: the open offer is gone
struct ApplyModification {};     // modify: requested amount, description, evidence
struct CloseOfferExpired {};     // buyer_response expired
struct CloseRejectionFinal {};   // appeal_window expired
struct CloseReturnNotShipped {}; // buyer_ship expired
struct CloseRejectionUpheld {};  // arbitrate uphold
struct CreatePendingRefund {};   // entering refunding
struct MarkReturnDue {};         // entering awaiting_return: show the return address
struct RecordReturnShipment {};  // ship_return
struct RecordDelivery {};        // carrier_update delivered
struct RecordInspection {};      // receive
struct AutoReceive {};           // merchant_receipt expired: received, passed
struct IssueRefund {};           // refund_issued
struct FailRefund {};            // refund_failed: failed, and a new pending refund
struct RecordReplacementShipment {};  // ship_replacement
struct ConfirmReplacementDelivery {}; // confirm_delivery, replacement_confirm expired
struct RecordComment {};         // comment: the text is the engine's to store
struct AssignCase {};            // assign

void Do(FixAgreedAmount, TransitionContext& t);
void Do(AcceptOfferTerms, TransitionContext& t);
void Do(GrantArbitration, TransitionContext& t);
void Do(RecordRejection, TransitionContext& t);
void Do(RecordOffer, TransitionContext& t);
void Do(WithdrawOffer, TransitionContext& t);
void Do(ApplyModification, TransitionContext& t);
void Do(CloseOfferExpired, TransitionContext& t);
void Do(CloseRejectionFinal, TransitionContext& t);
void Do(CloseReturnNotShipped, TransitionContext& t);
void Do(CloseRejectionUpheld, TransitionContext& t);
void Do(CreatePendingRefund, TransitionContext& t);
void Do(MarkReturnDue, TransitionContext& t);
void Do(RecordReturnShipment, TransitionContext& t);
void Do(RecordDelivery, TransitionContext& t);
void Do(RecordInspection, TransitionContext& t);
void Do(AutoReceive, TransitionContext& t);
void Do(IssueRefund, TransitionContext& t);
void Do(FailRefund, TransitionContext& t);
void Do(RecordReplacementShipment, TransitionContext& t);
void Do(ConfirmReplacementDelivery, TransitionContext& t);
void Do(RecordComment, TransitionContext& t);
void Do(AssignCase, TransitionContext& t);

// MSM functor for one or more actions, run left to right.
template <class... Steps>
struct Act {
  template <class Evt, class Fsm, class Src, class Tgt>
  void operator()(const Evt&, Fsm& fsm, Src&, Tgt&) const {
    (Do(Steps{}, *fsm.ctx), ...);
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
            msmf::Internal< Comment,  Act<RecordComment>,   By<roles::kEveryone, Limit::kAny, NotTerminal> >,
            msmf::Internal< Assign,   Act<AssignCase>,      By<roles::kSupervisorPlus, Limit::kAny, NotTerminal> >
            > {};

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {
    rejected = true;
  }

  TransitionContext* ctx = nullptr;
  bool rejected = false;
};

}  // namespace aftersales::workflow
