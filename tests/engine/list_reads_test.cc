// The list pages (GET /cases, SPEC §6.5; GET /orders, §10.5) read a fixed
// number of statements whatever their size, never one per item: a store
// wrapper counts the reads of cases and orders, and a page of many items
// must make the very calls a page of one makes. Each item equals what the
// single read of the same case or order answers.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "api/case_json.h"
#include "engine/cases/case_queries.h"
#include "engine/engine_harness.h"
#include "engine/store/forwarding_store.h"
#include "engine/test_util.h"
#include "support/case_calls.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// Counts, by method name, every read of cases, deadlines, texts and orders
// made through the transactions it begins. One thread at a time.
class CountingStore : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override { return inner_.BeginWrite(); }
  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    Result<std::unique_ptr<ReadTxn>> txn = inner_.BeginRead();
    if (!txn.ok()) return txn.status();
    return std::unique_ptr<ReadTxn>(new Txn(calls_, std::move(*txn)));
  }
  std::int64_t FailureCount() const override { return inner_.FailureCount(); }

  const std::map<std::string, int>& calls() const { return calls_; }
  void Reset() { calls_.clear(); }

 private:
  class Txn final : public ForwardingReadTxn {
   public:
    Txn(std::map<std::string, int>& calls, std::unique_ptr<ReadTxn> inner)
        : ForwardingReadTxn(std::move(inner)), calls_(calls) {}

    Result<std::optional<CaseRow>> GetCase(const std::string& id) override {
      ++calls_["GetCase"];
      return inner().GetCase(id);
    }
    Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) override {
      ++calls_["CasesOfOrder"];
      return inner().CasesOfOrder(order_id);
    }
    Result<std::vector<CaseRow>> OtherCasesOfOrder(const std::string& order_id, const std::string& case_id) override {
      ++calls_["OtherCasesOfOrder"];
      return inner().OtherCasesOfOrder(order_id, case_id);
    }
    Result<std::vector<CaseRow>> CasesOfOrders(const std::vector<std::string>& order_ids) override {
      ++calls_["CasesOfOrders"];
      return inner().CasesOfOrders(order_ids);
    }
    Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) override {
      ++calls_["ListCases"];
      return inner().ListCases(filter);
    }
    Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) override {
      ++calls_["ListedDeadlines"];
      return inner().ListedDeadlines(case_id);
    }
    Result<std::vector<DeadlineRow>> ListedDeadlinesOf(const std::vector<std::string>& case_ids) override {
      ++calls_["ListedDeadlinesOf"];
      return inner().ListedDeadlinesOf(case_ids);
    }
    Result<std::vector<Text>> TextsOfCase(const std::string& case_id) override {
      ++calls_["TextsOfCase"];
      return inner().TextsOfCase(case_id);
    }
    Result<std::vector<Text>> TextsOfCases(const std::vector<std::string>& case_ids) override {
      ++calls_["TextsOfCases"];
      return inner().TextsOfCases(case_ids);
    }
    Result<std::optional<Text>> GetText(const std::string& id) override {
      ++calls_["GetText"];
      return inner().GetText(id);
    }
    Result<std::optional<Order>> GetOrder(const std::string& id) override {
      ++calls_["GetOrder"];
      return inner().GetOrder(id);
    }
    Result<std::vector<Order>> ListOrders(const OrderFilter& filter, int limit) override {
      ++calls_["ListOrders"];
      return inner().ListOrders(filter, limit);
    }
    Result<std::vector<DeadlineRow>> ListedOrderDeadlines(const std::string& order_id) override {
      ++calls_["ListedOrderDeadlines"];
      return inner().ListedOrderDeadlines(order_id);
    }
    Result<std::vector<DeadlineRow>> ListedOrderDeadlinesOf(const std::vector<std::string>& order_ids) override {
      ++calls_["ListedOrderDeadlinesOf"];
      return inner().ListedOrderDeadlinesOf(order_ids);
    }

   private:
    std::map<std::string, int>& calls_;
  };

  Store& inner_;
  std::map<std::string, int> calls_;
};

