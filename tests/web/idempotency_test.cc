// SPEC §6.8 idempotent POSTs.
#include "web/idempotency.h"

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <thread>

#include "engine/crypto.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("the same key and body replay the first answer, without the token", "[web][idempotency]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const json body = {{"name", "ivy"}, {"role", "warehouse"}};
  HttpResult first = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "create-ivy"}});
  REQUIRE(first.status == 201);
  CHECK(first.Header("Idempotent-Replayed").empty());
  json created = first.Json();
  REQUIRE(created.contains("token"));

  HttpResult second = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "create-ivy"}});
  CHECK(second.status == 201);
  CHECK(second.Header("Idempotent-Replayed") == "true");
  json replayed = second.Json();
  CHECK_FALSE(replayed.contains("token"));
  created.erase("token");
  CHECK(replayed == created);
  // Nothing ran twice.
  int ivies = 0;
  const json users = web.Get("/api/v1/users", admin).Json()["items"];
  for (const auto& u : users) ivies += u["name"] == "ivy";
  CHECK(ivies == 1);

  SECTION("a different body with the key answers 422") {
    HttpResult reused = web.Post("/api/v1/users", json{{"name", "ivy2"}, {"role", "warehouse"}}, admin,
                                 {{"Idempotency-Key", "create-ivy"}});
    CHECK(reused.status == 422);
    CHECK(reused.Code() == "idempotency_key_reused");
  }
  SECTION("the key is scoped to the caller") {
    const std::string other_admin = web.AddUser("admin2", Role::kAdmin);
    HttpResult other = web.Post("/api/v1/users", body, other_admin, {{"Idempotency-Key", "create-ivy"}});
    CHECK(other.status == 409);  // a fresh request: the name is taken
    CHECK(other.Code() == "already_exists");
  }
  SECTION("records last 24 hours") {
    web.wall().Advance(24 * kHour);
    HttpResult later = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "create-ivy"}});
    CHECK(later.status == 409);  // ran again
    CHECK(later.Header("Idempotent-Replayed").empty());
  }
}

TEST_CASE("the key is scoped to the path: one key on two routes runs both", "[web][idempotency]") {
  WebFixture web;
  const std::string integration = web.token("integration");
  const httplib::Headers key = {{"Idempotency-Key", "k-shared"}};
  HttpResult order = web.Post("/api/v1/orders", OrderBody("o-key", "b1"), integration, key);
  REQUIRE(order.status == 201);
  // The same key on another path (and with another body) is another request.
  HttpResult submitted = web.Post("/api/v1/cases",
                                  json{{"order_id", "o-key"},
                                       {"buyer_id", "b1"},
                                       {"type", "refund_only"},
                                       {"reason", "quality_issue"},
                                       {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}},
                                  integration, key);
  CHECK(submitted.status == 201);
  CHECK(submitted.Header("Idempotent-Replayed").empty());
  CHECK(submitted.Json().value("state", "") == "requested");
  // And each path keeps its own first answer.
  HttpResult replayed = web.Post("/api/v1/orders", OrderBody("o-key", "b1"), integration, key);
  CHECK(replayed.status == 201);
  CHECK(replayed.Header("Idempotent-Replayed") == "true");
}

// The case as GET /cases/{id} answers it, less the one member a command's
// answer does not compute (the case's refundable_amount, from its order).
json AsRead(WebFixture& web, const std::string& id, const std::string& token) {
  json read = web.Get("/api/v1/cases/" + id, token).Json();
  read.erase("refundable_amount");
  return read;
}

