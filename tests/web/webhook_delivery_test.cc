// Webhook delivery end to end over real HTTP on loopback: the engine on a
// real SQLite file writes outbox rows, the dispatcher posts them through
// HttpWebhookTransport to receivers (httplib::Server on 127.0.0.1, port 0)
// that check every signature with the secret in constant time. Retry
// timing runs on a simulated wall clock that a ticker moves one second per
// tick, so that a schedule of seconds takes a fraction of that.
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/json_api.h"
#include "engine/crypto.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"
#include "engine/webhooks/webhook_dispatcher.h"
#include "engine/webhooks/webhook_service.h"
#include "support/wait.h"
#include "web/http_webhook_transport.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "whsec-loopback-0123456789";

template <class T>
T Must(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

// What a receiver saw of one request.
struct Received {
  std::string event_id;
  std::string event;
  std::string delivery;
  std::string content_type;
  std::string body;
  TimePoint t = 0;  // from the signature
  bool signature_ok = false;
  int answered = 0;
};

// "t=<digits>,v1=<hex>" checked against HMAC-SHA256(secret, "<t>.<body>"),
// as a receiver would: recompute, then compare in constant time.
bool CheckSignature(const std::string& header, const std::string& secret, const std::string& body, TimePoint* t) {
  if (header.rfind("t=", 0) != 0) return false;
  const auto comma = header.find(",v1=");
  if (comma == std::string::npos) return false;
  const std::string stamp = header.substr(2, comma - 2);
  if (stamp.empty() || stamp.find_first_not_of("0123456789") != std::string::npos) return false;
  *t = std::stoll(stamp);
  const std::string given = header.substr(comma + 4);
  return ConstantTimeEquals(HmacSha256Hex(secret, stamp + "." + body), given);
}

// A webhook receiver on 127.0.0.1 with a scriptable answer.
class Receiver {
 public:
  explicit Receiver(std::string secret = kSecret) : secret_(std::move(secret)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) SleepForMillis(1);
  }
  ~Receiver() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  // The next `n` requests answer 500, later ones `status`.
  void FailFirst(int n) { fail_first_ = n; }
  void SetStatus(int status) { status_ = status; }
  void SetDelayMillis(int millis) { delay_ms_ = millis; }

  // Requests that have arrived, answered or not.
  int arrived() const { return arrived_; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Waits until `done` holds for what was received, at most `seconds`.
  bool WaitFor(const std::function<bool(const std::vector<Received>&)>& done, double seconds) {
    return WaitUntil([&] { return done(received()); }, seconds);
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    ++arrived_;
    Received r;
    r.event_id = req.get_header_value("X-Aftersales-Event-Id");
    r.event = req.get_header_value("X-Aftersales-Event");
    r.delivery = req.get_header_value("X-Aftersales-Delivery");
    r.content_type = req.get_header_value("Content-Type");
    r.body = req.body;
    r.signature_ok = CheckSignature(req.get_header_value("X-Aftersales-Signature"), secret_, req.body, &r.t);
    // A slow endpoint: it answers late (but stops waiting when the test ends).
    for (int waited = 0; waited < delay_ms_ && !stopping_; waited += 10) SleepForMillis(10);
    r.answered = fail_first_.fetch_sub(1) > 0 ? 500 : status_.load();
    res.status = r.answered;
    res.set_content("{}", "application/json");
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back(std::move(r));
  }

  std::string secret_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> fail_first_{0};
  std::atomic<int> status_{200};
  std::atomic<int> delay_ms_{0};
  std::atomic<int> arrived_{0};
  std::mutex mu_;
  std::vector<Received> received_;
};

// Moves a manual clock one second every `period_ms` of real time.
class Ticker {
 public:
  Ticker(ManualClock& clock, int period_ms)
      : thread_([this, &clock, period_ms] {
          while (!stop_) {
            SleepForMillis(period_ms);
            clock.Advance(1);
          }
        }) {}
  ~Ticker() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A port that accepts connections in the kernel and never answers: a hung endpoint.
class BlackHole {
 public:
  BlackHole() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~BlackHole() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

 private:
  int fd_;
  int port_ = 0;
};

// The engine, the webhook service and a dispatcher on a simulated wall clock.
class Stack {
 public:
  Stack() { Open(); }
  ~Stack() { StopDispatcher(); }

  EngineHarness& h() { return h_; }
  ManualClock& wall() { return wall_; }
  WebhookService& hooks() { return *hooks_; }
  WebhookDispatcher& dispatcher() { return *dispatcher_; }

  std::string Create(const std::string& url, std::vector<std::string> events) {
    json body = {{"url", url}, {"events", std::move(events)}, {"secret", kSecret}};
    return Must(hooks_->CreateWebhook(h_.user("admin"), body))["id"];
  }
  void StartDispatcher(DeliveryOptions options) {
    transport_ = std::make_unique<HttpWebhookTransport>();
    dispatcher_ = std::make_unique<WebhookDispatcher>(*hooks_, *transport_, wall_, std::move(options));
    REQUIRE(dispatcher_->Start().ok());
  }
  void StopDispatcher() {
    if (dispatcher_) dispatcher_->Stop();
    dispatcher_.reset();
    transport_.reset();
  }
  // Closes and reopens everything on the same database file.
  void Restart() {
    StopDispatcher();
    hooks_.reset();
    h_.Restart();
    Open();
  }
  std::vector<OutboxRow> Outbox() {
    auto r = Must(h_.store().BeginRead());
    return Must(r->OutboxAfter(0, 100000));
  }
  std::vector<DeliveryRow> Deliveries(const std::string& webhook_id) {
    auto r = Must(h_.store().BeginRead());
    return Must(r->ListDeliveries(webhook_id, 100000, 0));
  }
  // Waits until every delivery of `webhook_id` has `status` (and there is one at least).
  bool WaitForAll(const std::string& webhook_id, const std::string& status, double seconds) {
    return WaitUntil(
        [&] {
          const auto rows = Deliveries(webhook_id);
          return !rows.empty() &&
                 std::all_of(rows.begin(), rows.end(), [&](const DeliveryRow& d) { return NameOf(d.status) == status; });
        },
        seconds, 10);
  }

  // A return from submit to refund: case.created, four state changes and
  // refund.requested. Returns the case id.
  std::string WholeReturn(const std::string& order_id) {
    JsonApi& cs = h_.cases();
    Must(cs.CreateOrder(h_.user("integration"), MakeOrder(order_id, 2, 1000)));
    json c = Must(cs.Submit(h_.user("buyer"), {{"order_id", order_id},
                                               {"type", "return_refund"},
                                               {"reason", "quality_issue"},
                                               {"lines", {{{"line_id", "l1"}, {"qty", 2}}}}}));
    const std::string id = c["id"];
    Must(cs.Apply(h_.user("agent"), id, "approve", json::object()));
    Must(cs.Apply(h_.user("buyer"), id, "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF1"}}));
    Must(cs.Apply(h_.user("warehouse"), id, "receive", {{"result", "pass"}}));
    Must(cs.Apply(h_.user("finance"), id, "refund_issued", {{"external_ref", "PAY-1"}}));
    return id;
  }
  // A voucher compensation approved, failed once, then issued: two
  // compensation.requested events (SPEC §11.3).
  std::string Compensation(const std::string& order_id) {
    JsonApi& cs = h_.cases();
    Must(cs.CreateOrder(h_.user("integration"), MakeOrder(order_id, 1, 10000)));
    json c = Must(cs.Submit(h_.user("buyer"), {{"order_id", order_id},
                                               {"type", "compensation"},
                                               {"reason", "missing_gift"},
                                               {"compensation", {{"form", "voucher"}}},
                                               {"requested_amount", 800}}));
    const std::string id = c["id"];
    Must(cs.Apply(h_.user("agent"), id, "approve", json::object()));
    Must(cs.Apply(h_.user("integration"), id, "compensation_failed", {{"error", "voucher service down"}}));
    Must(cs.Apply(h_.user("integration"), id, "issue_compensation", {{"voucher_code", "GIFT-800"}}));
    return id;
  }
  // A case submitted and nothing more: one case.created event.
  std::string Submit(const std::string& order_id) {
    Must(h_.cases().CreateOrder(h_.user("integration"), MakeOrder(order_id, 1, 500)));
    json c = Must(h_.cases().Submit(h_.user("buyer"), {{"order_id", order_id},
                                                       {"type", "refund_only"},
                                                       {"reason", "not_received"},
                                                       {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}}));
    return c["id"];
  }

 private:
  void Open() { hooks_ = std::make_unique<WebhookService>(h_.store(), h_.clock(), wall_); }

  EngineHarness h_;
  ManualClock wall_{kHarnessStart};
  std::unique_ptr<WebhookService> hooks_;
  std::unique_ptr<HttpWebhookTransport> transport_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
};

