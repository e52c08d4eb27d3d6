#include "reliability/load_generator.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "domain/clock.h"
#include "reliability/api_client.h"

extern char** environ;

namespace aftersales::reliability {
namespace {

using nlohmann::json;

constexpr std::int64_t kAgentLimit = 20000;  // the shipped policy's default
constexpr int kMaxLineCount = 3;
constexpr int kMaxLineQty = 4;
constexpr int kRssSampleMillis = 250;
constexpr int kCasesPerClient = 6;  // below this many open cases per client, new ones come faster
constexpr std::int64_t kMaxClockStepHours = 60;
constexpr std::int64_t kNeglectDays = 12;
// A move fires every deadline it makes due, each in its own transaction
// behind the clients' writes: under a long soak one move can take minutes.
constexpr int kClockMoveTimeoutSeconds = 900;
constexpr std::size_t kProblemsKept = 10;

// Who may take each action (SPEC §2 and §4's `by` column). "buyer" is the
// buyer owning the order.
const std::map<std::string, std::set<std::string>>& ActionRoles() {
  static const std::set<std::string> kBuyerSide{"buyer", "integration"};
  static const std::set<std::string> kDeciders{"agent", "supervisor", "manager"};
  static const std::map<std::string, std::set<std::string>> kRoles{
      {"approve", kDeciders},
      {"reject", kDeciders},
      {"offer", kDeciders},
      {"accept_offer", kBuyerSide},
      {"decline_offer", kBuyerSide},
      {"modify", kBuyerSide},
      {"appeal", kBuyerSide},
      {"arbitrate", {"manager"}},
      {"cancel", kBuyerSide},
      {"assign", {"supervisor", "manager"}},
      {"ship_return", kBuyerSide},
      {"carrier_update", {"integration", "warehouse"}},
      {"receive", {"warehouse", "manager"}},
      {"refund_issued", {"finance", "integration"}},
      {"refund_failed", {"finance", "integration"}},
      {"ship_replacement", {"warehouse", "manager"}},
      {"confirm_delivery", kBuyerSide},
  };
  return kRoles;
}

// The states each action leaves from (SPEC §4), `comment` and `assign`
// aside (every open state).
const std::map<std::string, std::set<std::string>>& ActionStates() {
  static const std::set<std::string> kDecidable{"requested", "pending_approval", "inspection_failed"};
  static const std::map<std::string, std::set<std::string>> kStates{
      {"approve", kDecidable},
      {"reject", kDecidable},
      {"offer", kDecidable},
      {"accept_offer", {"negotiating"}},
      {"decline_offer", {"negotiating"}},
      {"modify", {"rejected"}},
      {"appeal", {"rejected", "negotiating"}},
      {"arbitrate", {"escalated"}},
      {"cancel", {"requested", "pending_approval", "negotiating", "rejected", "awaiting_return"}},
      {"ship_return", {"awaiting_return"}},
      {"carrier_update", {"return_in_transit", "replacement_shipped"}},
      {"receive", {"awaiting_return", "return_in_transit"}},
      {"refund_issued", {"refunding"}},
      {"refund_failed", {"refunding"}},
      {"ship_replacement", {"replacement_pending"}},
      {"confirm_delivery", {"replacement_shipped"}},
  };
  return kStates;
}

const std::vector<std::string> kAllRoles{"buyer",   "integration", "agent",   "supervisor",
                                         "manager", "warehouse",   "finance", "admin"};
const std::vector<std::string> kReasons{"quality_issue", "not_as_described", "wrong_item", "damaged_in_transit",
                                        "missing_parts", "not_received",     "other",      "no_reason"};
const std::vector<std::string> kRejectReasons{"used_or_damaged_by_buyer", "missing_evidence", "not_eligible",
                                              "duplicate_request", "other"};

// What a client knows of a case from GET /cases/{id}.
struct CaseView {
  std::string id;
  std::string type;
  std::string state;
  std::int64_t version = 0;
  std::string buyer_id;
  std::int64_t requested_amount = 0;
  std::int64_t lines_amount = 0;
  std::string return_shipped_at;
  std::string replacement_shipped_at;

  static CaseView From(const json& c) {
    CaseView v;
    v.id = c.at("id").get<std::string>();
    v.type = c.at("type").get<std::string>();
    v.state = c.at("state").get<std::string>();
    v.version = c.at("version").get<std::int64_t>();
    v.buyer_id = c.at("buyer_id").get<std::string>();
    v.requested_amount = c.at("requested_amount").get<std::int64_t>();
    for (const json& l : c.at("lines")) v.lines_amount += l.value("amount", std::int64_t{0});
    for (const char* leg : {"return_shipment", "replacement_shipment"}) {
      const json& s = c.at(leg);
      if (s.is_object() && s.contains("shipped_at") && s["shipped_at"].is_string()) {
        (std::string(leg) == "return_shipment" ? v.return_shipped_at : v.replacement_shipped_at) =
            s["shipped_at"].get<std::string>();
      }
    }
    return v;
  }
  bool open() const {
    const auto& open_states = OpenStates();
    return std::find(open_states.begin(), open_states.end(), state) != open_states.end();
  }
  // The amount an approval is checked against (SPEC §4: an exchange
  // counts the value of its lines).
  std::int64_t approval_amount() const { return type == "exchange" ? lines_amount : requested_amount; }
};

// One request to make: an action by a user, with its body.
struct Plan {
  std::string action;
  std::string role;  // a role of ActionRoles, "admin", or "other-buyer"
  json body = json::object();
  int weight = 1;
};

// The answer parts the checks compare (LoggedRequest::answer).
json TrimAnswer(RequestKind kind, const json& body) {
  if (!body.is_object()) return nullptr;
  switch (kind) {
    case RequestKind::kSubmit:
    case RequestKind::kAction: {
      json refunds = json::array();
      for (const json& r : body.value("refunds", json::array())) {
        refunds.push_back({{"id", r.at("id")}, {"amount", r.at("amount")}});
      }
      return json{{"id", body.at("id")},
                  {"state", body.at("state")},
                  {"version", body.at("version")},
                  {"refunds", std::move(refunds)}};
    }
    case RequestKind::kClock:
      return json{{"now", body.at("now")}, {"fired", body.at("fired")}};
    case RequestKind::kOrder:
      return json{{"id", body.at("id")}};
    case RequestKind::kRead:
      return nullptr;
  }
  return nullptr;
}

// State shared by the threads of one load process.
class SharedState {
 public:
  SharedState(const LoadOptions& options, const RunFixture& fixture, RequestLog& log)
      : options(options), fixture(fixture), log(log) {}

