// Test helper: one case action over HTTP that must succeed (200), for the
// web tests that walk cases through their workflow.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "web/web_fixture.h"

namespace aftersales::testing {

// POST /cases/{id}/actions/{action} as `who`; REQUIREs 200 and returns the case.
inline nlohmann::json Act(WebFixture& web, const std::string& who, const std::string& case_id,
                          const std::string& action, const nlohmann::json& body = nlohmann::json::object()) {
  HttpResult r = web.Post("/api/v1/cases/" + case_id + "/actions/" + action, body, web.token(who));
  INFO(who << " " << action << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

}  // namespace aftersales::testing