DeliveryOptions FastOptions() {
  DeliveryOptions o;
  o.retry.base_seconds = 1;
  o.retry.max_seconds = 60;
  o.retry.give_up_after_seconds = 3 * kDay;
  o.workers = 4;
  o.max_in_flight_per_endpoint = 4;
  o.poll_interval_ms = 10;
  o.request_timeout_ms = 5000;
  o.log = [](const std::string&) {};
  return o;
}

TEST_CASE("failed attempts are retried with growing gaps under one event id until a 200", "[web][webhooks]") {
  Receiver receiver;
  receiver.FailFirst(3);
  Stack s;
  const std::string hook = s.Create(receiver.url(), {"case.created"});
  s.Submit("o1");
  const OutboxRow event = s.Outbox().at(0);

  Ticker ticker(s.wall(), 100);
  s.StartDispatcher(FastOptions());
  REQUIRE(receiver.WaitFor([](const std::vector<Received>& r) { return r.size() >= 4; }, kPatienceSeconds));
  REQUIRE(s.WaitForAll(hook, "delivered", kPatienceSeconds));
  const auto got = receiver.received();
  REQUIRE(got.size() == 4);  // delivered: no further attempt
  for (const auto& r : got) {
    CHECK(r.signature_ok);
    CHECK(r.event_id == event.event_id);
    CHECK(r.event == "case.created");
    CHECK(r.delivery == got[0].delivery);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == event.payload);  // the outbox row's JSON text as is
  }
  CHECK(got[0].answered == 500);
  CHECK(got[3].answered == 200);
  // Backoff of 1, 2 and 4 s (±20 %, whole seconds), seen in each attempt's signed time.
  const TimePoint g1 = got[1].t - got[0].t;
  const TimePoint g2 = got[2].t - got[1].t;
  const TimePoint g3 = got[3].t - got[2].t;
  INFO("gaps " << g1 << ", " << g2 << ", " << g3);
  CHECK(g1 >= 1);
  CHECK(g2 >= 2);
  CHECK(g3 >= 3);
  CHECK(g1 <= g2);
  CHECK(g2 <= g3);
  CHECK(g1 < g3);

  const DeliveryRow d = s.Deliveries(hook).at(0);
  CHECK(d.attempts == 4);
  CHECK(d.last_status == std::optional<int>(200));
  CHECK(std::to_string(d.id) == got[0].delivery);
}

