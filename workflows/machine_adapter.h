// MachineAdapter<M>: turns one MSM transition table into a Workflow.
// Included only by the per-type .cc files, so that each machine is compiled
// in its own translation unit (MSM is heavy to compile).
#pragma once

#include <map>
#include <type_traits>

#include <boost/mpl/for_each.hpp>
#include <boost/serialization/base_object.hpp>

#include "workflows/machine_parts.h"
#include "workflows/workflow.h"

namespace aftersales::workflow {

template <class T>
struct TypeTag {};

template <class Guard>
TransitionRow RowFromGuard() {
  TransitionRow row;
  row.who = Guard::kWho;
  row.limit = Guard::kLimitRule == Limit::kWithin ? LimitRule::kWithin
              : Guard::kLimitRule == Limit::kOver ? LimitRule::kOver
                                                   : LimitRule::kAny;
  if constexpr (Guard::Condition::kGates) row.gate = &Guard::Condition::Gate;
  return row;
}

template <class Evt>
void SetEvent(TransitionRow& row) {
  row.action = Evt::kAction;
  if constexpr (Evt::kAction == Action::kTimeout) row.deadline = Evt::kDeadline;
}

template <class Cond>
const char* SettleConditionName() {
  if constexpr (std::is_same_v<Cond, MoneyDue>) return "money_due";
  if constexpr (std::is_same_v<Cond, ReturnDue>) return "return_due";
  return "replacement_due";
}

struct RowReader {
  std::vector<TransitionRow>* rows;
  std::vector<SettleRow>* settle;

  template <class Row>
  void operator()(TypeTag<Row>) const {
    using Source = typename Row::Source;
    using Evt = typename Row::Evt;
    using Target = typename Row::Target;
    using Guard = typename Row::Guard;
    if constexpr (std::is_same_v<Evt, none>) {
      static_assert(Source::kChoice, "anonymous rows leave the Settling junction only");
      settle->push_back({SettleConditionName<typename Guard::Condition>(), Target::kState});
    } else {
      TransitionRow row = RowFromGuard<Guard>();
      SetEvent<Evt>(row);
      row.from = Source::kState;
      if constexpr (std::is_same_v<Target, none>) {
        row.internal = true;
        row.to = Source::kState;
      } else if constexpr (Target::kChoice) {
        row.settles = true;
      } else {
        row.to = Target::kState;
      }
      rows->push_back(row);
    }
  }
};

struct InternalRowReader {
  std::vector<TransitionRow>* rows;
  template <class Row>
  void operator()(TypeTag<Row>) const {
    TransitionRow row = RowFromGuard<typename Row::Guard>();
    SetEvent<typename Row::Evt>(row);
    row.any_non_terminal = true;
    row.internal = true;
    rows->push_back(row);
  }
};

// Restores a back-end's active state through its public serialize(): the
// only door MSM 1.74 offers to set it (FINDINGS: persisting MSM state). It
// writes the state id and ignores everything else the back-end serializes.
struct ActiveStateWriter {
  int state_id;
  template <class T>
  ActiveStateWriter& operator&(T&) {
    return *this;
  }
  ActiveStateWriter& operator&(int (&states)[1]) {
    states[0] = state_id;
    return *this;
  }
};

template <class Front>
class MachineAdapter final : public Workflow {
 public:
  using Back = boost::msm::back::state_machine<Front>;
  using Stt = typename Back::stt;

  explicit MachineAdapter(CaseType type) : type_(type) {
    boost::mpl::for_each<typename Front::transition_table, TypeTag<boost::mpl::_1>>(RowReader{&rows_, &settle_});
    boost::mpl::for_each<typename Front::internal_transition_table, TypeTag<boost::mpl::_1>>(
        InternalRowReader{&rows_});
    using States = typename boost::msm::back::generate_state_set<Stt>::type;
    boost::mpl::for_each<States, TypeTag<boost::mpl::_1>>(StateIdReader{this});
  }

