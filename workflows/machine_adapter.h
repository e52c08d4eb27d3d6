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
  row.limit = Guard::kLimitRule;
  if constexpr (Guard::Condition::kGates) row.gate = &Guard::Condition::Gate;
  return row;
}

// The facts a row's Action column states (none: the defaults).
template <class Action>
void SetActionFacts(TransitionRow& row) {
  if constexpr (!std::is_same_v<Action, none>) {
    row.note_to_buyer = Action::kNoteToBuyer;
    row.keeps = Action::kKeeps;
    row.restarts = Action::kRestarts;
    row.shortens_receipt = Action::kShortensReceipt;
  }
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
  if constexpr (std::is_same_v<Cond, CompensationDue>) return "compensation_due";
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
      SetActionFacts<typename Row::Action>(row);
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
    SetActionFacts<typename Row::Action>(row);
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

  MachineAdapter() {
    boost::mpl::for_each<typename Front::transition_table, TypeTag<boost::mpl::_1>>(RowReader{&rows_, &settle_});
    boost::mpl::for_each<typename Front::internal_transition_table, TypeTag<boost::mpl::_1>>(
        InternalRowReader{&rows_});
    using States = typename boost::msm::back::generate_state_set<Stt>::type;
    boost::mpl::for_each<States, TypeTag<boost::mpl::_1>>(StateIdReader{this});
  }

  const TypeFacts& facts() const override { return Front::kFacts; }
  const std::vector<TransitionRow>& rows() const override { return rows_; }
  const std::vector<SettleRow>& settle_rows() const override { return settle_; }

  Status Fire(TransitionContext& ctx, const ActionBody& action) const override {
    return Run(ctx, std::visit([](const auto& a) { return std::decay_t<decltype(a)>::kAction; }, action),
               [&](Back& m) { return std::visit([&](const auto& evt) { return m.process_event(evt); }, action); });
  }

  Status FireExpiry(TransitionContext& ctx, DeadlineKind kind) const override {
    return Run(ctx, Action::kTimeout, [&](Back& m) { return ProcessExpiry(m, kind); });
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

  template <class Process>
  Status Run(TransitionContext& ctx, Action action, Process process) const {
    auto id = id_of_state_.find(ctx.kase.state);
    if (id == id_of_state_.end()) return InvalidHere(ctx, action);
    Back machine;
    ActiveStateWriter writer{id->second};
    machine.serialize(writer, 0);
    // The restore goes through MSM's internals: a Boost whose serialize()
    // no longer writes the active state would run every case from its
    // initial state. Refuse rather than act on the wrong state.
    if (machine.current_state()[0] != id->second) {
      return Status::Internal(std::string("cannot restore a ") + NameOf(Front::kFacts.type) + " machine to state " +
                              NameOf(ctx.kase.state));
    }
    machine.ctx = &ctx;
    ctx.facts = &Front::kFacts;
    const boost::msm::back::HandledEnum handled = process(machine);
    if (handled != boost::msm::back::HANDLED_TRUE || machine.rejected) return InvalidHere(ctx, action);
    auto state = state_of_id_.find(machine.current_state()[0]);
    if (state == state_of_id_.end()) {
      return Status::Internal(std::string("no outcome of after-approval matched in ") + NameOf(Front::kFacts.type));
    }
    ctx.kase.state = state->second;
    return Status::Ok();
  }

  static Status InvalidHere(const TransitionContext& ctx, Action action) {
    return Status(Code::kInvalidTransition,
                  std::string(NameOf(action)) + " is not possible in state " + NameOf(ctx.kase.state));
  }

  // Every kind listed, no default: a new kind must be added here (-Wswitch).
  // Kinds whose expiry has no row in this table (breach-only kinds) find no
  // transition, which the engine reads as "nothing to do".
  static boost::msm::back::HandledEnum ProcessExpiry(Back& m, DeadlineKind kind) {
    switch (kind) {
      case DeadlineKind::kMerchantResponse: return m.process_event(Expired<DeadlineKind::kMerchantResponse>{});
      case DeadlineKind::kBuyerResponse: return m.process_event(Expired<DeadlineKind::kBuyerResponse>{});
      case DeadlineKind::kAppealWindow: return m.process_event(Expired<DeadlineKind::kAppealWindow>{});
      case DeadlineKind::kBuyerShip: return m.process_event(Expired<DeadlineKind::kBuyerShip>{});
      case DeadlineKind::kMerchantReceipt: return m.process_event(Expired<DeadlineKind::kMerchantReceipt>{});
      case DeadlineKind::kRefundIssue: return m.process_event(Expired<DeadlineKind::kRefundIssue>{});
      case DeadlineKind::kArbitration: return m.process_event(Expired<DeadlineKind::kArbitration>{});
      case DeadlineKind::kReplacementShip: return m.process_event(Expired<DeadlineKind::kReplacementShip>{});
      case DeadlineKind::kReplacementConfirm: return m.process_event(Expired<DeadlineKind::kReplacementConfirm>{});
      case DeadlineKind::kOrderShip: return m.process_event(Expired<DeadlineKind::kOrderShip>{});
      case DeadlineKind::kCompensationIssue: return m.process_event(Expired<DeadlineKind::kCompensationIssue>{});
      case DeadlineKind::kRepairComplete: return m.process_event(Expired<DeadlineKind::kRepairComplete>{});
      case DeadlineKind::kRepairedShip: return m.process_event(Expired<DeadlineKind::kRepairedShip>{});
      case DeadlineKind::kRepairedConfirm: return m.process_event(Expired<DeadlineKind::kRepairedConfirm>{});
    }
    return boost::msm::back::HANDLED_FALSE;
  }

  std::vector<TransitionRow> rows_;
  std::vector<SettleRow> settle_;
  std::map<State, int> id_of_state_;
  std::map<int, State> state_of_id_;
};

}  // namespace aftersales::workflow
