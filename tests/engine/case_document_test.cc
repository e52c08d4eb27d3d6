// CaseToRow / CaseFromRow (engine/cases/case_document.h): a case survives
// its stored form, and the memo of decoded documents never answers with
// another text's case, another row's columns or another read's deadlines.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/cases/case_document.h"

namespace aftersales::testing {
namespace {

Case SampleCase(const std::string& id) {
  Case c;
  c.id = id;
  c.type = CaseType::kReturnRefund;
  c.state = State::kRequested;
  c.version = 3;
  c.order_id = "o-" + id;
  c.buyer_id = "b1";
  c.reason = "damaged";
  c.evidence.push_back({"t1", std::string(64, 'a')});
  c.lines.push_back({"l1", 2, std::nullopt, 1500});
  c.currency = "CNY";
  c.requested_amount = 1500;
  c.refunded_amount = 0;
  c.policy_version = 1;
  c.created_at = 1000;
  c.updated_at = 2000;
  return c;
}

DeadlineRow Due(std::int64_t id, TimePoint due_at) {
  DeadlineRow d;
  d.id = id;
  d.kind = DeadlineKind::kMerchantResponse;
  d.started_at = 1000;
  d.due_at = due_at;
  return d;
}

TEST_CASE("a case read back from its row is the case that was stored", "[engine][case_document]") {
  Case c = SampleCase("cd-roundtrip");
  c.agreed_amount = 1200;
  c.refunds.push_back({"r1", 1200, RefundStatus::kIssued, std::string("ext-1"), std::nullopt, 3000, 3100});
  const auto back = CaseFromRow(CaseToRow(c), {Due(1, 9000)});
  REQUIRE(back.ok());
  CHECK(back->id == c.id);
  CHECK(back->order_id == c.order_id);
  CHECK(back->type == c.type);
  CHECK(back->version == 3);
  CHECK(back->reason == "damaged");
  REQUIRE(back->evidence.size() == 1);
  CHECK(back->evidence[0].id == "t1");
  REQUIRE(back->lines.size() == 1);
  CHECK(back->lines[0].qty == 2);
  CHECK(back->lines[0].amount == 1500);
  CHECK(back->agreed_amount == std::optional<Money>(1200));
  REQUIRE(back->refunds.size() == 1);
  CHECK(back->refunds[0].external_ref == std::optional<std::string>("ext-1"));
  REQUIRE(back->deadlines.size() == 1);
  CHECK(back->deadlines[0].due_at == 9000);
}

TEST_CASE("a remembered document never answers for another text or another row", "[engine][case_document]") {
  Case c = SampleCase("cd-memo");
  const CaseRow first = CaseToRow(c);
  REQUIRE(CaseFromRow(first, {}).ok());  // now remembered

  // The same document again, with other columns and other deadlines: the
  // row's columns and these deadlines, never the first read's.
  CaseRow moved = first;
  moved.order_id = "o-other";
  moved.buyer_id = "b2";
  moved.type = CaseType::kExchange;
  moved.state = State::kAwaitingReturn;
  moved.version = 4;
  moved.assignee = "agent-7";
  moved.policy_version = 2;
  moved.created_at = 1500;
  moved.updated_at = 2500;
  const auto again = CaseFromRow(moved, {Due(1, 7000), Due(2, 8000)});
  REQUIRE(again.ok());
  CHECK(again->id == "cd-memo");
  CHECK(again->order_id == "o-other");
  CHECK(again->buyer_id == "b2");
  CHECK(again->type == CaseType::kExchange);
  CHECK(again->state == State::kAwaitingReturn);
  CHECK(again->version == 4);
  CHECK(again->assignee == std::optional<std::string>("agent-7"));
  CHECK(again->policy_version == 2);
  CHECK(again->created_at == 1500);
  CHECK(again->updated_at == 2500);
  CHECK(again->deadlines.size() == 2);
  const auto once_more = CaseFromRow(moved, {Due(3, 9000)});
  REQUIRE(once_more.ok());
  REQUIRE(once_more->deadlines.size() == 1);  // not added to the remembered case
  CHECK(once_more->deadlines[0].id == 3);

  // Another document under the same id: its own values.
  c.reason = "wrong size";
  c.refunded_amount = 700;
  c.lines.push_back({"l2", 1, std::string("sku-9"), 300});
  const auto changed = CaseFromRow(CaseToRow(c), {});
  REQUIRE(changed.ok());
  CHECK(changed->reason == "wrong size");
  CHECK(changed->refunded_amount == 700);
  CHECK(changed->lines.size() == 2);
  // And the first text again: the first values.
  const auto first_again = CaseFromRow(first, {});
  REQUIRE(first_again.ok());
  CHECK(first_again->reason == "damaged");
  CHECK(first_again->lines.size() == 1);

  // A corrupt document under an id whose good one is remembered is refused.
  CaseRow corrupt = first;
  corrupt.doc = first.doc.substr(0, first.doc.size() / 2);
  const auto refused = CaseFromRow(corrupt, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kInternal);
}

TEST_CASE("threads decoding documents of the same cases each get their own text's case",
          "[engine][case_document][concurrency]") {
  // Two texts per case id, read from four threads at once: each read must
  // answer with the reason its own text holds.
  std::vector<CaseRow> rows;
  for (int i = 0; i < 8; ++i) {
    Case c = SampleCase("cd-race-" + std::to_string(i));
    c.reason = "first";
    rows.push_back(CaseToRow(c));
    c.reason = "second";
    rows.push_back(CaseToRow(c));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2000; ++round) {
        const std::size_t k = static_cast<std::size_t>(round * 7 + t * 3) % rows.size();
        const auto kase = CaseFromRow(rows[k], {});
        if (!kase.ok() || kase->reason != (k % 2 == 0 ? "first" : "second") || kase->id != rows[k].id) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) CHECK(wrong[t] == 0);
}

}  // namespace
}  // namespace aftersales::testing
