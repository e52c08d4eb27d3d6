#include "bench/shop_simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include "api/json_api.h"

namespace aftersales::bench {
namespace {

using nlohmann::json;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
constexpr int kProducts = 400;

// One scripted person action: `after` seconds after the previous step.
struct Step {
  std::int64_t after;
  Actor actor;
  std::string action;
  json body;
};

struct Pending {
  TimePoint at;
  std::int64_t order;  // tie-break: scheduling order
  std::size_t script;  // index into scripts
  std::size_t step;
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : order > o.order; }
};

struct Script {
  std::string case_id;
  std::vector<Step> steps;
};

// One buyer of SimulationOptions::buyer_population.
struct PopulationBuyer {
  double orders_per_year = 0;
  double return_share = 0;             // of the buyer's orders, those that become a case
  std::optional<TimePoint> last_case;  // when the buyer's previous case came
};

class Simulation {
 public:
  Simulation(Store& store, JsonApi& cases, ManualClock& clock, const SimulationOptions& options)
      : store_(store), cases_(cases), clock_(clock), options_(options), rng_(options.seed) {}

  Result<SimulationTotals> Run() {
    AS_RETURN_IF_ERROR(AddStaff());
    if (options_.buyer_population) DrawPopulation();
    const std::int64_t span = static_cast<std::int64_t>(options_.days) * kDay;
    const std::int64_t n = options_.cases;
    const TimePoint end = options_.start + span;
    for (std::int64_t i = 0; i < n; ++i) {
      const TimePoint t = options_.start + (n > 1 ? span * i / n : 0);
      AS_RETURN_IF_ERROR(RunUntil(t));
      AS_RETURN_IF_ERROR(StartCase(i, t));
      if (options_.progress && (i % 1000 == 999 || i + 1 == n)) options_.progress(i + 1, n);
    }
    AS_RETURN_IF_ERROR(RunUntil(end));
    return totals_;
  }

 private:
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::int64_t Hours(std::int64_t lo, std::int64_t hi) { return Uniform(lo * kHour, hi * kHour); }

  Status AddStaff() {
    auto txn = store_.BeginWrite();
    if (!txn.ok()) return txn.status();
    auto add = [&](const std::string& name, Role role, std::optional<Money> limit) -> Status {
      UserRow row;
      row.id = "u_" + name;
      row.name = name;
      row.role = role;
      row.approval_limit = limit;
      row.created_at = clock_.Now();
      Actor a;
      a.id = row.id;
      a.role = role;
      a.limit = limit;
      if (role == Role::kAgent) agents_.push_back(a);
      if (role == Role::kSupervisor) supervisors_.push_back(a);
      if (role == Role::kManager) manager_ = a;
      if (role == Role::kWarehouse) warehouse_ = a;
      if (role == Role::kFinance) finance_ = a;
      if (role == Role::kIntegration) integration_ = a;
      return (*txn)->InsertUser(row);
    };
    char name[32];
    for (int i = 1; i <= options_.agents; ++i) {
      std::snprintf(name, sizeof name, "agent-%02d", i);
      AS_RETURN_IF_ERROR(add(name, Role::kAgent, 20000));
    }
    for (int i = 1; i <= options_.supervisors; ++i) {
      std::snprintf(name, sizeof name, "supervisor-%02d", i);
      AS_RETURN_IF_ERROR(add(name, Role::kSupervisor, 200000));
    }
    AS_RETURN_IF_ERROR(add("manager-01", Role::kManager, std::nullopt));
    AS_RETURN_IF_ERROR(add("warehouse-01", Role::kWarehouse, std::nullopt));
    AS_RETURN_IF_ERROR(add("finance-01", Role::kFinance, std::nullopt));
    AS_RETURN_IF_ERROR(add("shop-integration", Role::kIntegration, std::nullopt));
    return (*txn)->Commit();
  }

  // Applies every scripted step due by `t`, in time order, firing the
  // deadlines that fall due in between as the scheduler would.
  Status RunUntil(TimePoint t) {
    while (!queue_.empty() && queue_.top().at <= t) {
      Pending p = queue_.top();
      queue_.pop();
      AS_RETURN_IF_ERROR(MoveClockTo(p.at));
      Script& s = scripts_[p.script];
      Step& step = s.steps[p.step];
      // The carrier reports a delivery when it happens.
      if (step.action == "carrier_update") step.body["at"] = FormatTime(p.at);
      auto applied = cases_.Apply(step.actor, s.case_id, step.action, step.body);
      ++totals_.actions;
      if (!applied.ok()) {
        if (applied.status().code() == Code::kUnavailable) return applied.status();
        ++totals_.rejected;  // a deadline acted first: the rest of the story is moot
        ++totals_.refused[step.action + ": " + applied.status().message().substr(0, 60)];
        s.steps.clear();
        continue;
      }
      if (applied->at("state") == "pending_approval") {
        const Actor& supervisor = supervisors_[Uniform(0, static_cast<std::int64_t>(supervisors_.size()) - 1)];
        s.steps.insert(s.steps.begin() + static_cast<std::ptrdiff_t>(p.step) + 1,
                       Step{Hours(1, 6), supervisor, "approve", json::object()});
      }
      if (p.step + 1 < s.steps.size()) {
        queue_.push({p.at + s.steps[p.step + 1].after, next_order_++, p.script, p.step + 1});
      } else {
        s.steps.clear();
        s.steps.shrink_to_fit();
      }
    }
    return MoveClockTo(t);
  }

