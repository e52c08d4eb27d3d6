// An outbox event (SPEC §6.12): what a change tells the webhooks, written in
// the change's own transaction. Every event a command emits is made here,
// so that each has one id scheme and one payload shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "engine/store/webhook_store.h"

namespace aftersales {

// The outbox row of an event of `type` about `data`, made at `at`: a new
// event id ("evt_" and 24 random hex digits) and its payload.
OutboxRow MakeOutboxEvent(const std::string& type, std::optional<std::string> case_id, const nlohmann::json& data,
                          TimePoint at);

// The JSON text every delivery of the event carries:
// {"created_at": RFC 3339, "data": data, "id": event id, "type": type},
// byte for byte what nlohmann's dump() writes for that object (its keys
// sorted), written without building the object. Text that is not valid
// UTF-8 has its bad sequences replaced by U+FFFD, where dump() throws.
std::string OutboxPayload(std::string_view event_id, std::string_view type, TimePoint at, const nlohmann::json& data);

}  // namespace aftersales
