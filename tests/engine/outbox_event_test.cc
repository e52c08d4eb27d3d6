// An outbox event's payload is byte for byte what nlohmann's dump() wrote
// for {"id", "type", "created_at", "data"} before the payload was written
// directly; its id is new for every event.
#include "engine/webhooks/outbox_event.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <regex>
#include <set>
#include <string>

namespace aftersales {
namespace {

using nlohmann::json;

std::string DumpedPayload(const std::string& id, const std::string& type, TimePoint at, const json& data) {
  const json payload = {{"id", id}, {"type", type}, {"created_at", FormatTime(at)}, {"data", data}};
  return payload.dump();
}

TEST_CASE("An outbox payload is what dump() writes for the same event", "[outbox]") {
  const TimePoint at = 1767157468;
  const json kinds[] = {
      json::object(),
      json::array(),
      json(nullptr),
      json{{"case_id", "cs_1"}, {"from", "requested"}, {"to", "pending_approval"}, {"version", 2}},
      json{{"refund", {{"amount", 23532}, {"currency", "CNY"}, {"id", "cs_1-rf1"}}}, {"lines", {1, -2, 3}}},
      json{{"note", "商品破损 \"quoted\" back\\slash\nline\ttab \x01\x1f\x7f"}, {"flag", true}, {"off", false}},
      json{{"big", std::numeric_limits<std::uint64_t>::max()},
           {"least", std::numeric_limits<std::int64_t>::min()},
           {"zero", 0}},
      json{{"z", {{"y", {{"x", json::array({json::object(), json::array(), nullptr})}}}}}, {"a", "first"}},
      json{{"emoji", "\xF0\x9F\x93\xA6"}, {"empty", ""}, {"ratio", 0.5}},
  };
  for (const json& data : kinds) {
    CAPTURE(data.dump());
    CHECK(OutboxPayload("evt_0123456789abcdef01234567", "case.state_changed", at, data) ==
          DumpedPayload("evt_0123456789abcdef01234567", "case.state_changed", at, data));
  }
  // Text that is not valid UTF-8 (never in an event: requests are parsed
  // as UTF-8) is replaced as dump() replaces it when told to, not thrown.
  const json bad = {{"note", "ok \xC3\x28 \xFF end"}};
  const json bad_payload = {{"id", "evt_1"}, {"type", "t"}, {"created_at", FormatTime(at)}, {"data", bad}};
  CHECK(OutboxPayload("evt_1", "t", at, bad) == bad_payload.dump(-1, ' ', false, json::error_handler_t::replace));
  // Text in the id and type is escaped as dump() escapes it.
  CHECK(OutboxPayload("evt_\"x\"", "type\\with\nescapes", at, json::object()) ==
        DumpedPayload("evt_\"x\"", "type\\with\nescapes", at, json::object()));
}

TEST_CASE("Each outbox event gets a new id and carries it in its payload", "[outbox]") {
  const json data = {{"case_id", "cs_9"}, {"state", "refunded"}};
  const std::regex id_form("evt_[0-9a-f]{24}");
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const OutboxRow row = MakeOutboxEvent("case.state_changed", std::string("cs_9"), data, 1767000000 + i);
    CHECK(std::regex_match(row.event_id, id_form));
    CHECK(row.type == "case.state_changed");
    REQUIRE(row.case_id.has_value());
    CHECK(*row.case_id == "cs_9");
    CHECK(row.created_at == 1767000000 + i);
    CHECK(row.id == 0);  // the store assigns it
    CHECK(row.payload == DumpedPayload(row.event_id, row.type, row.created_at, data));
    ids.insert(row.event_id);
  }
  CHECK(ids.size() == 100);

  const OutboxRow of_order = MakeOutboxEvent("order.shipped", std::nullopt, data, 1767000000);
  CHECK_FALSE(of_order.case_id.has_value());
  CHECK(json::parse(of_order.payload).at("id") == of_order.event_id);
}

}  // namespace
}  // namespace aftersales