  Status MoveClockTo(TimePoint t) {
    if (t > clock_.Now()) clock_.Advance(t - clock_.Now());
    for (;;) {
      auto fired = cases_.engine().sweeper().FireDue(1000);
      if (!fired.ok()) return fired.status();
      totals_.firings += static_cast<std::int64_t>(fired->size());
      if (fired->size() < 1000) return Status::Ok();
    }
  }

  Actor Buyer(const std::string& buyer_id) {
    Actor a;
    a.id = "buyer:" + buyer_id;
    a.role = Role::kBuyer;
    a.external_id = buyer_id;
    return a;
  }

  // Buyers until their cases a year add up to the simulation's. Orders a
  // year: log-normal, median 3 (the 99th percentile about 30); the share
  // returned: 94 % of buyers 2-35 %, 5 % 35-70 %, 1 % 70-100 %.
  void DrawPopulation() {
    const double cases_a_year = static_cast<double>(options_.cases) * 365.0 / std::max(1, options_.days);
    std::lognormal_distribution<double> orders(std::log(3.0), 1.0);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<double> weights;
    double total = 0;
    while (total < cases_a_year) {
      PopulationBuyer b;
      b.orders_per_year = orders(rng_);
      const double kind = unit(rng_);
      b.return_share = kind < 0.94   ? 0.02 + 0.33 * unit(rng_)
                       : kind < 0.99 ? 0.35 + 0.35 * unit(rng_)
                                     : 0.70 + 0.30 * unit(rng_);
      weights.push_back(b.orders_per_year * b.return_share);
      total += weights.back();
      population_.push_back(b);
      totals_.return_share_of_buyer["p-" + std::to_string(population_.size())] = b.return_share;
    }
    pick_buyer_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  }

  // An order of one line; what is random is drawn by the caller, in the
  // order the simulation has always drawn it (a seed gives the same shop).
  static json OrderJson(const std::string& id, const std::string& buyer_id, int product, int qty, const char* currency,
                        TimePoint placed, std::optional<TimePoint> delivered, Money shipping_paid) {
    const Money price = 990 + (product * 7919) % 60000;
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%04d", product);
    return {{"id", id},
            {"buyer_id", buyer_id},
            {"currency", currency},
            {"placed_at", FormatTime(placed)},
            {"delivered_at", delivered ? json(FormatTime(*delivered)) : json(nullptr)},
            {"shipping_paid", shipping_paid},
            {"lines", json::array({{{"line_id", "l1"},
                                    {"sku", sku},
                                    {"title", std::string("Product ") + sku},
                                    {"qty", qty},
                                    {"paid", price * qty},
                                    {"no_reason_return", true}}})}};
  }

  int Product() {
    return static_cast<int>(std::min<std::int64_t>(
        kProducts - 1, static_cast<std::int64_t>(std::exponential_distribution<double>(0.02)(rng_))));
  }

  // The population buyer of case `i` at `now`, after the orders that buyer
  // placed since their previous case and kept.
  Result<std::string> PopulationBuyerFor(std::int64_t i, TimePoint now) {
    const std::size_t index = pick_buyer_(rng_);
    PopulationBuyer& b = population_[index];
    const std::string buyer_id = "p-" + std::to_string(index + 1);
    const double cases_a_day = b.orders_per_year * b.return_share / 365.0;
    const std::int64_t gap =
        b.last_case ? now - *b.last_case
                    : std::min<std::int64_t>(
                          365 * kDay,
                          static_cast<std::int64_t>(std::exponential_distribution<double>(cases_a_day)(rng_) * kDay));
    b.last_case = now;
    const std::int64_t kept = std::geometric_distribution<std::int64_t>(b.return_share)(rng_);
    for (std::int64_t k = 0; k < kept; ++k) {
      const TimePoint placed = now - Uniform(kHour, std::max<std::int64_t>(kHour, gap));
      const TimePoint delivered = placed + Hours(30, 100);
      const int product = Product();
      auto created = cases_.CreateOrder(
          integration_,
          OrderJson("o-" + std::to_string(i + 1) + "-k" + std::to_string(k + 1), buyer_id, product, 1, "CNY", placed,
                    delivered < now ? std::optional<TimePoint>(delivered) : std::nullopt, 0));
      if (!created.ok()) return created.status();
      ++totals_.orders;
    }
    return buyer_id;
  }

