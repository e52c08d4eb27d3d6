// Runs one scenario file (tests/scenarios/*.scn) against the real engine on
// a real SQLite file (on PostgreSQL when AFTERSALES_TEST_POSTGRES is set:
// the CTest entries "postgres:scenario:<file>") and prints its failures:
// CTest registers one test per file with it, so that a failing scenario
// names itself. The check that the
// scenarios together exercise every transition row stays in engine_tests
// ("[scenarios]").
#include <cstdio>

#include "engine/scenario_runner.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE.scn\n", argv[0]);
    return 2;
  }
  const aftersales::testing::ScenarioResult result = aftersales::testing::RunScenario(argv[1]);
  for (const auto& failure : result.failures) std::fprintf(stderr, "%s\n", failure.c_str());
  std::printf("%s: %zu transitions, %zu failures\n", argv[1], result.transitions.size(), result.failures.size());
  return result.failures.empty() ? 0 : 1;
}
