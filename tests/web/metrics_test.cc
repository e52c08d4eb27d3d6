// GET /metrics series that deploy/prometheus alerts on: the store's failure
// counter, the audit log's head and, with a checkpoint folder, how far the
// newest signed checkpoint covers it. Driven over real HTTP.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/ed25519_key.h"
#include "api/evidence_bundle.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kEverySeconds = 600;
// The metrics server's engine time: this long after the fixture's entries.
constexpr std::int64_t kLater = 1000;

std::string Metrics(WebFixture& web) {
  HttpResult r = web.Get("/metrics", web.token("admin"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.body;
}

std::int64_t HeadSeq(WebFixture& web) {
  auto txn = web.store().BeginRead();
  REQUIRE(txn.ok());
  auto head = (*txn)->AuditHead();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  return (*head)->seq;
}

// A second HttpServer over a WebFixture's services with a checkpoint folder
// and key, and an engine clock of its own, kLater after the fixture's.
class CheckpointedServer {
 public:
  explicit CheckpointedServer(WebFixture& web)
      : web_(web),
        clock_(web.clock().Now() + kLater),
        key_(std::move(*Ed25519PrivateKey::Generate())),
        folder_(dir_.File("checkpoints")) {
    REQUIRE(folder_.Create().ok());
    const WebServices base = web.services();
    WebServices services{base.store, base.cases, base.users, base.policies, clock_, base.wall_clock};
    services.checkpoints = &source_;
    HttpServerOptions options;
    options.access_log = [](const std::string&) {};
    server_ = std::make_unique<HttpServer>(services, options);
    REQUIRE(server_->Start("127.0.0.1", 0).ok());
  }
  ~CheckpointedServer() { server_->Stop(); }

  std::string Metrics() {
    httplib::Client client("127.0.0.1", server_->port());
    auto r = client.Get("/metrics", {{"Authorization", "Bearer " + web_.token("admin")}});
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    return r->body;
  }

  // Signs the log as it is now, at the fixture's wall time.
  AuditCheckpoint Checkpoint() {
    Result<CheckpointAttempt> attempt = MakeAuditCheckpoint(web_.store(), key_, web_.wall().Now(), {});
    REQUIRE(attempt.ok());
    INFO(attempt->refusal);
    REQUIRE(attempt->checkpoint.has_value());
    REQUIRE(folder_.Write(*attempt->checkpoint).ok());
    return *attempt->checkpoint;
  }

 private:
  WebFixture& web_;
  TempDir dir_;
  ManualClock clock_;
  Ed25519PrivateKey key_;
  CheckpointFolder folder_;
  CheckpointSource source_{folder_, key_.public_key(), kEverySeconds};
  std::unique_ptr<HttpServer> server_;
};

std::string Line(const std::string& name, std::int64_t value) {
  return "\n" + name + " " + std::to_string(value) + "\n";
}

TEST_CASE("/metrics counts the store's failures", "[web][metrics]") {
  WebFixture::Options options;
  options.fault_injection = true;
  WebFixture web(options);
  CHECK_THAT(Metrics(web), Catch::Contains("# TYPE aftersales_storage_failures_total counter\n"
                                           "aftersales_storage_failures_total 0\n"));
  web.faults().FailAt(1);
  CHECK(web.Post("/api/v1/users", json{{"name", "uma"}, {"role", "finance"}}, web.token("admin")).status == 503);
  web.faults().Clear();
  CHECK_THAT(Metrics(web), Catch::Contains(Line("aftersales_storage_failures_total", 1)));
  // A refusal of the caller's making is not a storage failure.
  CHECK(web.Post("/api/v1/users", json{{"name", "admin"}, {"role", "finance"}}, web.token("admin")).status == 409);
  CHECK_THAT(Metrics(web), Catch::Contains(Line("aftersales_storage_failures_total", 1)));
}

TEST_CASE("/metrics shows the audit head, and no checkpoint series without checkpoints", "[web][metrics]") {
  WebFixture web;
  const std::string before = Metrics(web);
  CHECK_THAT(before, Catch::Contains("# TYPE aftersales_audit_head_seq gauge\n" +
                                     Line("aftersales_audit_head_seq", HeadSeq(web)).substr(1)));
  CHECK_THAT(before, !Catch::Contains("aftersales_audit_checkpoint"));
  CHECK_THAT(before, !Catch::Contains("aftersales_audit_unsigned_age_seconds"));
  const std::int64_t head = HeadSeq(web);
  REQUIRE(web.Post("/api/v1/users", json{{"name", "uma"}, {"role", "finance"}}, web.token("admin")).status == 201);
  CHECK(HeadSeq(web) == head + 1);
  CHECK_THAT(Metrics(web), Catch::Contains(Line("aftersales_audit_head_seq", head + 1)));
}

TEST_CASE("/metrics tells how far the newest signed checkpoint covers the audit log", "[web][metrics][checkpoint]") {
  WebFixture web;
  CheckpointedServer server(web);

  // No checkpoint yet: every entry is unsigned, the oldest written kLater ago.
  std::string m = server.Metrics();
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_head_seq", HeadSeq(web))));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_seq", 0)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_timestamp_seconds", 0)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_interval_seconds", kEverySeconds)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_unsigned_age_seconds", kLater)));

  // Signed: everything is covered.
  web.wall().Advance(30);
  const AuditCheckpoint signed_head = server.Checkpoint();
  CHECK(signed_head.seq == HeadSeq(web));
  m = server.Metrics();
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_seq", signed_head.seq)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_timestamp_seconds", web.wall().Now())));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_unsigned_age_seconds", 0)));

  // The log grows: the new entry is unsigned, and as old as it is.
  REQUIRE(web.Post("/api/v1/users", json{{"name", "uma"}, {"role", "finance"}}, web.token("admin")).status == 201);
  m = server.Metrics();
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_head_seq", signed_head.seq + 1)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_checkpoint_seq", signed_head.seq)));
  CHECK_THAT(m, Catch::Contains(Line("aftersales_audit_unsigned_age_seconds", kLater)));
}

}  // namespace
}  // namespace aftersales::testing
