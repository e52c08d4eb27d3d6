// Runs every scenario file and checks that together they exercise every
// row of every transition table: a row without a scenario fails here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "engine/scenario_runner.h"
#include "workflows/workflow.h"

namespace aftersales::testing {
namespace {

bool Covers(const TransitionRow& row, const Workflow& wf, const SeenTransition& t) {
  if (t.type != NameOf(wf.type()) || t.action != NameOf(row.action)) return false;
  if (row.deadline && t.deadline != NameOf(*row.deadline)) return false;
  auto role = ParseRole(t.role);
  if (!role || !(row.who & Bit(*role))) return false;
  if (row.any_non_terminal) return t.from == t.to;
  if (t.from != NameOf(row.from)) return false;
  if (row.internal) return t.to == t.from;
  if (row.settles) {
    return std::any_of(wf.settle_rows().begin(), wf.settle_rows().end(),
                       [&](const SettleRow& s) { return t.to == NameOf(s.to); });
  }
  return t.to == NameOf(row.to);
}

std::string Describe(const Workflow& wf, const TransitionRow& row) {
  std::string s = std::string(NameOf(wf.type())) + ": " + (row.any_non_terminal ? "any" : NameOf(row.from)) + " --" +
                  NameOf(row.action);
  if (row.deadline) s += std::string("(") + NameOf(*row.deadline) + ")";
  s += "--> ";
  s += row.internal ? "(same)" : row.settles ? "(after approval)" : NameOf(row.to);
  if (row.limit == LimitRule::kWithin) s += " [within limit]";
  if (row.limit == LimitRule::kOver) s += " [over limit]";
  return s;
}

TEST_CASE("scenarios pass and exercise every transition row", "[scenarios]") {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(AFTERSALES_SCENARIO_DIR)) {
    if (entry.path().extension() == ".scn") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());

  std::vector<SeenTransition> seen;
  for (const auto& file : files) {
    ScenarioResult r = RunScenario(file);
    for (const auto& f : r.failures) FAIL_CHECK(f);
    seen.insert(seen.end(), r.transitions.begin(), r.transitions.end());
  }

  std::vector<std::string> uncovered;
  for (const Workflow* each : Workflow::All()) {
    const Workflow& wf = *each;
    const CaseType type = wf.type();
    for (const auto& row : wf.rows()) {
      // A row of an internal transition (comment, assign) is covered per type.
      bool covered = std::any_of(seen.begin(), seen.end(), [&](const SeenTransition& t) { return Covers(row, wf, t); });
      if (!covered) uncovered.push_back(Describe(wf, row));
    }
    for (const auto& settle : wf.settle_rows()) {
      bool covered = std::any_of(seen.begin(), seen.end(), [&](const SeenTransition& t) {
        if (t.type != NameOf(type) || t.to != NameOf(settle.to) || t.from == t.to) return false;
        return std::any_of(wf.rows().begin(), wf.rows().end(),
                           [&](const TransitionRow& row) { return row.settles && Covers(row, wf, t); });
      });
      if (!covered) uncovered.push_back(std::string(NameOf(type)) + ": after approval --" + settle.condition + "--> " + NameOf(settle.to));
    }
  }
  for (const auto& u : uncovered) FAIL_CHECK("no scenario exercises " << u);
  CHECK(uncovered.empty());
}

}  // namespace
}  // namespace aftersales::testing