  const LoadOptions& options;
  const RunFixture& fixture;
  RequestLog& log;
  std::atomic<bool> stop{false};
  std::atomic<bool> server_gone{false};
  std::atomic<TimePoint> known_now{0};
  std::atomic<std::int64_t> sent{0}, acknowledged{0}, refused{0}, unanswered{0}, server_errors{0};
  std::atomic<std::int64_t> gateway_errors{0}, transient{0}, resent_now{0}, races{0}, races_contested{0};

  void AddCase(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(cases_.begin(), cases_.end(), id) == cases_.end()) cases_.push_back(id);
  }
  void DropCase(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    cases_.erase(std::remove(cases_.begin(), cases_.end(), id), cases_.end());
  }
  std::size_t CaseCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return cases_.size();
  }
  std::optional<std::string> PickCase(std::mt19937_64& rng) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cases_.empty()) return std::nullopt;
    return cases_[std::uniform_int_distribution<std::size_t>(0, cases_.size() - 1)(rng)];
  }
  // Something the clients could not make sense of (an answer without the
  // fields SPEC §3 promises); it fails the load.
  void Problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (problems_.size() < kProblemsKept) problems_.push_back(what);
    ++problem_count_;
  }
  std::vector<std::string> problems() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> all = problems_;
    if (problem_count_ > static_cast<std::int64_t>(problems_.size())) {
      all.push_back("... " + std::to_string(problem_count_ - static_cast<std::int64_t>(problems_.size())) + " more");
    }
    return all;
  }

  void Count(const LoggedRequest& r) {
    ++sent;
    if (r.transient_refusal()) ++transient;
    if (r.status == 0) {
      ++unanswered;
    } else if (r.gateway) {
      ++gateway_errors;
    } else if (r.status >= 500) {
      ++server_errors;
    } else if (r.acknowledged()) {
      ++acknowledged;
    } else {
      ++refused;
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::string> cases_;
  std::vector<std::string> problems_;
  std::int64_t problem_count_ = 0;
};

// Runs `step`, turning an exception (an answer that does not parse as
// promised) into a problem of the run.
template <class Step>
void Guarded(SharedState& shared, const char* what, Step step) {
  try {
    step();
  } catch (const std::exception& e) {
    shared.Problem(std::string(what) + ": " + e.what());
  }
}

// Wall time in milliseconds since the epoch (the scripts' `date +%s%3N`).
std::int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether a request that got the answer in `r` is sent again behind a
// proxy (LoadOptions::behind_proxy), after `attempts` attempts of which
// `in_progress` were answered idempotency_in_progress.
bool SendAgain(const SharedState& shared, const LoggedRequest& r, int attempts, int in_progress) {
  if (!shared.options.behind_proxy || attempts >= kMaxAttempts || shared.stop) return false;
  if (r.kind == RequestKind::kClock || r.kind == RequestKind::kRead || !r.invalid.empty()) return false;
  if (r.transient_refusal()) return true;  // nothing was changed: any client tries again
  // A key held by a server that died stays held for kClaimSeconds (120 s,
  // web/idempotency.h): two tries, then the request is left open.
  if (r.code == "idempotency_in_progress") return in_progress < 2;
  return r.ambiguous() && !r.idempotency_key.empty();
}

// Sends `r` with `token` as bearer (none when empty), records its answer in
// `r`, appends it to the log and counts it. Returns the answer. Behind a
// proxy, sends it again while SendAgain says so, each attempt logged.
Answer SendLogged(ApiClient& api, SharedState& shared, LoggedRequest& r, const std::string& token) {
  Answer answer;
  int in_progress = 0;
  for (int attempt = 1;; ++attempt) {
    r.sent_ms = WallMillis();
    answer = api.Send(r.method, r.path, token, r.body, r.idempotency_key);
    r.answered_ms = WallMillis();
    r.status = answer.status;
    r.replayed = answer.replayed;
    r.gateway = false;
    r.answer = nullptr;
    r.code.clear();
    if (answer.ok()) {
      r.answer = TrimAnswer(r.kind, answer.Json());
      if (r.kind == RequestKind::kSubmit && r.answer.is_object()) r.case_id = r.answer.at("id").get<std::string>();
    } else if (answer.status != 0) {
      r.code = answer.Code();
      r.gateway = shared.options.behind_proxy && answer.status >= 500 && r.code.empty();
    }
    shared.log.Append(r);
    shared.Count(r);
    if (answer.status == 0 && !shared.options.behind_proxy && !ServerAnswers(shared.options.base_url)) {
      shared.server_gone = true;
    }
    if (r.code == "idempotency_in_progress") ++in_progress;
    if (!SendAgain(shared, r, attempt, in_progress)) return answer;
    ++shared.resent_now;
    r.retry = true;
    SleepForMillis(std::min(1000, 150 * attempt * attempt));
  }
}

class Client {
 public:
  Client(int index, SharedState& shared)
      : index_(index),
        shared_(shared),
        fixture_(shared.fixture),
        api_(shared.options.base_url),
        rng_(shared.options.seed * 7919 + static_cast<std::uint64_t>(index)) {}

  void Run() {
    while (!shared_.stop && !shared_.server_gone) {
      const std::size_t open_cases = shared_.CaseCount();
      const double new_case_chance =
          open_cases < static_cast<std::size_t>(kCasesPerClient * shared_.options.clients) ? 0.4 : 0.1;
      if (Chance(new_case_chance)) {
        Guarded(shared_, "creating a case", [this] { CreateCase(); });
      } else {
        Guarded(shared_, "acting on a case", [this] { ActOnCase(); });
      }
    }
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  template <class T>
  const T& OneOf(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Between(0, static_cast<std::int64_t>(v.size()) - 1))];
  }

  std::string NextTag() {
    return shared_.options.run_id + "-c" + std::to_string(index_) + "-" + std::to_string(++sequence_);
  }

  LoggedRequest NewRequest(RequestKind kind, const std::string& method, const std::string& path) {
    LoggedRequest r;
    r.tag = NextTag();
    r.client = index_;
    r.kind = kind;
    r.method = method;
    r.path = path;
    return r;
  }

  // The fixture buyer owning `buyer_id`, if the run made one.
  const RunUser* OwningBuyer(const std::string& buyer_id) const {
    for (const RunUser& b : fixture_.buyers) {
      if (b.external_id == buyer_id) return &b;
    }
    return nullptr;
  }

  // The user that acts as `role` on a case of `buyer_id`: "buyer" is the
  // owning buyer when the run has one (else the integration acts for the
  // buyer), "other-buyer" one who does not own it.
  const RunUser* UserFor(const std::string& role, const std::string& buyer_id) const {
    if (role == "admin") return &fixture_.admin;
    if (role == "buyer") {
      const RunUser* owner = OwningBuyer(buyer_id);
      return owner != nullptr ? owner : &fixture_.Staff("integration");
    }
    if (role == "other-buyer") {
      for (const RunUser& b : fixture_.buyers) {
        if (b.external_id != buyer_id) return &b;
      }
      return nullptr;
    }
    return &fixture_.Staff(role);
  }

  std::string BuyerSideRole() { return Chance(0.5) ? "buyer" : "integration"; }

  void CreateCase() {
    const TimePoint now = shared_.known_now.load();
    const std::string order_id =
        shared_.options.run_id + "-o" + std::to_string(index_) + "-" + std::to_string(++orders_);
    const RunUser* buyer = Chance(0.3) && !fixture_.buyers.empty() ? &OneOf(fixture_.buyers) : nullptr;
    const std::string buyer_id = buyer != nullptr ? buyer->external_id : "bx-" + order_id;
    json lines = json::array();
    const int line_count = static_cast<int>(Between(1, kMaxLineCount));
    for (int i = 1; i <= line_count; ++i) {
      // Now and then a line above an agent's approval limit.
      const std::int64_t paid = Chance(0.1) ? Between(kAgentLimit + 5000, 4 * kAgentLimit) : Between(100, 6000);
      lines.push_back({{"line_id", "l" + std::to_string(i)},
                       {"sku", "SKU-" + std::to_string(Between(1, 40))},
                       {"title", "Item " + std::to_string(i)},
                       {"qty", Between(1, kMaxLineQty)},
                       {"paid", paid},
                       {"no_reason_return", true}});
    }
    const bool delivered = Chance(0.9);
    json order{{"id", order_id},
               {"buyer_id", buyer_id},
               {"currency", "CNY"},
               {"placed_at", FormatTime(now - 5 * kDay)},
               {"delivered_at", delivered ? json(FormatTime(now - kHour)) : json(nullptr)},
               {"shipping_paid", Chance(0.5) ? Between(500, 1500) : 0},
               {"lines", lines}};
    LoggedRequest r = NewRequest(RequestKind::kOrder, "POST", "/api/v1/orders");
    r.actor = "integration";
    r.body = order.dump();
    r.idempotency_key = r.tag;
    if (!SendLogged(api_, shared_, r, fixture_.Staff("integration").token).ok()) return;

    const int cases = Chance(0.3) ? 2 : 1;  // a second case on the order presses the ledger
    for (int n = 0; n < cases && !shared_.server_gone; ++n) Submit(order_id, buyer_id, buyer, lines);
  }

  void Submit(const std::string& order_id, const std::string& buyer_id, const RunUser* buyer, const json& lines) {
    static const std::vector<std::string> kTypes{"refund_only", "refund_only", "return_refund", "return_refund",
                                                 "exchange"};
    LoggedRequest r = NewRequest(RequestKind::kSubmit, "POST", "/api/v1/cases");
    json case_lines = json::array();
    for (const json& l : lines) {
      if (!case_lines.empty() && Chance(0.5)) continue;
      json line{{"line_id", l.at("line_id")}, {"qty", Between(1, l.at("qty").get<std::int64_t>())}};
      case_lines.push_back(std::move(line));
    }
    const std::string type = OneOf(kTypes);
    json body{{"order_id", order_id},      {"type", type},       {"reason", OneOf(kReasons)}, {"description", r.tag},
              {"evidence", json::array()}, {"lines", case_lines}};
    std::string role = "integration";
    if (buyer != nullptr && Chance(0.6)) {
      role = "buyer";
    } else if (Chance(0.25)) {
      role = "agent";
    }
    if (role != "buyer") body["buyer_id"] = buyer_id;
    const RunUser* user = role == "buyer" ? buyer : &fixture_.Staff(role);
    r.actor = user->name;
    r.body = body.dump();
    if (Chance(0.9)) r.idempotency_key = r.tag;
    if (SendLogged(api_, shared_, r, user->token).ok()) shared_.AddCase(r.case_id);
  }

  // Reads a case as the manager (who sees every case); logs only failures.
  std::optional<CaseView> ReadCase(const std::string& case_id) {
    LoggedRequest r = NewRequest(RequestKind::kRead, "GET", "/api/v1/cases/" + case_id);
    r.actor = "manager";
    r.case_id = case_id;
    const std::int64_t sent_ms = WallMillis();
    const Answer answer = api_.Get(r.path, fixture_.Staff("manager").token);
    if (answer.ok()) {
      const json body = answer.Json();
      if (body.is_object()) return CaseView::From(body);
    }
    r.status = answer.status;
    r.code = answer.Code();
    r.gateway = shared_.options.behind_proxy && answer.status >= 500 && r.code.empty();
    r.sent_ms = sent_ms;
    r.answered_ms = WallMillis();
    shared_.log.Append(r);
    shared_.Count(r);
    if (answer.status == 0 && !shared_.options.behind_proxy && !ServerAnswers(shared_.options.base_url)) {
      shared_.server_gone = true;
    }
    return std::nullopt;
  }

  void ActOnCase() {
    const std::optional<std::string> id = shared_.PickCase(rng_);
    if (!id) {
      CreateCase();
      return;
    }
    const std::optional<CaseView> kase = ReadCase(*id);
    if (!kase) return;
    if (!kase->open()) {
      shared_.DropCase(kase->id);
      return;
    }
    if (LeftForItsDeadline(*kase)) return;
    if (shared_.options.invalid_requests && Chance(0.35)) {
      SendInvalid(*kase);
      return;
    }
    std::vector<Plan> plans = ValidPlans(*kase);
    int total = 0;
    for (const Plan& p : plans) total += p.weight;
    int pick = static_cast<int>(Between(0, total - 1));
    for (Plan& p : plans) {
      pick -= p.weight;
      if (pick < 0) {
        SendAction(*kase, std::move(p), "", Chance(0.8) ? std::optional<std::int64_t>(kase->version) : std::nullopt);
        return;
      }
    }
  }

  // Whether nobody acts on the case in its state for now, so that its
  // deadline fires instead: a third of the cases in each state, chosen
  // afresh every kNeglectDays of test-clock time (longer than the longest
  // deadline).
  bool LeftForItsDeadline(const CaseView& c) const {
    const auto window = static_cast<std::size_t>(shared_.known_now.load() / (kNeglectDays * kDay));
    return (std::hash<std::string>{}(c.id + "/" + c.state) + window) % 3 == 0;
  }

  // An approver whose limit covers `amount` (an agent only when it does).
  std::string Approver(std::int64_t amount) {
    if (amount > kAgentLimit) return Chance(0.5) ? "supervisor" : "manager";
    return OneOf(std::vector<std::string>{"agent", "agent", "supervisor", "manager"});
  }

  // Actions that the case's state allows, each by a role that may take it,
  // weighted so that cases move on towards their end.
  std::vector<Plan> ValidPlans(const CaseView& c) {
    std::vector<Plan> plans;
    auto add = [&plans](std::string action, std::string role, json body, int weight) {
      plans.push_back(Plan{std::move(action), std::move(role), std::move(body), weight});
    };
    const std::int64_t offer_amount = std::max<std::int64_t>(1, std::min(c.lines_amount, 2 * kAgentLimit) / 2);
    auto add_decisions = [&](int approve_weight) {
      add("approve", Approver(c.approval_amount()), json::object(), approve_weight);
      add("reject", OneOf(std::vector<std::string>{"agent", "supervisor"}),
          json{{"reason_code", OneOf(kRejectReasons)}}, 2);
      add("offer", Approver(offer_amount),
          json{{"amount", offer_amount}, {"return_required", c.type != "refund_only" && Chance(0.5)}}, 2);
    };
    const std::string& s = c.state;
    if (s == "requested") {
      add_decisions(5);
      add("cancel", BuyerSideRole(), json::object(), 1);
    } else if (s == "pending_approval") {
      add("approve", Chance(0.5) ? "supervisor" : "manager", json::object(), 5);
      add("reject", "supervisor", json{{"reason_code", OneOf(kRejectReasons)}}, 1);
      add("offer", Approver(offer_amount), json{{"amount", offer_amount}, {"return_required", false}}, 1);
      add("cancel", BuyerSideRole(), json::object(), 1);
    } else if (s == "negotiating") {
      add("accept_offer", BuyerSideRole(), json::object(), 4);
      add("decline_offer", BuyerSideRole(), json::object(), 2);
      add("appeal", BuyerSideRole(), json::object(), 1);
      add("cancel", BuyerSideRole(), json::object(), 1);
    } else if (s == "rejected") {
      add("modify", BuyerSideRole(), json{{"description", "modified"}}, 3);
      add("appeal", BuyerSideRole(), json::object(), 2);
      add("cancel", BuyerSideRole(), json::object(), 1);
    } else if (s == "escalated") {
      add("arbitrate", "manager", json{{"decision", Chance(0.7) ? "grant" : "uphold"}}, 5);
    } else if (s == "awaiting_return") {
      add("ship_return", BuyerSideRole(), json{{"carrier", "SF"}, {"tracking_no", "SF" + std::to_string(sequence_)}},
          6);
      add("receive", "warehouse", json{{"result", "pass"}, {"grade", "A"}}, 2);
      add("cancel", BuyerSideRole(), json::object(), 1);
    } else if (s == "return_in_transit") {
      add("receive", Chance(0.8) ? "warehouse" : "manager", json{{"result", Chance(0.8) ? "pass" : "fail"}}, 5);
      add("carrier_update", Chance(0.5) ? "integration" : "warehouse",
          json{{"shipment", "return"}, {"status", "delivered"}, {"at", c.return_shipped_at}}, 2);
    } else if (s == "inspection_failed") {
      add_decisions(3);
    } else if (s == "refunding") {
      add("refund_issued", Chance(0.7) ? "finance" : "integration",
          json{{"external_ref", "pay-" + std::to_string(sequence_)}}, 5);
      add("refund_failed", "finance", json{{"error", "declined by the bank"}}, 2);
    } else if (s == "replacement_pending") {
      add("ship_replacement", "warehouse", json{{"carrier", "JD"}, {"tracking_no", "JD" + std::to_string(sequence_)}},
          5);
    } else if (s == "replacement_shipped") {
      add("confirm_delivery", BuyerSideRole(), json::object(), 4);
      add("carrier_update", "warehouse",
          json{{"shipment", "replacement"}, {"status", "delivered"}, {"at", c.replacement_shipped_at}}, 2);
    }
    add("comment", OneOf(kAllRoles), json{{"text", "a comment"}}, 1);
    if (s != "escalated" || Chance(0.5)) {
      const std::string assignee = OneOf(std::vector<std::string>{"agent", "supervisor", ""});
      add("assign", "supervisor",
          json{{"assignee", assignee.empty() ? json(nullptr) : json(fixture_.Staff(assignee).id)}}, 1);
    }
    return plans;
  }

  // Sends `plan` on case `c` with the request's tag as note; `invalid`
  // names what is wrong with it on purpose ("" for nothing).
  void SendAction(const CaseView& c, Plan plan, const std::string& invalid,
                  std::optional<std::int64_t> expected_version) {
    LoggedRequest r = NewRequest(RequestKind::kAction, "POST", "/api/v1/cases/" + c.id + "/actions/" + plan.action);
    r.action = plan.action;
    r.case_id = c.id;
    r.invalid = invalid;
    json body = std::move(plan.body);
    body["note"] = r.tag;
    if (expected_version) body["expected_version"] = *expected_version;
    r.body = body.dump();
    if (invalid.empty() && Chance(0.9)) r.idempotency_key = r.tag;
    const RunUser* user = UserFor(plan.role, c.buyer_id);
    if (user == nullptr) return;
    r.actor = user->name;
    SendLogged(api_, shared_, r, user->token);
  }

  // One request wrong on purpose (the soak), chosen among the kinds that
  // AllowedRefusals knows.
  void SendInvalid(const CaseView& c) {
    const std::vector<Plan> valid = ValidPlans(c);
    Plan plan = OneOf(valid);
    const std::int64_t kind = Between(0, 8);
    if (kind == 0) {  // a body that is not JSON
      LoggedRequest r = NewRequest(RequestKind::kAction, "POST", "/api/v1/cases/" + c.id + "/actions/" + plan.action);
      r.action = plan.action;
      r.case_id = c.id;
      r.invalid = "malformed_json";
      r.body = "{\"note\": \"" + r.tag + "\",";
      const RunUser* user = UserFor(plan.role, c.buyer_id);
      r.actor = user->name;
      SendLogged(api_, shared_, r, user->token);
    } else if (kind == 1) {  // a field the action does not take
      plan.body["surprise"] = 1;
      SendAction(c, std::move(plan), "unknown_field", c.version);
    } else if (kind == 2) {  // a field of the wrong type
      plan.body["expected_version"] = c.version;
      plan.body["note"] = 42;
      LoggedRequest r = NewRequest(RequestKind::kAction, "POST", "/api/v1/cases/" + c.id + "/actions/" + plan.action);
      r.action = plan.action;
      r.case_id = c.id;
      r.invalid = "wrong_type";
      r.body = plan.body.dump();
      const RunUser* user = UserFor(plan.role, c.buyer_id);
      r.actor = user->name;
      SendLogged(api_, shared_, r, user->token);
    } else if (kind == 3 && c.version > 1) {  // a stale version
      SendAction(c, std::move(plan), "stale_version", c.version - 1);
    } else if (kind == 4) {  // a role that never takes the action
      std::vector<std::string> wrong;
      const auto& roles = ActionRoles();
      auto allowed = roles.find(plan.action);
      if (allowed == roles.end()) return;  // comment: anyone who sees the case
      for (const std::string& role : kAllRoles) {
        if (!allowed->second.count(role) && (role != "buyer" || OwningBuyer(c.buyer_id) != nullptr)) {
          wrong.push_back(role);
        }
      }
      if (wrong.empty()) return;
      plan.role = OneOf(wrong);
      SendAction(c, std::move(plan), "wrong_role", c.version);
    } else if (kind == 5) {  // an action the state does not allow, by a role that takes it elsewhere
      std::vector<std::string> elsewhere;
      for (const auto& [action, states] : ActionStates()) {
        if (!states.count(c.state)) elsewhere.push_back(action);
      }
      Plan wrong_state;
      wrong_state.action = OneOf(elsewhere);
      const auto& roles = ActionRoles().at(wrong_state.action);
      wrong_state.role = roles.count("manager") ? "manager" : *roles.rbegin();
      SendAction(c, std::move(wrong_state), "wrong_state", c.version);
    } else if (kind == 6) {  // a buyer who does not own the case
      if (fixture_.buyers.size() < 2) return;
      plan.role = "other-buyer";
      SendAction(c, std::move(plan), "other_buyer", c.version);
    } else if (kind == 7) {  // no token, or a made-up one
      LoggedRequest r = NewRequest(RequestKind::kAction, "POST", "/api/v1/cases/" + c.id + "/actions/" + plan.action);
      r.action = plan.action;
      r.case_id = c.id;
      r.invalid = "unauthenticated";
      json body = plan.body;
      body["note"] = r.tag;
      r.body = body.dump();
      SendLogged(api_, shared_, r, Chance(0.5) ? "" : "as_0000000000000000000000000000000000000000");
    } else {  // a case or an action that does not exist
      const bool no_case = Chance(0.5);
      const std::string case_id = no_case ? "cs_0000000000000000" : c.id;
      LoggedRequest r = NewRequest(RequestKind::kAction, "POST",
                                   "/api/v1/cases/" + case_id + "/actions/" + (no_case ? plan.action : "frobnicate"));
      r.action = no_case ? plan.action : "frobnicate";
      r.case_id = case_id;
      r.invalid = "not_found";
      r.body = json{{"note", r.tag}}.dump();
      r.actor = "manager";
      SendLogged(api_, shared_, r, fixture_.Staff("manager").token);
    }
  }

  int index_;
  SharedState& shared_;
  const RunFixture& fixture_;
  ApiClient api_;
  std::mt19937_64 rng_;
  std::int64_t sequence_ = 0;
  std::int64_t orders_ = 0;
};