  Status StartCase(std::int64_t i, TimePoint now) {
    // Most buyers return once; a few return often (the abuse signals).
    const std::int64_t buyers = std::max<std::int64_t>(1, options_.cases / 2);
    std::string buyer_id;
    if (options_.buyer_population) {
      auto drawn = PopulationBuyerFor(i, now);
      if (!drawn.ok()) return drawn.status();
      buyer_id = *drawn;
    } else {
      buyer_id = Chance(0.02) ? "b-heavy-" + std::to_string(Uniform(1, 50)) : "b-" + std::to_string(Uniform(1, buyers));
    }
    const int product = Product();
    const int qty = Chance(0.8) ? 1 : 2;
    const std::string order_id = "o-" + std::to_string(i + 1);
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%04d", product);
    const char* currency = Chance(0.03) ? "USD" : "CNY";
    const TimePoint placed = now - Hours(72, 200);
    const TimePoint delivered = now - Hours(2, 60);
    const Money shipping_paid = Chance(0.5) ? 0 : 800;
    const json order = OrderJson(order_id, buyer_id, product, qty, currency, placed, delivered, shipping_paid);
    auto created = cases_.CreateOrder(integration_, order);
    if (!created.ok()) return created.status();
    ++totals_.orders;

    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    const std::string type = roll < 0.35 ? "refund_only" : roll < 0.8 ? "return_refund" : "exchange";
    static const char* kReasons[] = {"no_reason",          "quality_issue", "not_as_described", "wrong_item",
                                     "damaged_in_transit", "missing_parts", "not_received",     "other"};
    std::string reason = kReasons[Uniform(0, 7)];
    if (type != "refund_only" && reason == "not_received") reason = "quality_issue";
    json line = {{"line_id", "l1"}, {"qty", Uniform(1, qty)}};
    if (type == "exchange") line["replacement_sku"] = std::string(sku) + "-X";
    json submit = {{"order_id", order_id}, {"type", type}, {"reason", reason}, {"lines", json::array({line})}};
    if (type == "exchange") submit["requested_amount"] = 0;
    auto kase = cases_.Submit(Buyer(buyer_id), submit);
    if (!kase.ok()) {
      if (kase.status().code() == Code::kUnavailable) return kase.status();
      ++totals_.rejected;
      return Status::Ok();
    }
    ++totals_.cases;
    const Money amount = kase->at("requested_amount").get<Money>();
    Script script{kase->at("id").get<std::string>(),
                  StoryOf(type, buyer_id, amount, line.at("qty").get<std::int64_t>())};
    if (!script.steps.empty()) {
      scripts_.push_back(std::move(script));
      queue_.push({now + scripts_.back().steps.front().after, next_order_++, scripts_.size() - 1, 0});
    }
    return Status::Ok();
  }

  // An agent approves; when that needs a supervisor (over the agent's
  // limit, or a flagged buyer), RunUntil adds the supervisor's approval.
  void Approve(std::vector<Step>& s, std::int64_t after) {
    s.push_back({after, agents_[Uniform(0, static_cast<std::int64_t>(agents_.size()) - 1)], "approve", json::object()});
  }

  void Refund(std::vector<Step>& s) {
    if (Chance(0.05)) s.push_back({Hours(1, 30), finance_, "refund_failed", {{"error", "channel timeout"}}});
    // Mostly within refund_issue's 72 h; some late (a breach).
    s.push_back({Chance(0.9) ? Hours(1, 60) : Hours(73, 120),
                 finance_,
                 "refund_issued",
                 {{"external_ref", "PAY-" + std::to_string(next_order_)}}});
  }

  // Merchant's first answer: mostly within merchant_response's 48 h.
  std::int64_t FirstAnswerDelay() { return Chance(0.9) ? Hours(1, 40) : Hours(49, 60); }

  void Reject(std::vector<Step>& s, const std::string& buyer_id, Money amount, bool goods_back) {
    const Actor& agent = agents_[Uniform(0, static_cast<std::int64_t>(agents_.size()) - 1)];
    s.push_back(
        {FirstAnswerDelay(), agent, "reject", {{"reason_code", Chance(0.5) ? "not_eligible" : "missing_evidence"}}});
    if (!Chance(0.4)) return;  // no appeal: appeal_window closes it
    s.push_back({Hours(2, 100), Buyer(buyer_id), "appeal", {{"note", "Please look again."}}});
    const bool grant = Chance(0.5);
    s.push_back({Chance(0.9) ? Hours(2, 70) : Hours(73, 90),
                 manager_,
                 "arbitrate",
                 {{"decision", grant ? "grant" : "uphold"}}});
    if (grant && !goods_back && amount > 0) Refund(s);
  }