TEST_CASE("a case command's answer is the case as read, and its replay the same bytes", "[web][idempotency]") {
  // The case routes answer with the case's wire text; the idempotency
  // record is stored from the same answer inside the command's transaction.
  WebFixture web;
  const std::string integration = web.token("integration");
  const std::string agent = web.token("agent");
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o-text", "b1"), integration).status == 201);
  const json submit = {{"order_id", "o-text"},
                       {"buyer_id", "b1"},
                       {"type", "refund_only"},
                       {"reason", "quality_issue"},
                       {"description", "it came \"\xe5\x9d\x8f\" \\ \t"},
                       {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}};
  HttpResult submitted = web.Post("/api/v1/cases", submit, integration, {{"Idempotency-Key", "k-submit"}});
  REQUIRE(submitted.status == 201);
  const std::string id = submitted.Json().at("id").get<std::string>();
  CHECK(submitted.Json() == AsRead(web, id, integration));
  CHECK(submitted.body == submitted.Json().dump());  // compact, keys sorted
  HttpResult submitted_again = web.Post("/api/v1/cases", submit, integration, {{"Idempotency-Key", "k-submit"}});
  CHECK(submitted_again.status == 201);
  CHECK(submitted_again.Header("Idempotent-Replayed") == "true");
  CHECK(submitted_again.body == submitted.body);
  CHECK(submitted_again.ContentType() == "application/json");

  const std::string approve = "/api/v1/cases/" + id + "/actions/approve";
  HttpResult approved = web.Post(approve, json{{"note", "ok \xe5\xa5\xbd"}}, agent, {{"Idempotency-Key", "k-approve"}});
  REQUIRE(approved.status == 200);
  CHECK(approved.ContentType() == "application/json");
  CHECK(approved.Json().at("state") != submitted.Json().at("state"));
  CHECK(approved.Json() == AsRead(web, id, agent));
  HttpResult approved_again = web.Post(approve, json{{"note", "ok \xe5\xa5\xbd"}}, agent, {{"Idempotency-Key", "k-approve"}});
  CHECK(approved_again.status == 200);
  CHECK(approved_again.Header("Idempotent-Replayed") == "true");
  CHECK(approved_again.body == approved.body);
  CHECK(approved_again.ContentType() == "application/json");

  // Without a key (no hook): the same text.
  HttpResult comment = web.Post("/api/v1/cases/" + id + "/actions/comment", json{{"text", "plain"}}, agent);
  REQUIRE(comment.status == 200);
  CHECK(comment.Json() == AsRead(web, id, agent));
}

TEST_CASE("failed requests are replayed too, but not 409", "[web][idempotency]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const json bad = {{"name", "x"}, {"role", "pilot"}};
  HttpResult first = web.Post("/api/v1/users", bad, admin, {{"Idempotency-Key", "k-bad"}});
  CHECK(first.status == 400);
  HttpResult second = web.Post("/api/v1/users", bad, admin, {{"Idempotency-Key", "k-bad"}});
  CHECK(second.status == 400);
  CHECK(second.Header("Idempotent-Replayed") == "true");
  CHECK(second.ContentType() == "application/problem+json");
  CHECK(second.body == first.body);

  const json dup = {{"name", "agent"}, {"role", "agent"}};
  CHECK(web.Post("/api/v1/users", dup, admin, {{"Idempotency-Key", "k-dup"}}).status == 409);
  HttpResult again = web.Post("/api/v1/users", dup, admin, {{"Idempotency-Key", "k-dup"}});
  CHECK(again.status == 409);
  CHECK(again.Header("Idempotent-Replayed").empty());
}

TEST_CASE("keys longer than 255 characters are refused", "[web][idempotency]") {
  WebFixture web;
  const json body = {{"name", "kay"}, {"role", "finance"}};
  HttpResult r = web.Post("/api/v1/users", body, web.token("admin"), {{"Idempotency-Key", std::string(256, 'k')}});
  CHECK(r.status == 400);
  CHECK(r.Code() == "validation_failed");
  CHECK(web.Post("/api/v1/users", body, web.token("admin"), {{"Idempotency-Key", std::string(255, 'k')}}).status ==
        201);
}

TEST_CASE("a key whose first request still runs answers 409", "[web][idempotency]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  // A password makes the first request slow: it is hashed with PBKDF2.
  const json body = {{"name", "slow"}, {"role", "finance"}, {"password", "slow password"}};
  auto first = std::async(std::launch::async,
                          [&] { return web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "k-slow"}}); });
  SleepForMillis(20);
  HttpResult second = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "k-slow"}});
  HttpResult other = first.get();
  // Whichever arrived first ran; the other found it running.
  const HttpResult& ran = other.status == 409 ? second : other;
  const HttpResult& refused = other.status == 409 ? other : second;
  CHECK(ran.status == 201);
  CHECK(ran.Header("Idempotent-Replayed").empty());
  CHECK(refused.status == 409);
  CHECK(refused.Code() == "idempotency_in_progress");
  HttpResult third = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "k-slow"}});
  CHECK(third.status == 201);
  CHECK(third.Header("Idempotent-Replayed") == "true");
}