// One request of a race and the token it is sent with.
struct RaceEntry {
  LoggedRequest request;
  std::string token;
  Answer answer;
};

// Sends every entry at the same instant, each from a connection of its own
// (behind the proxy: to the servers in turn), and waits for every answer.
void SendAtOnce(SharedState& shared, std::vector<RaceEntry>& entries) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t ready = 0;
  bool go = false;
  std::vector<std::thread> threads;
  threads.reserve(entries.size());
  for (RaceEntry& entry : entries) {
    threads.emplace_back([&shared, &entry, &mu, &cv, &ready, &go] {
      ApiClient api(shared.options.base_url);
      api.Get("/healthz", "");  // the connection is open before the start
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&go] { return go; });
      }
      entry.answer = SendLogged(api, shared, entry.request, entry.token);
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready == entries.size(); });
    go = true;
  }
  cv.notify_all();
  for (std::thread& t : threads) t.join();
}

// Races (LoadOptions::race_every_seconds): several clients at once on one
// order and its cases, each race naming how many of its requests may win.
class Racer {
 public:
  Racer(SharedState& shared, std::uint64_t seed)
      : shared_(shared), fixture_(shared.fixture), api_(shared.options.base_url), rng_(seed) {}

  void Run() {
    while (!shared_.stop) {
      const double until = MonotonicSeconds() + shared_.options.race_every_seconds;
      while (!shared_.stop && MonotonicSeconds() < until) SleepForMillis(20);
      if (shared_.stop) return;
      Guarded(shared_, "racing", [this] { Round(); });
    }
  }

