#include "engine/cases/case_engine.h"

namespace aftersales {
namespace {

template <class T>
Result<CommandResult> Widen(Result<T> r) {
  if (!r.ok()) return r.status();
  return CommandResult(std::move(*r));
}

}  // namespace

CaseEngine::CaseEngine(Store& store, const Clock& clock, PolicyRegistry& policies)
    : clock_(clock),
      policies_(policies),
      sweeper_(store, clock, policies),
      orders_(store, clock, policies),
      cases_(store, clock, policies, sweeper_),
      queries_(store, policies),
      extensions_(store, clock, policies, sweeper_) {}

Result<CommandResult> CaseEngine::Execute(const Actor& actor, const Command& command, const CommitHook& hook) {
  struct Run {
    CaseEngine& e;
    const Actor& actor;
    const CommitHook& hook;
    Result<CommandResult> operator()(const CreateOrder& c) { return Widen(e.orders_.Create(actor, c, hook)); }
    Result<CommandResult> operator()(const PatchOrder& c) { return Widen(e.orders_.Patch(actor, c, hook)); }
    Result<CommandResult> operator()(const SubmitCase& c) { return Widen(e.cases_.Submit(actor, c, hook)); }
    Result<CommandResult> operator()(const ApplyAction& c) { return Widen(e.cases_.Apply(actor, c, hook)); }
    Result<CommandResult> operator()(const ExtendDeadlines& c) { return Widen(e.extensions_.Extend(actor, c, hook)); }
  };
  return std::visit(Run{*this, actor, hook}, command);
}

}  // namespace aftersales
