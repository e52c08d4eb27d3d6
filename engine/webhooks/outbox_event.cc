#include "engine/webhooks/outbox_event.h"

#include <utility>

#include "engine/crypto.h"
#include "engine/json_writer.h"

namespace aftersales {
namespace {

constexpr std::size_t kEventIdBytes = 12;

}  // namespace

std::string OutboxPayload(std::string_view event_id, std::string_view type, TimePoint at, const nlohmann::json& data) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();  // members in sorted key order, as dump() writes them
  w.Key("created_at").Time(at);
  w.Key("data").Value(data);
  w.Key("id").String(event_id);
  w.Key("type").String(type);
  w.EndObject();
  return out;
}

OutboxRow MakeOutboxEvent(const std::string& type, std::optional<std::string> case_id, const nlohmann::json& data,
                          TimePoint at) {
  OutboxRow row;
  row.event_id = "evt_" + RandomIdHex(kEventIdBytes);
  row.type = type;
  row.case_id = std::move(case_id);
  row.created_at = at;
  row.payload = OutboxPayload(row.event_id, type, at, data);
  return row;
}

}  // namespace aftersales
