// Problem details (RFC 9457) for every error the HTTP API answers (SPEC §6):
// {"type", "title", "status", "detail", "code", "errors": [{"field",
// "message"}]} plus the extra members of the Status (for example `state` and
// `allowed_actions` of an invalid transition). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/status.h"

namespace aftersales {

constexpr const char* kProblemContentType = "application/problem+json";
constexpr const char* kJsonContentType = "application/json";

// The problem document for `status` (which must not be ok). Details of
// internal (500) and unavailable (503) errors are replaced by a generic
// sentence: their messages are for the log, not for clients.
nlohmann::json ProblemJson(const Status& status);

// A problem document for an HTTP status that has no SPEC code of its own
// (for example 414 from the HTTP parser), with `code` given.
nlohmann::json ProblemJson(int http_status, const std::string& code, const std::string& title,
                           const std::string& detail);

// Serializes JSON for the wire: compact, and never throws on invalid UTF-8
// (it is replaced by U+FFFD).
std::string WireJson(const nlohmann::json& value);

}  // namespace aftersales