 private:
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  LoggedRequest NewRequest(RequestKind kind, const std::string& path, const std::string& tag) {
    LoggedRequest r;
    r.tag = tag;
    r.client = -2;
    r.kind = kind;
    r.method = "POST";
    r.path = path;
    r.idempotency_key = Between(0, 9) < 9 ? tag : "";
    return r;
  }

  // Counts a race: contested when one racer won and another was refused.
  void Settle(const std::vector<RaceEntry>& entries, std::size_t first, std::size_t last) {
    bool won = false, lost = false;
    for (std::size_t i = first; i < last; ++i) {
      won = won || entries[i].request.acknowledged();
      lost = lost || entries[i].request.definitive_refusal();
    }
    ++shared_.races;
    if (won && lost) ++shared_.races_contested;
  }

  void Round() {
    const std::string base = shared_.options.run_id + "-race" + std::to_string(++round_);
    const int racers = std::max(2, shared_.options.racers);
    // An order whose first line several cases will want.
    const std::int64_t qty = Between(2, 3);
    const std::int64_t unit = Between(500, 3000);
    const std::string order_id = base + "-o";
    const std::string buyer_id = "bx-" + base;
    const TimePoint now = shared_.known_now.load();
    json order{{"id", order_id},
               {"buyer_id", buyer_id},
               {"currency", "CNY"},
               {"placed_at", FormatTime(now - 5 * kDay)},
               {"delivered_at", FormatTime(now - kHour)},
               {"shipping_paid", Between(0, 1) == 0 ? Between(500, 1500) : 0},
               {"lines", json::array({json{{"line_id", "l1"},
                                           {"sku", "SKU-R1"},
                                           {"title", "Raced item"},
                                           {"qty", qty},
                                           {"paid", qty * unit},
                                           {"no_reason_return", true}},
                                      json{{"line_id", "l2"},
                                           {"sku", "SKU-R2"},
                                           {"title", "Other item"},
                                           {"qty", 1},
                                           {"paid", Between(100, 2000)},
                                           {"no_reason_return", true}}})}};
    LoggedRequest r = NewRequest(RequestKind::kOrder, "/api/v1/orders", base + "-order");
    r.actor = "integration";
    r.body = order.dump();
    r.idempotency_key = r.tag;
    if (!SendLogged(api_, shared_, r, fixture_.Staff("integration").token).ok() || shared_.stop) return;

    // 1. Submits for the same units: each wants the whole line (one may
    //    win), or one unit each, one racer more than there are units.
    const bool whole_line = Between(0, 1) == 0;
    const int submitters = whole_line ? racers : static_cast<int>(qty) + 1;
    std::vector<RaceEntry> submits;
    for (int i = 0; i < submitters; ++i) {
      RaceEntry e;
      e.request = NewRequest(RequestKind::kSubmit, "/api/v1/cases", base + "-submit-" + std::to_string(i));
      const std::string role = i % 2 == 0 ? "integration" : "agent";
      e.request.actor = role;
      e.request.race = base + "-submit";
      e.request.race_limit = whole_line ? 1 : static_cast<int>(qty);
      e.request.body = json{{"order_id", order_id},
                            {"buyer_id", buyer_id},
                            {"type", "refund_only"},
                            {"reason", "quality_issue"},
                            {"description", e.request.tag},
                            {"evidence", json::array()},
                            {"lines", json::array({json{{"line_id", "l1"}, {"qty", whole_line ? qty : 1}}})}}
                           .dump();
      e.token = fixture_.Staff(role).token;
      submits.push_back(std::move(e));
    }
    SendAtOnce(shared_, submits);
    Settle(submits, 0, submits.size());
    std::vector<CaseView> cases;
    for (const RaceEntry& e : submits) {
      if (e.request.acknowledged() && e.request.answer.is_object()) cases.push_back(Won(e.request));
    }
    if (cases.empty() || shared_.stop) return;

    // 2. Approvals of every case that won, all at once: one per case may
    //    win, and their refunds race on the one order. Half the racers
    //    send the version they saw, half none.
    std::vector<RaceEntry> approvals;
    std::vector<std::size_t> bounds{0};
    for (const CaseView& c : cases) {
      if (c.state != "requested" && c.state != "pending_approval") continue;
      for (int i = 0; i < racers; ++i) {
        json body{{"note", base + "-approve-" + c.id + "-" + std::to_string(i)}};
        if (i % 2 == 0) body["expected_version"] = c.version;
        approvals.push_back(
            Action(c, "approve", i % 2 == 0 ? "supervisor" : "manager", std::move(body), base + "-approve-" + c.id));
      }
      bounds.push_back(approvals.size());
    }
    SendAtOnce(shared_, approvals);
    for (std::size_t b = 1; b < bounds.size(); ++b) Settle(approvals, bounds[b - 1], bounds[b]);
    std::vector<CaseView> refunding;
    for (const RaceEntry& e : approvals) {
      if (e.request.acknowledged() && e.request.answer.is_object() &&
          e.request.answer.value("state", "") == "refunding") {
        refunding.push_back(Won(e.request));
      }
    }
    for (const CaseView& c : cases) shared_.AddCase(c.id);
    if (refunding.empty() || shared_.stop) return;

    // 3. The refund's outcome, issued against failed, all at the version the
    //    approval answered: one per case may win.
    std::vector<RaceEntry> outcomes;
    bounds = {0};
    for (const CaseView& c : refunding) {
      for (int i = 0; i < racers; ++i) {
        const std::string note = base + "-refund-" + c.id + "-" + std::to_string(i);
        json body = i % 2 == 0 ? json{{"external_ref", "pay-" + note}} : json{{"error", "declined by the bank"}};
        body["note"] = note;
        body["expected_version"] = c.version;
        outcomes.push_back(Action(c, i % 2 == 0 ? "refund_issued" : "refund_failed",
                                  i % 4 == 0 ? "integration" : "finance", std::move(body), base + "-refund-" + c.id));
      }
      bounds.push_back(outcomes.size());
    }
    SendAtOnce(shared_, outcomes);
    for (std::size_t b = 1; b < bounds.size(); ++b) Settle(outcomes, bounds[b - 1], bounds[b]);
  }

