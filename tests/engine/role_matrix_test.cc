// Who may act and who may not (SPEC §4, §4.2, §9.1), on the engine: every
// state of every case type, every action, every role, against the table
// written out in support/spec_table.h (see support/role_matrix.h).
#include "support/role_matrix.h"

#include <catch2/catch.hpp>

#include "engine/engine_driver.h"

namespace aftersales::testing {
namespace {

TEST_CASE("the SPEC table reaches every state of every type by a documented path", "[roles]") {
  matrix::CheckEveryStateHasAPath();
}

TEST_CASE("engine: a role outside a row is refused and changes nothing, and allowed_actions are SPEC's", "[roles]") {
  EngineDriver engine;
  matrix::CheckWhoMayNotAct(engine, "rm");
}

TEST_CASE("engine: every row, taken by every role it names, leads where SPEC says", "[roles]") {
  EngineDriver engine;
  matrix::CheckWhoMayAct(engine, "ra");
}

}  // namespace
}  // namespace aftersales::testing
