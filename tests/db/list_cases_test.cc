// ListCases against a reference implementation over a few hundred cases:
// every filter, both sorts, keyset paging; and the query plans of the
// sweep and of the case lists.
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <set>

#include "db/sqlite/schema.h"
#include "db/sql_reads.h"
#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

constexpr int kCases = 300;

// A fixed pseudo-random sequence (the tests must not depend on luck).
class Lcg {
 public:
  std::uint32_t Next(std::uint32_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state_ >> 33) % bound;
  }

 private:
  std::uint64_t state_ = 42;
};

const std::vector<State> kStates = {State::kRequested, State::kPendingApproval, State::kNegotiating,
                                    State::kAwaitingReturn, State::kRefunded};
const std::vector<CaseType> kTypes = {CaseType::kRefundOnly, CaseType::kReturnRefund, CaseType::kExchange};

std::vector<CaseRow> SeedCases(StoreFixture& f) {
  Lcg rng;
  std::vector<CaseRow> rows;
  auto w = f.Write();
  for (int o = 0; o < 5; ++o) REQUIRE_OK(w->InsertOrder(MakeOrder("O-" + std::to_string(o))));
  for (int i = 0; i < kCases; ++i) {
    // Ids not in creation order, so that id order and time order differ.
    CaseRow c = MakeCase("C-" + std::to_string((i * 37) % kCases + 1000), "O-" + std::to_string(rng.Next(5)));
    c.buyer_id = "buyer-" + std::to_string(rng.Next(4));
    c.state = kStates[rng.Next(kStates.size())];
    c.type = kTypes[rng.Next(kTypes.size())];
    std::uint32_t who = rng.Next(4);
    c.assignee = who == 0 ? std::nullopt : std::optional<std::string>("u-" + std::to_string(who));
    c.breached = rng.Next(5) == 0;
    // Few distinct values: many ties on the sort keys; a quarter without a deadline.
    c.next_due_at = rng.Next(4) == 0 ? std::nullopt : std::optional<TimePoint>(kT0 + 3600 * rng.Next(20));
    c.created_at = kT0 + 60 * rng.Next(40);
    c.risk_flagged = i % 5 == 2;  // not from rng: the other columns keep their sequence
    if (i % 3 == 0) c.return_tracking_no = "SF" + std::to_string(1000 + i % 40);
    if (i % 7 == 1) c.replacement_tracking_no = "JD" + std::to_string(500 + i);
    REQUIRE_OK(w->InsertCase(c));
    rows.push_back(c);
  }
  REQUIRE_OK(w->Commit());
  return rows;
}