TEST_CASE("every event of a whole return arrives signed", "[web][webhooks]") {
  Receiver receiver;
  Stack s;
  s.Create(receiver.url(), {"case.created", "case.state_changed", "refund.requested", "sla.breached"});
  s.StartDispatcher(FastOptions());
  const std::string case_id = s.WholeReturn("o1");
  const auto outbox = s.Outbox();
  REQUIRE(outbox.size() == 6);  // created, 4 state changes, refund requested
  REQUIRE(
      receiver.WaitFor([&](const std::vector<Received>& r) { return r.size() >= outbox.size(); }, kPatienceSeconds));

  std::map<std::string, Received> by_event;
  for (const auto& r : receiver.received()) by_event[r.event_id] = r;
  REQUIRE(by_event.size() == outbox.size());
  std::multiset<std::string> types;
  for (const auto& o : outbox) {
    INFO(o.type);
    REQUIRE(by_event.count(o.event_id) == 1);
    const Received& r = by_event[o.event_id];
    CHECK(r.signature_ok);
    CHECK(r.body == o.payload);
    CHECK(r.event == o.type);
    const json body = json::parse(r.body);
    CHECK(body["id"] == o.event_id);
    CHECK(body["type"] == o.type);
    CHECK(body["data"]["case_id"] == case_id);
    types.insert(o.type);
  }
  CHECK(types == std::multiset<std::string>{"case.created", "case.state_changed", "case.state_changed",
                                            "case.state_changed", "case.state_changed", "refund.requested"});
}

