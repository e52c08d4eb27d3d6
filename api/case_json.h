// The JSON of SPEC §3 and §6 for the engine's views: a case and an order as
// one caller sees them, a page of cases with its keyset cursor, a case's
// timeline. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/cases/case_views.h"

namespace aftersales {

// A case as its wire text: compact JSON with its keys sorted, exactly what
// dump() writes for CaseJson (invalid UTF-8 in a text replaced by U+FFFD),
// written without building a tree. CaseJson is this text parsed.
std::string CaseJsonText(const CaseView& view);
nlohmann::json CaseJson(const CaseView& view);
nlohmann::json OrderJson(const OrderView& view);
nlohmann::json OrderPageJson(const OrderPage& page);
// {"items": [...], "next_cursor": string|null}, as wire text (CaseJsonText's
// items), and parsed.
std::string CasePageJsonText(const CasePage& page);
nlohmann::json CasePageJson(const CasePage& page);
// {"items": [audit entries as stored, each with "texts": [...]]}
nlohmann::json TimelineJson(const Timeline& timeline);
// {"kind", "state", "due_before", "hours", "moving", "due_now",
//  "first": [{"case_id", "order_id", "deadline", "from_due_at", "to_due_at"}]}
nlohmann::json ExtensionPreviewJson(const ExtensionPreview& preview);
// Whichever view a command answered with, and the same as wire text (a
// case's written without a tree, as CaseJsonText; dump() of the others).
nlohmann::json CommandResultJson(const CommandResult& result);
std::string CommandResultText(const CommandResult& result);

// The opaque cursor a page hands out (hex of "<d|c>:<key or ->:<id>"), and
// back. nullopt: not a cursor this list gave (for the sort asked for).
std::string EncodeCursor(const CaseCursor& cursor);
std::optional<CaseCursor> DecodeCursor(const std::string& text, bool by_due);

}  // namespace aftersales