// The reference: filter and sort in memory, exactly as CaseFilter documents.
std::vector<std::string> Expected(const std::vector<CaseRow>& rows, const CaseFilter& f) {
  std::vector<CaseRow> kept;
  for (const CaseRow& c : rows) {
    if (!f.states.empty() && std::find(f.states.begin(), f.states.end(), c.state) == f.states.end()) continue;
    if (f.type && c.type != *f.type) continue;
    if (f.assignee && c.assignee != f.assignee) continue;
    if (f.unassigned && c.assignee.has_value()) continue;
    if (f.order_id && c.order_id != *f.order_id) continue;
    if (f.buyer_id && c.buyer_id != *f.buyer_id) continue;
    if (f.breached && c.breached != *f.breached) continue;
    if (f.due_before && !(c.next_due_at && *c.next_due_at < *f.due_before)) continue;
    if (f.flagged_only && !c.risk_flagged) continue;
    if (f.search_prefix) {
      auto starts = [&](const std::optional<std::string>& v) { return v && v->rfind(*f.search_prefix, 0) == 0; };
      if (!starts(c.order_id) && !starts(c.return_tracking_no) && !starts(c.replacement_tracking_no)) continue;
    }
    kept.push_back(c);
  }
  if (f.sort_by_due) {
    std::sort(kept.begin(), kept.end(), [](const CaseRow& a, const CaseRow& b) {
      if (a.next_due_at.has_value() != b.next_due_at.has_value()) return a.next_due_at.has_value();  // nulls last
      if (a.next_due_at != b.next_due_at) return *a.next_due_at < *b.next_due_at;
      return a.id < b.id;
    });
  } else {
    std::sort(kept.begin(), kept.end(), [](const CaseRow& a, const CaseRow& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
  }
  std::vector<std::string> ids;
  for (const CaseRow& c : kept) ids.push_back(c.id);
  return ids;
}

// Pages through ListCases with `page_size`, following keyset cursors.
std::vector<std::string> AllPages(Store& store, CaseFilter filter, int page_size) {
  filter.limit = page_size;
  filter.has_cursor = false;
  std::vector<std::string> ids;
  for (int guard = 0; guard < 10000; ++guard) {
    auto r = Value(store.BeginRead());
    std::vector<CaseRow> page = Value(r->ListCases(filter));
    REQUIRE(page.size() <= static_cast<std::size_t>(page_size));
    for (const CaseRow& c : page) ids.push_back(c.id);
    if (page.size() < static_cast<std::size_t>(page_size)) return ids;
    filter.has_cursor = true;
    filter.cursor_key =
        filter.sort_by_due ? page.back().next_due_at : std::optional<std::int64_t>(page.back().created_at);
    filter.cursor_id = page.back().id;
  }
  FAIL("paging does not end");
  return ids;
}

struct NamedFilter {
  const char* name;
  std::function<void(CaseFilter&)> set;
};

TEST_CASE("ListCases matches the reference for every filter, both sorts and any page size", "[db]") {
  StoreFixture f;
  const std::vector<CaseRow> rows = SeedCases(f);

  const std::vector<NamedFilter> filters = {
      {"none", [](CaseFilter&) {}},
      {"one state", [](CaseFilter& c) { c.states = {State::kRequested}; }},
      {"two states",
       [](CaseFilter& c) {
         c.states = {State::kNegotiating, State::kRefunded};
       }},
      {"type", [](CaseFilter& c) { c.type = CaseType::kExchange; }},
      {"assignee", [](CaseFilter& c) { c.assignee = "u-2"; }},
      {"unassigned", [](CaseFilter& c) { c.unassigned = true; }},
      {"order", [](CaseFilter& c) { c.order_id = "O-3"; }},
      {"buyer", [](CaseFilter& c) { c.buyer_id = "buyer-1"; }},
      {"breached", [](CaseFilter& c) { c.breached = true; }},
      {"not breached", [](CaseFilter& c) { c.breached = false; }},
      {"due before", [](CaseFilter& c) { c.due_before = kT0 + 3600 * 7; }},
      {"combined",
       [](CaseFilter& c) {
         c.states = {State::kRequested, State::kPendingApproval, State::kAwaitingReturn};
         c.type = CaseType::kReturnRefund;
         c.breached = false;
         c.due_before = kT0 + 3600 * 15;
       }},
      {"nothing matches", [](CaseFilter& c) { c.order_id = "O-404"; }},
      {"flagged", [](CaseFilter& c) { c.flagged_only = true; }},
      {"search: an order id's start", [](CaseFilter& c) { c.search_prefix = "O-3"; }},
      {"search: a return tracking number's start", [](CaseFilter& c) { c.search_prefix = "SF101"; }},
      {"search: a replacement tracking number", [](CaseFilter& c) { c.search_prefix = "JD508"; }},
      {"search: every order", [](CaseFilter& c) { c.search_prefix = "O-"; }},
      {"search: a middle is no start", [](CaseFilter& c) { c.search_prefix = "F10"; }},
      {"search: % and _ are no wildcards", [](CaseFilter& c) { c.search_prefix = "O_"; }},
      {"search and state",
       [](CaseFilter& c) {
         c.search_prefix = "SF10";
         c.states = {State::kRequested, State::kNegotiating};
       }},
      // The part without a deadline of an open-states list reads the states'
      // index with the assignee's term checked row by row.
      {"open states and assignee",
       [](CaseFilter& c) {
         c.states = {State::kRequested, State::kPendingApproval, State::kNegotiating, State::kAwaitingReturn};
         c.assignee = "u-3";
       }},
      {"open states and unassigned",
       [](CaseFilter& c) {
         c.states = {State::kRequested, State::kNegotiating};
         c.unassigned = true;
       }},
      {"a closed state and assignee",
       [](CaseFilter& c) {
         c.states = {State::kRefunded, State::kRequested};
         c.assignee = "u-1";
       }},
      {"flagged and combined",
       [](CaseFilter& c) {
         c.flagged_only = true;
         c.states = {State::kRequested, State::kPendingApproval};
         c.assignee = "u-1";
         c.due_before = kT0 + 3600 * 15;
       }},
  };
  for (const NamedFilter& nf : filters) {
    for (bool by_due : {true, false}) {
      CaseFilter filter;
      nf.set(filter);
      filter.sort_by_due = by_due;
      const std::vector<std::string> expected = Expected(rows, filter);
      for (int page_size : {1, 7, 50, 1000}) {
        INFO("filter " << nf.name << ", " << (by_due ? "due" : "created") << " sort, pages of " << page_size);
        std::vector<std::string> got = AllPages(f.store(), filter, page_size);
        CHECK(got == expected);  // same rows, same order: each exactly once
      }
    }
  }
  // The data exercise what they should.
  CaseFilter all;
  CHECK(Expected(rows, all).size() == static_cast<std::size_t>(kCases));
  all.unassigned = true;
  CHECK_FALSE(Expected(rows, all).empty());
  for (const char* prefix : {"O-3", "SF101", "JD508"}) {
    CaseFilter search;
    search.search_prefix = prefix;
    INFO(prefix);
    CHECK_FALSE(Expected(rows, search).empty());
    CHECK(Expected(rows, search).size() < static_cast<std::size_t>(kCases));
  }
}

TEST_CASE("ListCases: a due-sort cursor with a null key continues among the cases without a deadline", "[db]") {
  StoreFixture f;
  const std::vector<CaseRow> rows = SeedCases(f);
  CaseFilter filter;
  const std::vector<std::string> expected = Expected(rows, filter);
  std::size_t nulls = 0;
  for (const CaseRow& c : rows) nulls += c.next_due_at.has_value() ? 0 : 1;
  REQUIRE(nulls > 2);
  const std::size_t start = expected.size() - nulls;  // the first case without a deadline
  auto at_start = std::find_if(rows.begin(), rows.end(), [&](const CaseRow& c) { return c.id == expected[start]; });
  REQUIRE_FALSE(at_start->next_due_at.has_value());

  filter.has_cursor = true;
  filter.cursor_key = std::nullopt;
  filter.cursor_id = expected[start];
  filter.limit = 1000;
  auto page = Value(f.Read()->ListCases(filter));
  std::vector<std::string> got;
  for (const CaseRow& c : page) got.push_back(c.id);
  CHECK(got == std::vector<std::string>(expected.begin() + static_cast<std::ptrdiff_t>(start) + 1, expected.end()));
}

TEST_CASE("ListCases: limit 0 is empty: a created_at cursor needs a key", "[db]") {
  StoreFixture f;
  SeedCases(f);
  auto r = f.Read();
  CaseFilter zero;
  zero.limit = 0;
  CHECK(Value(r->ListCases(zero)).empty());
  CaseFilter bad;
  bad.sort_by_due = false;
  bad.has_cursor = true;
  bad.cursor_id = "C-1000";
  CHECK(r->ListCases(bad).status().code() == Code::kValidationFailed);
}

std::string Plan(sqlite::SqliteConnection& conn, const std::string& sql,
                 const std::vector<std::variant<std::int64_t, std::string>>& params = {}) {
  auto stmt = Value(conn.Prepare("EXPLAIN QUERY PLAN " + sql));
  for (const auto& p : params) {
    if (std::holds_alternative<std::int64_t>(p)) {
      stmt->BindInt(std::get<std::int64_t>(p));
    } else {
      stmt->BindText(std::get<std::string>(p));
    }
  }
  std::string plan;
  while (Value(stmt->Step())) plan += stmt->ColumnText(3) + "\n";  // the `detail` column
  return plan;
}

TEST_CASE("the due-deadline sweep is a range scan of the partial index", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  std::string plan = Plan(*conn, sql::kDueDeadlinesSql, {kT0, std::int64_t{100}});
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("SEARCH deadlines USING INDEX deadlines_open_due (due_at<?)"));
  CHECK_THAT(plan, !Catch::Contains("SCAN"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));  // the index gives the order
}

TEST_CASE("the batch reads of a list page probe the id's index, never scan", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  const std::string ids = R"(["C-1","C-2"])";
  const std::vector<std::pair<std::string, std::string>> reads = {
      {sql::kCasesOfOrdersSql, "SEARCH cases USING INDEX cases_order (order_id=?)"},
      {sql::kListedDeadlinesOfSql, "SEARCH deadlines USING COVERING INDEX deadlines_listed (case_id=?)"},
      {sql::kListedOrderDeadlinesOfSql, "SEARCH deadlines USING INDEX deadlines_order (order_id=?)"},
      {sql::kTextsOfCasesSql, "SEARCH texts USING INDEX texts_case (case_id=?)"}};
  for (const auto& [sql, search] : reads) {
    std::string plan = Plan(*conn, sql, {ids});
    INFO(sql << "\n" << plan);
    CHECK_THAT(plan, Catch::Contains(search));
    for (const char* table : {"SCAN cases", "SCAN deadlines", "SCAN texts"}) CHECK_THAT(plan, !Catch::Contains(table));
  }
}

TEST_CASE("a page's listed deadlines come from their own index in order without a lookup or a sort",
          "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  std::string plan = Plan(*conn, sql::kListedDeadlinesOfSql, {std::string(R"(["C-1","C-2"])")});
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("COVERING INDEX deadlines_listed"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("unfiltered case lists read an index in order, without sorting", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  CaseFilter due;
  CaseFilter created;
  created.sort_by_due = false;
  CaseFilter due_paged = due;
  due_paged.has_cursor = true;
  due_paged.cursor_key = kT0;
  due_paged.cursor_id = "C-1";
  for (const CaseFilter* filter : {&due, &created, &due_paged}) {
    for (const sql::CaseListQuery& q : Value(sql::BuildCaseListQueries(*filter))) {
      auto params = q.params;
      params.emplace_back(std::int64_t{50});
      std::string plan = Plan(*conn, q.sql, params);
      INFO(q.sql << "\n" << plan);
      CHECK_THAT(plan, Catch::Contains("USING INDEX cases_due") || Catch::Contains("USING INDEX cases_created"));
      CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
    }
  }
}

std::vector<State> OpenStates() {
  std::vector<State> open;
  for (int i = 0; i < kStateCount; ++i) {
    if (!IsTerminal(static_cast<State>(i))) open.push_back(static_cast<State>(i));
  }
  return open;
}

// Plans of the two parts of a due-sorted list ("with a deadline", "without").
std::vector<std::string> Plans(sqlite::SqliteConnection& conn, const CaseFilter& filter) {
  std::vector<std::string> plans;
  for (const sql::CaseListQuery& q : Value(sql::BuildCaseListQueries(filter))) {
    auto params = q.params;
    params.emplace_back(std::int64_t{50});
    plans.push_back(Plan(conn, q.sql, params));
    UNSCOPED_INFO(q.sql << "\n" << plans.back());
  }
  return plans;
}

// Every closed case is without a deadline: a plan that reads "without a
// deadline" by an index range reads a shop's whole history (one agent's, by
// the assignee's index) for each queue page.
TEST_CASE("the agent's queue by due date reads the page and never the closed cases", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  CaseFilter mine;
  mine.states = OpenStates();
  mine.assignee = "u-1";
  std::vector<std::string> plans = Plans(*conn, mine);
  REQUIRE(plans.size() == 2);
  // Its cases with a deadline, in order, stopping at the page's end.
  CHECK_THAT(plans[0], Catch::Contains("USING INDEX cases_assignee (assignee=? AND next_due_at>?)"));
  CHECK_THAT(plans[0], !Catch::Contains("TEMP B-TREE"));
  // Open cases without a deadline, state by state; not the assignee's range.
  CHECK_THAT(plans[1], Catch::Contains("USING INDEX cases_state_due (state=? AND next_due_at=?)"));
  CHECK_THAT(plans[1], !Catch::Contains("cases_assignee"));

  CaseFilter unassigned = mine;
  unassigned.assignee.reset();
  unassigned.unassigned = true;
  plans = Plans(*conn, unassigned);
  REQUIRE(plans.size() == 2);
  CHECK_THAT(plans[1], Catch::Contains("USING INDEX cases_state_due (state=? AND next_due_at=?)"));

  CaseFilter everyones = mine;
  everyones.assignee.reset();
  plans = Plans(*conn, everyones);
  REQUIRE(plans.size() == 2);
  CHECK_THAT(plans[1], Catch::Contains("USING INDEX cases_state_due (state=? AND next_due_at=?)"));
  // Paged among the cases without a deadline: the same, from the cursor on.
  CaseFilter in_nulls = everyones;
  in_nulls.has_cursor = true;
  in_nulls.cursor_id = "C-1";
  plans = Plans(*conn, in_nulls);
  REQUIRE(plans.size() == 1);
  CHECK_THAT(plans[0], Catch::Contains("USING INDEX cases_state_due (state=? AND next_due_at=? AND id>?)"));

  // With a closed state listed, the part without a deadline is mostly that
  // state's cases: the assignee's range in id order, no sort, is what reads
  // least to fill a page.
  CaseFilter closed = mine;
  closed.states = {State::kClosed};
  plans = Plans(*conn, closed);
  REQUIRE(plans.size() == 2);
  CHECK_THAT(plans[1], Catch::Contains("USING INDEX cases_assignee (assignee=? AND next_due_at=?)"));
  CHECK_THAT(plans[1], !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("the flagged queue reads the partial index cases_flagged in order", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  CaseFilter due;
  due.flagged_only = true;
  CaseFilter due_paged = due;
  due_paged.has_cursor = true;
  due_paged.cursor_key = kT0;
  due_paged.cursor_id = "C-1";
  CaseFilter in_nulls = due;
  in_nulls.has_cursor = true;
  in_nulls.cursor_id = "C-1";
  for (const CaseFilter* filter : {&due, &due_paged, &in_nulls}) {
    for (const sql::CaseListQuery& q : Value(sql::BuildCaseListQueries(*filter))) {
      auto params = q.params;
      params.emplace_back(std::int64_t{50});
      std::string plan = Plan(*conn, q.sql, params);
      INFO(q.sql << "\n" << plan);
      CHECK_THAT(plan, Catch::Contains("USING INDEX cases_flagged"));
      CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
    }
  }
}

TEST_CASE("a buyer's cases and orders in a window: both ends included", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    for (int i = 0; i < 4; ++i) {
      Order o = MakeOrder("O-" + std::to_string(i));
      o.buyer_id = i == 3 ? "someone-else" : "b-risk";
      o.placed_at = kT0 + 100 * i;  // kT0, +100, +200; the other buyer's at +300
      REQUIRE_OK(w->InsertOrder(o));
    }
    for (int i = 0; i < 4; ++i) {
      CaseRow c = MakeCase("C-" + std::to_string(i), "O-" + std::to_string(i));
      c.buyer_id = i == 3 ? "someone-else" : "b-risk";
      c.created_at = kT0 + 100 * i;
      REQUIRE_OK(w->InsertCase(c));
    }
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  auto ids = [](const std::vector<CaseRow>& rows) {
    std::vector<std::string> out;
    for (const CaseRow& c : rows) out.push_back(c.id);
    return out;
  };
  CHECK(ids(Value(r->CasesOfBuyer("b-risk", kT0, kT0 + 200))) == std::vector<std::string>{"C-0", "C-1", "C-2"});
  CHECK(ids(Value(r->CasesOfBuyer("b-risk", kT0 + 1, kT0 + 199))) == std::vector<std::string>{"C-1"});
  CHECK(ids(Value(r->CasesOfBuyer("b-risk", kT0, kT0 + 1000))).size() == 3);
  CHECK(Value(r->CountOrdersOfBuyer("b-risk", kT0, kT0 + 200)) == 3);
  CHECK(Value(r->CountOrdersOfBuyer("b-risk", kT0 + 1, kT0 + 199)) == 1);
  CHECK(Value(r->CountOrdersOfBuyer("nobody", kT0, kT0 + 1000)) == 0);
}

TEST_CASE("migration 5 copies the tracking numbers of existing cases out of their documents", "[db][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("v4.sqlite");
  {
    auto conn = Value(sqlite::SqliteConnection::Open(path, sqlite::OpenMode::kReadWrite));
    REQUIRE_OK(conn->Exec("BEGIN"));
    REQUIRE_OK(conn->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version > 4) break;
      for (const char* statement : m.statements) REQUIRE_OK(conn->Exec(statement));
      REQUIRE_OK(conn->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(m.version) +
                            ", 0)"));
    }
    REQUIRE_OK(
        conn->Exec("INSERT INTO orders (id, buyer_id, currency, placed_at, delivered_at, shipping_paid, created_at)"
                   " VALUES ('SO-1', 'b1', 'CNY', 0, 0, 0, 0)"));
    const std::string columns =
        "INSERT INTO cases (id, order_id, buyer_id, type, state, version, assignee, policy_version, created_at,"
        " updated_at, next_due_at, breached, doc) VALUES ";
    REQUIRE_OK(conn->Exec(columns +
                          "('C-1', 'SO-1', 'b1', 'exchange', 'replacement_shipped', 5, NULL, 1, 0, 0, NULL, 0,"
                          " '{\"return_shipment\":{\"carrier\":\"SF\",\"tracking_no\":\"SF777\"},"
                          "\"replacement_shipment\":{\"carrier\":\"JD\",\"tracking_no\":\"JD888\"}}')"));
    REQUIRE_OK(conn->Exec(columns + "('C-2', 'SO-1', 'b1', 'return_refund', 'requested', 1, NULL, 1, 0, 0, NULL, 0,"
                                    " '{\"return_shipment\":null,\"replacement_shipment\":null}')"));
    REQUIRE_OK(conn->Exec("COMMIT"));
  }
  auto store = Value(SqliteStore::Open(path));
  auto r = Value(store->BeginRead());
  auto search = [&](const std::string& prefix) {
    CaseFilter f;
    f.search_prefix = prefix;
    std::vector<std::string> ids;
    for (const CaseRow& c : Value(r->ListCases(f))) ids.push_back(c.id);
    return ids;
  };
  CHECK(search("SF7") == std::vector<std::string>{"C-1"});
  CHECK(search("JD888") == std::vector<std::string>{"C-1"});
  CHECK(search("SO-") == std::vector<std::string>{"C-1", "C-2"});
  const CaseRow c2 = *Value(r->GetCase("C-2"));
  CHECK_FALSE(c2.return_tracking_no.has_value());
  CHECK(Value(r->GetCase("C-1"))->replacement_tracking_no == std::optional<std::string>("JD888"));
}

TEST_CASE("ListCases: a prefix search ends at the next code point also for non-ASCII and U+10FFFF prefixes", "[db]") {
  StoreFixture f;
  // Order ids whose starts differ only in the last character of the prefix,
  // in one, two, three and four UTF-8 bytes.
  const std::vector<std::string> order_ids = {"订单-甲1", "订单-甲2", "订单-乙", "订单-甲\xF4\x8F\xBF\xBF", "x\xC3\xBF", "x\xC4\x80",
                                              "\xF4\x8F\xBF\xBF" "a", "\xF4\x8F\xBF\xBF"};
  {
    auto w = f.Write();
    int n = 0;
    for (const std::string& order_id : order_ids) {
      REQUIRE_OK(w->InsertOrder(MakeOrder(order_id)));
      REQUIRE_OK(w->InsertCase(MakeCase("c" + std::to_string(++n), order_id)));
    }
    REQUIRE_OK(w->Commit());
  }
  auto found = [&](const std::string& prefix) {
    CaseFilter filter;
    filter.search_prefix = prefix;
    filter.sort_by_due = false;
    filter.limit = 100;
    std::vector<std::string> orders;
    for (const CaseRow& c : Value(f.Read()->ListCases(filter))) orders.push_back(c.order_id);
    std::sort(orders.begin(), orders.end());
    return orders;
  };
  CHECK(found("订单-甲") == std::vector<std::string>{"订单-甲1", "订单-甲2", "订单-甲\xF4\x8F\xBF\xBF"});
  CHECK(found("订单-") ==
        std::vector<std::string>{"订单-乙", "订单-甲1", "订单-甲2", "订单-甲\xF4\x8F\xBF\xBF"});
  CHECK(found("x\xC3\xBF") == std::vector<std::string>{"x\xC3\xBF"});  // U+00FF: the next is U+0100
  CHECK(found("\xF4\x8F\xBF\xBF") == std::vector<std::string>{"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF" "a"});
  CHECK(found("订单-甲\xF4\x8F\xBF\xBF") == std::vector<std::string>{"订单-甲\xF4\x8F\xBF\xBF"});
}

}  // namespace
}  // namespace aftersales::testing
