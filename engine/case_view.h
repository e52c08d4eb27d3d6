// The JSON shapes served for orders and cases (SPEC §3, §6.3), rendered for
// one caller: allowed_actions are the caller's, and free text appears only
// where the caller may see it. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/command.h"
#include "domain/model.h"
#include "engine/ledger.h"
#include "workflows/policy.h"

namespace aftersales {

using TextsById = std::map<std::string, Text>;

// Whether `actor` may read `text` (SPEC §4: buyers see buyer-visible texts
// and their own; staff see all).
bool MaySeeText(const Actor& actor, const Text& text);
// Whether `actor` may see a case's abuse signals (`risk`): staff, as for
// internal texts; never a buyer.
bool MaySeeRisk(const Actor& actor);
// Whether `actor` may see cases and orders of `buyer_id` (SPEC §2).
bool MaySeeBuyer(const Actor& actor, const std::string& buyer_id);

nlohmann::json RenderCase(const Case& kase, const Actor& actor, const TextsById& texts, const Policy& policy);
nlohmann::json RenderOrder(const Order& order, const Ledger& ledger, const std::vector<std::string>& case_ids);

}  // namespace aftersales