  // The case an acknowledged submit or action answered.
  static CaseView Won(const LoggedRequest& r) {
    CaseView c;
    c.id = r.answer.at("id").get<std::string>();
    c.state = r.answer.at("state").get<std::string>();
    c.version = r.answer.at("version").get<std::int64_t>();
    return c;
  }

  RaceEntry Action(const CaseView& c, const std::string& action, const std::string& role, json body,
                   const std::string& race) {
    RaceEntry e;
    const std::string tag = body.at("note").get<std::string>();
    e.request = NewRequest(RequestKind::kAction, "/api/v1/cases/" + c.id + "/actions/" + action, tag);
    e.request.action = action;
    e.request.case_id = c.id;
    e.request.actor = role;
    e.request.race = race;
    e.request.race_limit = 1;
    e.request.body = body.dump();
    e.token = fixture_.Staff(role).token;
    return e;
  }

  SharedState& shared_;
  const RunFixture& fixture_;
  ApiClient api_;
  std::mt19937_64 rng_;
  std::int64_t round_ = 0;
};

// Moves the test clock every so often, 1 to 60 hours at a time.
void MoveClock(SharedState& shared, std::uint64_t seed) {
  ApiClient api(shared.options.base_url, kClockMoveTimeoutSeconds);
  std::mt19937_64 rng(seed);
  std::int64_t sequence = 0;
  while (!shared.stop && !shared.server_gone) {
    const double wait = shared.options.clock_every_seconds * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    const double until = MonotonicSeconds() + wait;
    while (!shared.stop && !shared.server_gone && MonotonicSeconds() < until) SleepForMillis(20);
    if (shared.stop || shared.server_gone) return;
    LoggedRequest r;
    r.tag = shared.options.run_id + "-clock-" + std::to_string(++sequence);
    r.client = -1;
    r.kind = RequestKind::kClock;
    r.actor = "admin";
    r.method = "POST";
    r.path = "/api/v1/test/clock";
    const std::int64_t seconds = std::uniform_int_distribution<std::int64_t>(kHour, kMaxClockStepHours * kHour)(rng);
    r.body = json{{"advance_seconds", seconds}}.dump();
    const Answer answer = SendLogged(api, shared, r, shared.fixture.admin.token);
    if (answer.ok()) {
      if (auto now = ParseTime(answer.Json().value("now", ""))) shared.known_now = *now;
    }
  }
}

