// Scenario files: workflow behaviour written as data (tests/scenarios/*.scn),
// run against the real engine on a real database (EngineHarness: a SQLite
// file, or PostgreSQL when AFTERSALES_TEST_POSTGRES is set).
//
// One command per line; `#` starts a comment. A trailing `-> STATUS CODE`
// expects that error instead of success (CODE is SPEC §6's code).
//
//   order {json}                     integration creates the order
//   patch-order ID {json}            integration patches it
//   submit ALIAS USER {json}         USER submits; ALIAS names the case
//   act ALIAS ACTION USER [{json}]   USER takes ACTION on the case
//   expect ALIAS {json}              the case (as the manager sees it) contains json
//   expect-as ALIAS USER {json}      the case as USER sees it contains json
//   expect-order ID {json}           the order contains json
//   expect-timeline ALIAS USER N     USER's timeline of the case has N entries
//   late-compensation ALIAS ORDER T  the system submits SPEC §10.4's late
//                                    compensation of ORDER for late goods paid T, now
//   advance N(s|m|h|d)               the clock moves; due deadlines fire
//   restart                          the engine closes and reopens the file
//
// Users: buyer, buyer2, integration, agent, supervisor, manager, warehouse,
// finance, admin (see engine_harness.h). "Contains" means: every member of
// the expected object is in the actual one with a matching value; arrays
// must have the same length and match element by element.
#pragma once

#include <string>
#include <tuple>
#include <vector>

namespace aftersales::testing {

// A transition seen in a scenario's audit log.
struct SeenTransition {
  std::string type;
  std::string action;
  std::string deadline;  // for timeout
  std::string from;
  std::string to;
  std::string role;
};

struct ScenarioResult {
  std::vector<std::string> failures;  // "file:line: message"
  std::vector<SeenTransition> transitions;
};

ScenarioResult RunScenario(const std::string& path);

}  // namespace aftersales::testing