TEST_CASE("an order's shipment and its order_ship breach arrive signed, with the order's id", "[web][webhooks]") {
  Receiver receiver;
  Stack s;
  s.Create(receiver.url(), {"order.shipment_created", "sla.breached"});
  s.StartDispatcher(FastOptions());
  JsonApi& cs = s.h().cases();
  json late = MakeOrder("o1", 2, 1000);
  late["delivered_at"] = nullptr;
  late["ship_by"] = FormatTime(s.h().clock().Now() + kHour);
  Must(cs.CreateOrder(s.h().user("integration"), late));
  s.h().Advance(2 * kHour);  // order_ship breaches
  Must(cs.ShipOrder(s.h().user("warehouse"), "o1", {{"carrier", "SF"}, {"tracking_no", "SF1"}}));
  // sla.breached, the late compensation's case.created and compensation.requested, order.shipment_created.
  REQUIRE(s.Outbox().size() == 4);
  REQUIRE(receiver.WaitFor([&](const std::vector<Received>& r) { return r.size() >= 2; }, kPatienceSeconds));
  std::map<std::string, Received> by_type;
  for (const auto& r : receiver.received()) by_type[r.event] = r;
  REQUIRE(by_type.count("sla.breached") == 1);
  REQUIRE(by_type.count("order.shipment_created") == 1);
  for (const auto& [type, r] : by_type) {
    INFO(type);
    CHECK(r.signature_ok);
    const json body = json::parse(r.body);
    CHECK(body["data"]["order_id"] == "o1");
  }
  const json breach = json::parse(by_type["sla.breached"].body)["data"];
  CHECK(breach["case_id"].is_null());
  CHECK(breach["deadline"] == "order_ship");
  const json shipment = json::parse(by_type["order.shipment_created"].body)["data"];
  CHECK(shipment["carrier"] == "SF");
  CHECK(shipment["tracking_no"] == "SF1");
  CHECK(shipment["shipment_status"] == "shipped");
  CHECK(shipment["lines"] == json::array({json{{"line_id", "l1"}, {"qty", 2}}}));
}

TEST_CASE("a repair's progress arrives signed as repair.progress, one event per update", "[web][webhooks][repair]") {
  Receiver receiver;
  Stack s;
  s.Create(receiver.url(), {"repair.progress"});
  s.StartDispatcher(FastOptions());
  JsonApi& cs = s.h().cases();
  Must(cs.CreateOrder(s.h().user("integration"), MakeOrder("o1", 1, 1000)));
  json c = Must(cs.Submit(s.h().user("buyer"), {{"order_id", "o1"},
                                                {"type", "repair"},
                                                {"reason", "quality_issue"},
                                                {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}}));
  const std::string id = c["id"];
  Must(cs.Apply(s.h().user("agent"), id, "approve", json::object()));
  Must(cs.Apply(s.h().user("warehouse"), id, "receive", {{"result", "pass"}}));
  Must(cs.Apply(s.h().user("warehouse"), id, "repair_update", {{"status", "waiting_parts"}, {"note", "fan ordered"}}));
  Must(cs.Apply(s.h().user("manager"), id, "repair_update", {{"status", "repaired"}, {"note", "fan fitted"}}));
  std::vector<OutboxRow> progress;
  for (const auto& o : s.Outbox()) {
    if (o.type == "repair.progress") progress.push_back(o);
  }
  REQUIRE(progress.size() == 2);
  REQUIRE(receiver.WaitFor([](const std::vector<Received>& r) { return r.size() >= 2; }, kPatienceSeconds));
  const auto received = receiver.received();
  REQUIRE(received.size() == 2);  // only the subscribed type: no case.created, no state changes
  std::vector<std::string> statuses;
  for (const auto& r : received) {
    CHECK(r.signature_ok);
    CHECK(r.event == "repair.progress");
    const json body = json::parse(r.body);
    CHECK(body["type"] == "repair.progress");
    CHECK(body["data"]["case_id"] == id);
    CHECK(body["data"]["order_id"] == "o1");
    CHECK(body["data"]["at"] == FormatTime(kHarnessStart));
    CHECK(body["data"].size() == 4);  // case_id, order_id, status, at: never the note
    statuses.push_back(body["data"]["status"]);
  }
  std::sort(statuses.begin(), statuses.end());
  CHECK(statuses == std::vector<std::string>{"repaired", "waiting_parts"});
}