  CaseType type() const override { return type_; }
  const std::vector<TransitionRow>& rows() const override { return rows_; }
  const std::vector<SettleRow>& settle_rows() const override { return settle_; }

  Status Fire(TransitionContext& ctx) const override {
    auto id = id_of_state_.find(ctx.kase.state);
    if (id == id_of_state_.end()) return InvalidHere(ctx);
    Back machine;
    ActiveStateWriter writer{id->second};
    machine.serialize(writer, 0);
    machine.ctx = &ctx;
    const boost::msm::back::HandledEnum handled = Dispatch(machine, ctx.cmd);
    if (handled != boost::msm::back::HANDLED_TRUE || machine.rejected) return InvalidHere(ctx);
    auto state = state_of_id_.find(machine.current_state()[0]);
    if (state == state_of_id_.end()) {
      return Status::Internal(std::string("no outcome of after-approval matched in ") + NameOf(type_));
    }
    ctx.kase.state = state->second;
    return Status::Ok();
  }

 private:
  struct StateIdReader {
    MachineAdapter* self;
    template <class S>
    void operator()(TypeTag<S>) const {
      const int id = boost::msm::back::get_state_id<Stt, S>::value;
      if constexpr (!S::kChoice) {
        self->id_of_state_[S::kState] = id;
        self->state_of_id_[id] = S::kState;
      }
    }
  };

  static Status InvalidHere(const TransitionContext& ctx) {
    return Status(Code::kInvalidTransition, std::string(NameOf(ctx.cmd.action)) + " is not possible in state " +
                                                NameOf(ctx.kase.state));
  }

  static boost::msm::back::HandledEnum Dispatch(Back& m, const Command& cmd) {
    switch (cmd.action) {
      case Action::kApprove: return m.process_event(Approve{});
      case Action::kReject: return m.process_event(Reject{});
      case Action::kOffer: return m.process_event(MakeOffer{});
      case Action::kAcceptOffer: return m.process_event(AcceptOffer{});
      case Action::kDeclineOffer: return m.process_event(DeclineOffer{});
      case Action::kModify: return m.process_event(Modify{});
      case Action::kAppeal: return m.process_event(Appeal{});
      case Action::kArbitrate: return m.process_event(Arbitrate{});
      case Action::kCancel: return m.process_event(Cancel{});
      case Action::kComment: return m.process_event(Comment{});
      case Action::kAssign: return m.process_event(Assign{});
      case Action::kShipReturn: return m.process_event(ShipReturn{});
      case Action::kCarrierUpdate: return m.process_event(CarrierUpdate{});
      case Action::kReceive: return m.process_event(Receive{});
      case Action::kRefundIssued: return m.process_event(RefundIssued{});
      case Action::kRefundFailed: return m.process_event(RefundFailed{});
      case Action::kShipReplacement: return m.process_event(ShipReplacement{});
      case Action::kConfirmDelivery: return m.process_event(ConfirmDelivery{});
      case Action::kTimeout:
        switch (cmd.deadline) {
          case DeadlineKind::kMerchantResponse: return m.process_event(MerchantResponseExpired{});
          case DeadlineKind::kBuyerResponse: return m.process_event(BuyerResponseExpired{});
          case DeadlineKind::kAppealWindow: return m.process_event(AppealWindowExpired{});
          case DeadlineKind::kBuyerShip: return m.process_event(BuyerShipExpired{});
          case DeadlineKind::kMerchantReceipt: return m.process_event(MerchantReceiptExpired{});
          case DeadlineKind::kReplacementConfirm: return m.process_event(ReplacementConfirmExpired{});
          default: return boost::msm::back::HANDLED_FALSE;  // breach-only kinds have no row
        }
      case Action::kSubmit: return boost::msm::back::HANDLED_FALSE;
    }
    return boost::msm::back::HANDLED_FALSE;
  }

  CaseType type_;
  std::vector<TransitionRow> rows_;
  std::vector<SettleRow> settle_;
  std::map<State, int> id_of_state_;
  std::map<int, State> state_of_id_;
};

}  // namespace aftersales::workflow