template <class T>
T Must(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

// Orders o<n> of buyer b1: delivered ones with two cases each (one
// commented on by the buyer and, internally, by an agent), and unshipped
// ones (an order_ship deadline each, already passed: the late order gets
// its compensation case).
void AddOrders(EngineHarness& h, int first, int last) {
  JsonApi& api = h.cases();
  for (int n = first; n <= last; ++n) {
    const std::string delivered = "o" + std::to_string(n);
    REQUIRE(EngineCreateOrder(api, h.user("integration"), MakeOrder(delivered, 3, 3000)).ok());
    for (int k = 0; k < 2; ++k) {
      Answer submitted = EngineSubmit(api, h.user("buyer"), RefundOnlyRequest(delivered));
      REQUIRE(submitted.ok());
      if (k == 0) {
        const std::string id = submitted.body["id"];
        REQUIRE(EngineAct(api, h.user("buyer"), id, "comment", {{"text", "buyer note " + id}}).ok());
        REQUIRE(EngineAct(api, h.user("agent"), id, "comment", {{"text", "internal note " + id}}).ok());
      }
    }
    json unshipped = MakeOrder("u" + std::to_string(n));
    unshipped["delivered_at"] = nullptr;  // ship_by: paid_at + 48 h
    REQUIRE(EngineCreateOrder(api, h.user("integration"), unshipped).ok());
  }
}

TEST_CASE("a list page reads the same statements for one item as for many, and answers the single reads",
          "[queries]") {
  EngineHarness h;
  CountingStore counting(h.store());
  CaseQueries queries(counting, h.clock(), h.policies());
  const Actor& agent = h.user("agent");
  const Actor& buyer = h.user("buyer");
  const Actor& warehouse = h.user("warehouse");

  auto case_page = [&](const Actor& actor) {
    counting.Reset();
    CasePage page = Must(queries.ListCases(actor, CaseListQuery{}));
    return std::make_pair(page, counting.calls());
  };
  auto order_page = [&](const Actor& actor) {
    counting.Reset();
    OrderPage page = Must(queries.ListOrders(actor, OrderListQuery{}));
    return std::make_pair(page, counting.calls());
  };

  AddOrders(h, 1, 1);
  const auto [small_cases, small_case_calls] = case_page(agent);
  const auto [small_orders, small_order_calls] = order_page(warehouse);
  REQUIRE(small_cases.items.size() >= 2);  // and a late order's compensation case
  REQUIRE(small_orders.items.size() == 2);

  AddOrders(h, 2, 6);
  for (const Actor* actor : {&agent, &buyer}) {
    INFO(NameOf(actor->role));
    const auto [page, calls] = case_page(*actor);
    REQUIRE(page.items.size() >= 6 * small_cases.items.size());
    CHECK(calls == small_case_calls);
    for (const CaseView& item : page.items) {
      INFO(item.kase.id);
      json single = CaseJson(Must(queries.GetCase(*actor, item.kase.id)));
      single.erase("refundable_amount");  // GET /cases/{id} alone
      CHECK(CaseJson(item) == single);
    }
  }
  const auto [orders, order_calls] = order_page(warehouse);
  REQUIRE(orders.items.size() == 12);
  CHECK(order_calls == small_order_calls);
  for (const OrderView& item : orders.items) {
    INFO(item.order.id);
    CHECK(OrderJson(item) == OrderJson(Must(queries.GetOrder(warehouse, item.order.id))));
  }
  // A fixed number: the list, then one batch read per kind of data.
  CHECK(small_case_calls == std::map<std::string, int>{{"ListCases", 1}, {"ListedDeadlinesOf", 1}, {"TextsOfCases", 1}});
  CHECK(small_order_calls ==
        std::map<std::string, int>{{"ListOrders", 1}, {"CasesOfOrders", 1}, {"ListedDeadlinesOf", 1},
                                   {"ListedOrderDeadlinesOf", 1}});
}

}  // namespace
}  // namespace aftersales::testing