TEST_CASE("compensation.requested arrives signed on entering compensating and after a failure",
          "[web][webhooks][compensation]") {
  Receiver receiver;
  Stack s;
  s.Create(receiver.url(), {"compensation.requested"});
  s.StartDispatcher(FastOptions());
  const std::string case_id = s.Compensation("o1");
  REQUIRE(receiver.WaitFor([](const std::vector<Received>& r) { return r.size() >= 2; }, kPatienceSeconds));
  const auto got = receiver.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].event_id != got[1].event_id);
  for (const auto& r : got) {
    CHECK(r.signature_ok);
    CHECK(r.event == "compensation.requested");
    const json body = json::parse(r.body);
    CHECK(body["data"] == json{{"case_id", case_id}, {"order_id", "o1"}, {"form", "voucher"}, {"amount", 800},
                               {"currency", "CNY"}});
  }
}

TEST_CASE("a dead, a hung and a slow endpoint do not delay a healthy one", "[web][webhooks]") {
  // The slow endpoint answers, and attempts on the hung one time out, only
  // after kHoldMillis: a healthy endpoint queued behind either would wait
  // that long. The waits below are bounded at a third of it, far from that
  // and from the milliseconds a delivery takes (no tight wall-clock bound:
  // see tests/README.md).
  constexpr int kHoldMillis = 90000;
  constexpr double kBoundSeconds = kHoldMillis / 1000.0 / 3;
  Receiver healthy;
  Receiver slow;
  slow.SetDelayMillis(kHoldMillis);
  BlackHole hung;
  Stack s;
  const std::string dead_url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook";
  s.Create(dead_url, {"case.created"});
  s.Create(hung.url(), {"case.created"});
  s.Create(slow.url(), {"case.created"});
  s.Create(healthy.url(), {"case.created"});
  DeliveryOptions options = FastOptions();
  options.request_timeout_ms = kHoldMillis;
  s.StartDispatcher(options);

  // The first event occupies the bad endpoints.
  s.Submit("o1");
  REQUIRE(healthy.WaitFor([](const std::vector<Received>& r) { return r.size() == 1; }, kBoundSeconds));
  REQUIRE(WaitUntil([&] { return slow.arrived() == 1; }, kBoundSeconds));
  // Now the slow one sleeps on its first request while the hung one holds a connection.

  for (int i = 2; i <= 4; ++i) {
    s.Submit("o" + std::to_string(i));
    const std::size_t want = static_cast<std::size_t>(i);
    INFO("event " << i);
    REQUIRE(healthy.WaitFor([&](const std::vector<Received>& r) { return r.size() >= want; }, kBoundSeconds));
    // Delivered while the slow endpoint is still on its first request
    // (one attempt at a time for an endpoint that has not shown it is fast).
    CHECK(slow.received().empty());
    CHECK(slow.arrived() == 1);
  }
  for (const auto& r : healthy.received()) CHECK(r.signature_ok);
  // The dispatcher stops promptly although attempts are hanging: it does
  // not wait for them to time out.
  const double stopping = MonotonicSeconds();
  s.StopDispatcher();
  CHECK(MonotonicSeconds() - stopping < kBoundSeconds);
}