// VmRSS of `pid` in KiB, or -1 when it cannot be read.
long ReadRssKib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Runs `argv` with stdout and stderr into `output_path`; its exit code, or
// -1 when it could not start or died of a signal.
int RunProgram(const std::vector<std::string>& args, const std::string& output_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> copies = args;
  std::vector<char*> argv;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Sends again, unchanged, the requests of earlier rounds that got no answer
// and carried an Idempotency-Key (and have had no answer since).
std::int64_t ResendUnanswered(SharedState& shared, const LogContents& earlier) {
  std::map<std::string, const LoggedRequest*> last_by_tag;
  for (const LoggedRequest& r : earlier.requests) {
    if (!r.idempotency_key.empty()) last_by_tag[r.tag] = &r;
  }
  ApiClient api(shared.options.base_url);
  std::int64_t resent = 0;
  for (const auto& [tag, last] : last_by_tag) {
    if (last->status != 0) continue;
    const RunUser* user = shared.fixture.Find(last->actor);
    if (user == nullptr) continue;
    LoggedRequest r = *last;
    r.retry = true;
    r.answer = nullptr;
    r.code.clear();
    SendLogged(api, shared, r, user->token);
    if (r.acknowledged() && r.kind == RequestKind::kSubmit) shared.AddCase(r.case_id);
    ++resent;
    if (shared.server_gone) break;
  }
  return resent;
}

// The open cases already stored (earlier rounds), so that they move on too.
void LoadOpenCases(SharedState& shared) {
  ApiClient api(shared.options.base_url);
  std::string states;
  for (const std::string& s : OpenStates()) states += (states.empty() ? "" : ",") + s;
  std::string cursor;
  do {
    std::string path = "/api/v1/cases?limit=200&state=" + states;
    if (!cursor.empty()) path += "&cursor=" + cursor;
    const Answer answer = api.Get(path, shared.fixture.Staff("manager").token);
    if (!answer.ok()) return;
    const json page = answer.Json();
    for (const json& c : page.at("items")) shared.AddCase(c.at("id").get<std::string>());
    cursor = page.at("next_cursor").is_string() ? page.at("next_cursor").get<std::string>() : "";
  } while (!cursor.empty());
}

}  // namespace