TEST_CASE("IdempotencyKeys claims, replays and releases", "[web][idempotency][unit]") {
  WebFixture web;
  IdempotencyKeys keys(web.store(), web.wall());
  const std::string scope = IdempotencyKeys::Scope("u_1", "POST", "/api/v1/orders");
  {
    auto claim = keys.Begin(scope, "k1", "{\"a\":1}");
    REQUIRE(claim.ok());
    CHECK_FALSE((*claim)->replay());
    auto busy = keys.Begin(scope, "k1", "{\"a\":1}");
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.status().code() == Code::kIdempotencyInProgress);
    CHECK(keys.Begin(scope, "k2", "{}").ok());  // another key is free
    (*claim)->Record(201, json{{"id", "o1"}, {"secret", "s"}}, {"secret"});
  }
  auto replay = keys.Begin(scope, "k1", "{\"a\":1}");
  REQUIRE(replay.ok());
  REQUIRE((*replay)->replay());
  CHECK((*replay)->replay()->status == 201);
  CHECK(json::parse((*replay)->replay()->body) == json{{"id", "o1"}});
  replay->reset();
  auto reused = keys.Begin(scope, "k1", "{\"a\":2}");
  REQUIRE_FALSE(reused.ok());
  CHECK(reused.status().code() == Code::kIdempotencyKeyReused);
  CHECK(IdempotencyKeys::Storable(201));
  CHECK(IdempotencyKeys::Storable(422));
  CHECK_FALSE(IdempotencyKeys::Storable(409));
  CHECK_FALSE(IdempotencyKeys::Storable(429));
  CHECK_FALSE(IdempotencyKeys::Storable(503));
}

TEST_CASE("shared IdempotencyKeys hold a key across servers until its answer is stored or the claim runs out", "[web][idempotency][unit]") {
  WebFixture web;
  // Two servers sharing one database, each with its own keys in memory.
  IdempotencyKeys a(web.store(), web.wall(), true);
  IdempotencyKeys b(web.store(), web.wall(), true);
  const std::string scope = IdempotencyKeys::Scope("u_1", "POST", "/api/v1/orders");
  {
    auto claim = a.Begin(scope, "k1", "{\"a\":1}");
    REQUIRE(claim.ok());
    auto busy = b.Begin(scope, "k1", "{\"a\":1}");
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.status().code() == Code::kIdempotencyInProgress);
    auto busy_other_body = b.Begin(scope, "k1", "{\"a\":2}");
    REQUIRE_FALSE(busy_other_body.ok());
    CHECK(busy_other_body.status().code() == Code::kIdempotencyInProgress);
    (*claim)->Record(201, json{{"id", "o1"}});
  }
  auto replay = b.Begin(scope, "k1", "{\"a\":1}");
  REQUIRE(replay.ok());
  REQUIRE((*replay)->replay());
  CHECK((*replay)->replay()->status == 201);
  CHECK(json::parse((*replay)->replay()->body) == json{{"id", "o1"}});
  replay->reset();
  auto reused = a.Begin(scope, "k1", "{\"a\":2}");
  REQUIRE_FALSE(reused.ok());
  CHECK(reused.status().code() == Code::kIdempotencyKeyReused);

  // An answer that is not stored (409, 429, 5xx) gives the key back.
  {
    auto claim = a.Begin(scope, "k2", "{}");
    REQUIRE(claim.ok());
    (*claim)->Record(503, json{{"type", "unavailable"}});
  }
  auto again = b.Begin(scope, "k2", "{}");
  REQUIRE(again.ok());
  CHECK_FALSE((*again)->replay());
  again->reset();

  // A server that died with a key claimed: the claim runs out.
  auto orphan = a.Begin(scope, "k3", "{}");
  REQUIRE(orphan.ok());
  REQUIRE_FALSE(b.Begin(scope, "k3", "{}").ok());
  web.wall().Advance(IdempotencyKeys::kClaimSeconds - 1);
  REQUIRE_FALSE(b.Begin(scope, "k3", "{}").ok());
  web.wall().Advance(1);
  auto taken_over = b.Begin(scope, "k3", "{}");
  REQUIRE(taken_over.ok());
  CHECK_FALSE((*taken_over)->replay());
}

}  // namespace
}  // namespace aftersales::testing