TEST_CASE("after give-up a delivery is dead: redelivery makes it delivered", "[web][webhooks]") {
  Receiver receiver;
  receiver.SetStatus(500);
  Stack s;
  const std::string hook = s.Create(receiver.url(), {"case.created"});
  s.Submit("o1");
  DeliveryOptions options = FastOptions();
  options.retry.give_up_after_seconds = 3;
  Ticker ticker(s.wall(), 50);
  s.StartDispatcher(options);
  REQUIRE(s.WaitForAll(hook, "dead", kPatienceSeconds));
  DeliveryRow dead = s.Deliveries(hook).at(0);
  CHECK(dead.attempts >= 2);
  CHECK(dead.last_status == std::optional<int>(500));
  const std::size_t attempts_seen = receiver.received().size();
  CHECK(attempts_seen == static_cast<std::size_t>(dead.attempts));
  SleepForMillis(300);  // several simulated seconds: nothing more is attempted
  CHECK(receiver.received().size() == attempts_seen);

  receiver.SetStatus(200);
  json redelivered = Must(s.hooks().Redeliver(s.h().user("admin"), hook, std::to_string(dead.id)));
  CHECK(redelivered["status"] == "pending");
  s.dispatcher().Nudge();
  REQUIRE(s.WaitForAll(hook, "delivered", kPatienceSeconds));
  const auto got = receiver.received();
  REQUIRE(got.size() == attempts_seen + 1);
  CHECK(got.back().answered == 200);
  CHECK(got.back().event_id == got.front().event_id);
  CHECK(got.back().signature_ok);
}

TEST_CASE("the dispatcher sweeps delivered events out once the retention has passed", "[web][webhooks]") {
  Receiver receiver;
  Stack s;
  const std::string hook = s.Create(receiver.url(), {"case.created"});
  s.Submit("o1");
  s.Submit("o2");
  DeliveryOptions options = FastOptions();
  std::atomic<std::int64_t> retention{365 * kDay};
  options.retention_seconds = [&retention] { return retention.load(); };
  options.prune_every_seconds = 1;
  Ticker ticker(s.wall(), 20);
  s.StartDispatcher(options);
  REQUIRE(s.WaitForAll(hook, "delivered", kPatienceSeconds));
  SleepForMillis(200);  // several sweeps: within the retention, all stays
  CHECK(s.Deliveries(hook).size() == 2);
  CHECK(s.Outbox().size() == 2);

  // The retention passes on both clocks: the delivered rows go, then their
  // events, but for the newest of each, which keeps ids from being reused.
  const std::int64_t newest = std::max(s.Deliveries(hook)[0].id, s.Deliveries(hook)[1].id);
  s.h().clock().Advance(60);
  retention = 5;
  REQUIRE(WaitUntil([&] { return s.Deliveries(hook).size() == 1 && s.Outbox().size() == 1; }, kPatienceSeconds, 10));
  CHECK(s.Deliveries(hook)[0].id == newest);
  CHECK(s.Deliveries(hook)[0].event_id == s.Outbox()[0].event_id);
  CHECK(receiver.received().size() == 2);  // nothing delivered twice on the way

  // What comes next is delivered as before.
  s.Submit("o3");
  s.dispatcher().Nudge();
  REQUIRE(receiver.WaitFor([](const std::vector<Received>& r) { return r.size() == 3; }, kPatienceSeconds));
}

TEST_CASE("outbox rows written before a restart are delivered after it, each once", "[web][webhooks]") {
  Receiver receiver;
  receiver.SetStatus(503);
  Stack s;
  const std::string hook = s.Create(receiver.url(), {"case.created", "case.state_changed", "refund.requested"});

  // Before the restart: some events fanned out and failing, then more
  // written while no dispatcher runs.
  s.StartDispatcher(FastOptions());
  s.Submit("o1");
  REQUIRE(receiver.WaitFor([](const std::vector<Received>& r) { return !r.empty(); }, kPatienceSeconds));
  s.StopDispatcher();
  s.WholeReturn("o2");
  const auto outbox = s.Outbox();
  REQUIRE(outbox.size() == 7);

  s.Restart();
  receiver.SetStatus(200);
  Ticker ticker(s.wall(), 50);
  s.StartDispatcher(FastOptions());
  REQUIRE(s.WaitForAll(hook, "delivered", kPatienceSeconds));
  const auto deliveries = s.Deliveries(hook);
  CHECK(deliveries.size() == outbox.size());  // nothing fanned out twice

  std::map<std::string, int> delivered;  // event id → 200 answers
  for (const auto& r : receiver.received()) {
    CHECK(r.signature_ok);
    if (r.answered == 200) ++delivered[r.event_id];
  }
  REQUIRE(delivered.size() == outbox.size());
  for (const auto& o : outbox) CHECK(delivered[o.event_id] == 1);
  auto r = Must(s.h().store().BeginRead());
  CHECK(Must(WebhookService::Backlog(*r)) == 0);
}

}  // namespace
}  // namespace aftersales::testing