const std::vector<std::string>& OpenStates() {
  static const std::vector<std::string> kOpen{
      "requested", "pending_approval",    "negotiating",        "rejected",
      "escalated", "awaiting_return",     "return_in_transit",  "inspection_failed",
      "refunding", "replacement_pending", "replacement_shipped"};
  return kOpen;
}

std::set<int> AllowedRefusals(const std::string& invalid) {
  // SPEC §4.2: which check answers first. A request wrong in one way may
  // still meet an earlier refusal when another client moved the case first
  // (it carries the version it saw, so it never succeeds).
  static const std::map<std::string, std::set<int>> kAllowed{
      {"malformed_json", {400}},
      {"unknown_field", {400, 403, 409}},
      {"wrong_type", {400, 403, 409}},
      {"stale_version", {409}},
      {"wrong_role", {403}},
      {"wrong_state", {409}},
      {"other_buyer", {404}},
      {"unauthenticated", {401}},
      {"not_found", {404}},
  };
  auto it = kAllowed.find(invalid);
  return it == kAllowed.end() ? std::set<int>{} : it->second;
}

LoadReport RunLoad(const LoadOptions& options, const RunFixture& fixture, RequestLog& log, const LogContents& earlier) {
  SharedState shared(options, fixture, log);
  LoadReport report;
  {
    // Where the test clock stands (moving it by nothing tells).
    ApiClient api(options.base_url);
    const Answer now = api.Post("/api/v1/test/clock", fixture.admin.token, json{{"advance_seconds", 0}});
    if (auto t = now.ok() ? ParseTime(now.Json().value("now", "")) : std::nullopt) {
      shared.known_now = *t;
    } else {
      shared.Problem("the first request, POST /api/v1/test/clock, answered " + std::to_string(now.status));
      shared.server_gone = true;
    }
  }
  Guarded(shared, "resending unanswered requests", [&] {
    if (!shared.server_gone) report.resent = ResendUnanswered(shared, earlier);
  });
  Guarded(shared, "listing open cases", [&] {
    if (!shared.server_gone) LoadOpenCases(shared);
  });
  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << "ready\n";

  const double start = MonotonicSeconds();
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.clients; ++i) clients.push_back(std::make_unique<Client>(i, shared));
  for (auto& c : clients) threads.emplace_back([&c] { c->Run(); });
  threads.emplace_back(
      [&shared, &options] { Guarded(shared, "moving the clock", [&] { MoveClock(shared, options.seed * 31 + 7); }); });
  std::unique_ptr<Racer> racer;
  if (options.race_every_seconds > 0) {
    racer = std::make_unique<Racer>(shared, options.seed * 131 + 11);
    threads.emplace_back([&racer] { racer->Run(); });
  }

  std::thread rss_sampler;
  if (options.server_pid > 0) {
    rss_sampler = std::thread([&] {
      while (!shared.stop) {
        const long kib = ReadRssKib(options.server_pid);
        if (kib > 0) report.rss_kib.emplace_back(MonotonicSeconds() - start, kib);
        SleepForMillis(kRssSampleMillis);
      }
    });
  }
  bool backup_taken = options.backup_after_seconds < 0;
  while (!shared.server_gone && MonotonicSeconds() - start < options.seconds) {
    if (!backup_taken && MonotonicSeconds() - start >= options.backup_after_seconds) {
      backup_taken = true;
      log.Mark("backup");
      const std::string output = options.backup_file + ".out";
      report.backup_exit_code =
          RunProgram({options.aftersales_bin, "backup", options.backup_file, "--db", options.db_path}, output);
      std::ifstream in(output);
      std::ostringstream text;
      text << in.rdbuf();
      report.backup_output = text.str();
    }
    SleepForMillis(50);
  }
  shared.stop = true;
  for (std::thread& t : threads) t.join();
  if (rss_sampler.joinable()) rss_sampler.join();

  report.sent = shared.sent;
  report.acknowledged = shared.acknowledged;
  report.refused = shared.refused;
  report.unanswered = shared.unanswered;
  report.server_errors = shared.server_errors;
  report.gateway_errors = shared.gateway_errors;
  report.transient = shared.transient;
  report.resent_now = shared.resent_now;
  report.races = shared.races;
  report.races_contested = shared.races_contested;
  report.server_gone = shared.server_gone;
  report.problems = shared.problems();
  return report;
}

}  // namespace aftersales::reliability