  void ReturnGoods(std::vector<Step>& s, const std::string& buyer_id, std::int64_t qty, bool exchange, Money amount) {
    s.push_back({Hours(12, 100),
                 Buyer(buyer_id),
                 "ship_return",
                 {{"carrier", "SF"}, {"tracking_no", "SF" + std::to_string(next_order_)}}});
    const std::int64_t transit = Hours(20, 72);
    s.push_back({transit, integration_, "carrier_update", {{"shipment", "return"}, {"status", "delivered"}}});
    // Mostly within 72 h of delivery; some late (auto-receipt and a breach).
    const bool pass = Chance(0.85);
    static const char* kPassGrades[] = {"A", "B"};
    static const char* kFailGrades[] = {"C", "D"};
    json receive = {{"result", pass ? "pass" : "fail"},
                    {"grade", pass ? kPassGrades[Uniform(0, 1)] : kFailGrades[Uniform(0, 1)]},
                    {"lines", json::array({{{"line_id", "l1"}, {"received", qty}, {"damaged", pass ? 0 : qty}}})}};
    if (!pass) receive["note"] = "Scratches and signs of use.";
    s.push_back({Chance(0.92) ? Hours(2, 60) : Hours(80, 100), warehouse_, "receive", receive});
    if (!pass) {
      // The merchant decides again: usually approves anyway (a supervisor
      // when over an agent's limit: no pending_approval after a failed
      // inspection), sometimes rejects.
      if (Chance(0.7)) {
        if (amount > 20000) {
          s.push_back({Hours(2, 40), supervisors_[Uniform(0, options_.supervisors - 1)], "approve", json::object()});
        } else {
          Approve(s, Hours(2, 40));
        }
      } else {
        s.push_back({Hours(2, 40),
                     agents_[Uniform(0, options_.agents - 1)],
                     "reject",
                     {{"reason_code", "used_or_damaged_by_buyer"}}});
        return;
      }
    }
    if (exchange) {
      s.push_back({Chance(0.85) ? Hours(2, 46) : Hours(49, 70),
                   warehouse_,
                   "ship_replacement",
                   {{"carrier", "JD"}, {"tracking_no", "JD" + std::to_string(next_order_)}}});
      if (Chance(0.6)) s.push_back({Hours(24, 200), Buyer(buyer_id), "confirm_delivery", json::object()});
    } else {
      Refund(s);
    }
  }

  std::vector<Step> StoryOf(const std::string& type, const std::string& buyer_id, Money amount, std::int64_t qty) {
    std::vector<Step> s;
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (roll < 0.04) {
      s.push_back({Hours(1, 20), Buyer(buyer_id), "cancel", json::object()});
      return s;
    }
    if (roll < 0.09) return s;  // nobody answers: merchant_response approves (and breaches)
    if (roll < 0.24) {
      Reject(s, buyer_id, amount, type != "refund_only");
      return s;
    }
    if (type == "refund_only") {
      if (roll < 0.34 && amount > 200) {
        s.push_back({FirstAnswerDelay(),
                     agents_[Uniform(0, options_.agents - 1)],
                     "offer",
                     {{"amount", std::min<Money>(amount / 2, 20000)}, {"return_required", false}}});
        if (Chance(0.8)) {
          s.push_back({Hours(1, 100), Buyer(buyer_id), "accept_offer", json::object()});
          Refund(s);
        }
        return s;
      }
      Approve(s, FirstAnswerDelay());
      Refund(s);
      return s;
    }
    Approve(s, FirstAnswerDelay());
    if (Chance(0.08)) return s;  // the buyer never ships: buyer_ship closes it
    ReturnGoods(s, buyer_id, qty, type == "exchange", amount);
    return s;
  }

  Store& store_;
  JsonApi& cases_;
  ManualClock& clock_;
  SimulationOptions options_;
  std::mt19937_64 rng_;
  std::vector<Actor> agents_, supervisors_;
  Actor manager_, warehouse_, finance_, integration_;
  std::vector<Script> scripts_;
  std::vector<PopulationBuyer> population_;
  std::discrete_distribution<std::size_t> pick_buyer_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
  std::int64_t next_order_ = 0;
  SimulationTotals totals_;
};

}  // namespace

Result<SimulationTotals> Simulate(Store& store, JsonApi& cases, ManualClock& clock, const SimulationOptions& options) {
  return Simulation(store, cases, clock, options).Run();
}

}  // namespace aftersales::bench
