// TransitionContext: everything a workflow's guards and actions may read or
// write while one action runs. Guards read; actions write only `kase` and
// `effects` (plain data: no I/O, no clock). The engine fills the context,
// fires the machine, then persists what the actions did.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/command.h"
#include "domain/model.h"
#include "workflows/policy.h"

namespace aftersales {

// The erasable-text references the engine made for the command's free text.
struct CommandTexts {
  std::optional<TextRef> note;
  std::optional<TextRef> description;
  std::vector<TextRef> evidence;
  std::optional<TextRef> error;
};

struct TransitionContext {
  Case& kase;
  const Command& cmd;
  const Actor& actor;
  const Policy& policy;
  TimePoint now = 0;         // the action's time; a deadline's due_at when the engine fires one
  bool within_limit = true;  // the amount this action fixes is within the actor's approval limit
  Money cap = 0;             // the most this case may be agreed or refunded now (SPEC §3)
  CommandTexts texts;
  nlohmann::json effects = nlohmann::json::object();  // what the actions did, for the audit entry
};

}  // namespace aftersales
