// Request bodies: strict UTF-8 and JSON parsing for the HTTP API (SPEC §6:
// "JSON, UTF-8"; malformed bodies answer 400 malformed_json). Pure
// functions; thread-safe; never throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/status.h"
#include "domain/utf8.h"

namespace aftersales {

// Deeper bodies are refused before parsing: no request needs them, and deep
// values make recursive copies expensive.
constexpr int kMaxJsonDepth = 64;


// The deepest nesting of arrays and objects in `text`, counting brackets
// outside strings. Meaningful for well-formed JSON; cheap for any input.
int JsonNestingDepth(std::string_view text);

// Parses a request body. Errors: malformed_json (invalid UTF-8, nesting
// deeper than kMaxJsonDepth, syntax errors, trailing data).
Result<nlohmann::json> ParseJsonBody(std::string_view body);

}  // namespace aftersales
