// SPEC §3's money rules on the Ledger alone, over many random splits.
#include <catch2/catch.hpp>

#include <random>

#include "engine/cases/ledger.h"

namespace aftersales {
namespace {

__extension__ using Int128 = __int128;

Order OneLineOrder(std::int64_t qty, Money paid, Money shipping = 0) {
  Order o;
  o.id = "o";
  o.buyer_id = "b";
  o.currency = "CNY";
  o.shipping_paid = shipping;
  o.lines.push_back({"l1", "SKU", "Item", qty, paid, true});
  return o;
}

Case Taking(const std::string& id, std::int64_t qty, Money amount, State state = State::kRequested) {
  Case c;
  c.id = id;
  c.state = state;
  c.lines.push_back({"l1", qty, std::nullopt, amount});
  return c;
}

TEST_CASE("SPEC's worked examples of floor allocation", "[ledger]") {
  Order o = OneLineOrder(3, 1000);
  std::vector<Case> cases;
  Ledger first(o, cases);
  CHECK(first.LineAmount("l1", 1) == 333);
  cases.push_back(Taking("a", 1, 333));
  CHECK(Ledger(o, cases).LineAmount("l1", 2) == 667);

  Order seven = OneLineOrder(7, 1000);
  std::vector<Case> s;
  CHECK(Ledger(seven, s).LineAmount("l1", 2) == 285);
  s.push_back(Taking("a", 2, 285));
  CHECK(Ledger(seven, s).LineAmount("l1", 3) == 429);
  s.push_back(Taking("b", 3, 429));
  CHECK(Ledger(seven, s).LineAmount("l1", 2) == 286);
}

TEST_CASE("random splits add up to exactly paid and never more", "[ledger]") {
  std::mt19937_64 rng(20261127);
  for (int round = 0; round < 2000; ++round) {
    const std::int64_t n = std::uniform_int_distribution<std::int64_t>(1, 60)(rng);
    const Money paid = std::uniform_int_distribution<Money>(0, 10'000'000)(rng);
    Order o = OneLineOrder(n, paid);
    std::vector<Case> cases;
    std::int64_t held = 0;
    int next_id = 0;
    while (held < n) {
      Ledger ledger(o, cases);
      REQUIRE(ledger.ReturnableQty("l1") == n - held);
      const std::int64_t k = std::uniform_int_distribution<std::int64_t>(1, n - held)(rng);
      Money before = 0;
      for (const auto& c : cases) {
        if (c.HoldsUnits()) before += c.lines[0].amount;
      }
      const Money amount = ledger.LineAmount("l1", k);
      // floor(paid × (m + k) / n) − A
      const Money expected = static_cast<Money>(static_cast<Int128>(paid) * (held + k) / n) - before;
      REQUIRE(amount == expected);
      REQUIRE(amount >= 0);
      cases.push_back(Taking("c" + std::to_string(next_id++), k, amount));
      held += k;
      // Now and then a case is cancelled: its units and money come back.
      if (held < n && std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
        Case& victim = cases[std::uniform_int_distribution<std::size_t>(0, cases.size() - 1)(rng)];
        if (victim.HoldsUnits()) {
          victim.state = State::kCancelled;
          held -= victim.lines[0].qty;
        }
      }
      Money total = 0;
      for (const auto& c : cases) {
        if (c.HoldsUnits()) total += c.lines[0].amount;
      }
      REQUIRE(total <= paid);
    }
    Money total = 0;
    for (const auto& c : cases) {
      if (c.HoldsUnits()) total += c.lines[0].amount;
    }
    REQUIRE(total == paid);
  }
}

TEST_CASE("shipping goes with the last units, once", "[ledger]") {
  Order o = OneLineOrder(2, 1000, 300);
  std::vector<Case> cases;
  Ledger l0(o, cases);
  std::vector<CaseLine> one = {{"l1", 1, std::nullopt, 0}};
  std::vector<CaseLine> two = {{"l1", 2, std::nullopt, 0}};
  CHECK_FALSE(l0.WouldHoldShipping(one));
  CHECK(l0.WouldHoldShipping(two));
  Case a = Taking("a", 1, 500);
  cases.push_back(a);
  CHECK(Ledger(o, cases).WouldHoldShipping(one));
  Case b = Taking("b", 1, 500);
  b.holds_shipping = true;
  cases.push_back(b);
  // b is cancelled: the shipping is free again for whoever takes the last unit.
  cases.back().state = State::kCancelled;
  CHECK(Ledger(o, cases).WouldHoldShipping(one));
  // A case that holds shipping may be refunded it; the cap is its lines plus shipping.
  Case c = Taking("c", 1, 500);
  c.holds_shipping = true;
  CHECK(Ledger(o, cases).CaseCap(c) == 800);
}

TEST_CASE("units come back only when cancelled, or closed before receipt without refund", "[ledger]") {
  Case c = Taking("a", 1, 100, State::kClosed);
  CHECK_FALSE(c.HoldsUnits());
  c.inspection = Inspection{};
  CHECK(c.HoldsUnits());
  Case r = Taking("b", 1, 100, State::kClosed);
  r.refunds.push_back({"b-rf1", 100, RefundStatus::kIssued, std::nullopt, std::nullopt, 0, 0});
  CHECK(r.HoldsUnits());
  CHECK(Taking("d", 1, 100, State::kRejected).HoldsUnits());
  CHECK(Taking("e", 1, 100, State::kRefunded).HoldsUnits());
  CHECK_FALSE(Taking("f", 1, 100, State::kCancelled).HoldsUnits());
}

TEST_CASE("the order's refundable amount counts pending and issued refunds, not failed ones", "[ledger]") {
  Order o = OneLineOrder(2, 1000, 200);
  Case a = Taking("a", 1, 500, State::kRefunding);
  a.refunds.push_back({"a-rf1", 500, RefundStatus::kFailed, std::nullopt, std::nullopt, 0, 0});
  a.refunds.push_back({"a-rf2", 500, RefundStatus::kPending, std::nullopt, std::nullopt, 0, 0});
  Case b = Taking("b", 1, 500, State::kRefunded);
  b.refunds.push_back({"b-rf1", 300, RefundStatus::kIssued, std::nullopt, std::nullopt, 0, 0});
  Ledger l(o, {a, b});
  CHECK(l.RefundsHeld() == 800);
  CHECK(l.OrderRefundable() == 1200 - 800);
  // A case's cap is its own lines less its own refunds, capped by the order.
  CHECK(l.CaseCap(a) == 0);
}

}  // namespace
}  // namespace aftersales
