// ParseCommand: an action's JSON body to a Command, checking exactly the
// fields SPEC §4 allows for that action, their types and ranges. Checks
// that need the case (reason codes of its policy, its lines, its state)
// are the CaseService's. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/command.h"
#include "domain/status.h"

namespace aftersales {

// Errors: validation_failed naming every bad field.
Result<Command> ParseCommand(Action action, const nlohmann::json& body);

// `expected_version` read leniently before full validation (SPEC §4.2
// checks versions before bodies): the value when it is a positive integer.
std::optional<std::int64_t> PeekExpectedVersion(const nlohmann::json& body);

}  // namespace aftersales
