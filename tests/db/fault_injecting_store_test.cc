// FaultInjectingStore over a real store (SqliteStore, or PgStore on
// PostgreSQL): it counts write operations across transactions, fails
// exactly the chosen one, and a failed transaction leaves nothing behind.
#include "tests/support/fault_injecting_store.h"

#include <catch2/catch.hpp>

#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

// A small "operation" of four writes and a commit: 5 write operations.
Status PlaceOrderWithCase(Store& store, const std::string& n) {
  auto w = store.BeginWrite();
  if (!w.ok()) return w.status();
  AS_RETURN_IF_ERROR((*w)->InsertOrder(MakeOrder("O-" + n)));
  AS_RETURN_IF_ERROR((*w)->InsertCase(MakeCase("C-" + n, "O-" + n)));
  DeadlineRow d;
  d.case_id = "C-" + n;
  d.kind = DeadlineKind::kMerchantResponse;
  d.due_at = kT0 + 48 * kHour;
  Result<std::int64_t> id = (*w)->InsertDeadline(d);
  if (!id.ok()) return id.status();
  AS_RETURN_IF_ERROR((*w)->PutSetting("last", n));
  return (*w)->Commit();
}

// What PlaceOrderWithCase leaves in the store for `n`, as a few facts.
struct Footprint {
  bool order = false;
  bool kase = false;
  std::size_t deadlines = 0;
  std::optional<std::string> last;
};

Footprint Look(Store& store, const std::string& n) {
  auto r = Value(store.BeginRead());
  Footprint fp;
  fp.order = Value(r->GetOrder("O-" + n)).has_value();
  fp.kase = Value(r->GetCase("C-" + n)).has_value();
  fp.deadlines = Value(r->ListedDeadlines("C-" + n)).size();
  fp.last = Value(r->GetSetting("last"));
  return fp;
}

TEST_CASE("FaultInjectingStore fails exactly the N-th write and counts every write", "[db][fault]") {
  StoreFixture f;
  FaultInjectingStore faulty(f.store());

  faulty.Clear();
  REQUIRE_OK(PlaceOrderWithCase(faulty, "1"));
  CHECK(faulty.writes() == 5);
  CHECK_FALSE(faulty.fired());

  // Reads are forwarded and never counted.
  faulty.Clear();
  {
    auto r = Value(faulty.BeginRead());
    CHECK(Value(r->GetOrder("O-1")).has_value());
    auto w = Value(faulty.BeginWrite());
    CHECK(Value(w->GetCase("C-1")).has_value());
    CHECK(Value(w->ListedDeadlines("C-1")).size() == 1);
  }
  CHECK(faulty.writes() == 0);

  faulty.FailAt(2);
  Status s = PlaceOrderWithCase(faulty, "2");
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.message() == "injected fault");
  CHECK(faulty.fired());
  CHECK(faulty.writes() == 2);  // the operation stopped at its failed write
  Footprint fp = Look(f.store(), "2");
  CHECK_FALSE(fp.order);  // the write before the fault was rolled back
  CHECK_FALSE(fp.kase);
}

TEST_CASE("FaultInjectingStore counts across transactions", "[db][fault]") {
  StoreFixture f;
  FaultInjectingStore faulty(f.store());
  faulty.FailAt(7);                             // the 2nd write of the 2nd operation
  REQUIRE_OK(PlaceOrderWithCase(faulty, "1"));  // writes 1..5
  auto w = Value(faulty.BeginWrite());
  REQUIRE_OK(w->PutSetting("a", "1"));        // 6
  Status injected = w->PutSetting("b", "2");  // 7
  CHECK(injected.code() == Code::kUnavailable);
  REQUIRE_OK(w->PutSetting("c", "3"));              // 8: later writes pass again...
  CHECK(w->Commit().code() == Code::kUnavailable);  // 9: ...but the transaction is poisoned
  w.reset();
  CHECK(faulty.writes() == 9);

  auto r = Value(f.store().BeginRead());
  CHECK(Value(r->GetOrder("O-1")).has_value());  // the first transaction stands
  CHECK_FALSE(Value(r->GetSetting("a")).has_value());
  CHECK_FALSE(Value(r->GetSetting("c")).has_value());
}

TEST_CASE("a fault at any write leaves nothing half-applied", "[db][fault]") {
  std::int64_t total = 0;
  {
    StoreFixture f;
    FaultInjectingStore faulty(f.store());
    REQUIRE_OK(PlaceOrderWithCase(faulty, "1"));
    total = faulty.writes();
  }
  REQUIRE(total == 5);
  for (std::int64_t n = 1; n <= total; ++n) {
    INFO("fault at write " << n);
    StoreFixture f;
    FaultInjectingStore faulty(f.store());
    REQUIRE_OK(PlaceOrderWithCase(faulty, "0"));  // state before
    faulty.FailAt(n);
    CHECK(PlaceOrderWithCase(faulty, "1").code() == Code::kUnavailable);
    CHECK(faulty.fired());
    Footprint after = Look(f.store(), "1");
    CHECK_FALSE(after.order);
    CHECK_FALSE(after.kase);
    CHECK(after.deadlines == 0);
    CHECK(after.last == std::optional<std::string>("0"));
    CHECK(Look(f.store(), "0").order);
  }
}

TEST_CASE("FaultInjectingStore fails id-returning writes too", "[db][fault]") {
  StoreFixture f;
  FaultInjectingStore faulty(f.store());
  faulty.FailAt(1);
  auto w = Value(faulty.BeginWrite());
  OutboxRow e;
  e.event_id = "evt-1";
  auto id = w->InsertOutbox(e);
  CHECK(id.status().code() == Code::kUnavailable);
  CHECK(id.status().message() == "injected fault");
}

}  // namespace
}  // namespace aftersales::testing
