#include "web/json_body.h"

#include <set>
#include <string>
#include <vector>

namespace aftersales {

int JsonNestingDepth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::json> ParseJsonBody(std::string_view body) {
  if (!IsValidUtf8(body)) return Status(Code::kMalformedJson, "the body is not valid UTF-8");
  if (JsonNestingDepth(body) > kMaxJsonDepth) {
    return Status(Code::kMalformedJson, "the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  // A key twice in one object is refused: two parsers in a chain (a proxy,
  // a gateway, this server) could otherwise read different values.
  std::vector<std::set<std::string>> keys;  // of each open object
  std::string duplicate;
  const nlohmann::json::parser_callback_t watch_keys = [&](int, nlohmann::json::parse_event_t event,
                                                           nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      keys.emplace_back();
    } else if (event == Event::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == Event::key && !keys.empty() && duplicate.empty() &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  // allow_exceptions = false: a parse error yields a discarded value instead.
  nlohmann::json value = nlohmann::json::parse(body.begin(), body.end(), watch_keys, false);
  if (value.is_discarded()) return Status(Code::kMalformedJson, "the body is not well-formed JSON");
  if (!duplicate.empty()) {
    return Status(Code::kMalformedJson, "the key \"" + duplicate.substr(0, 64) + "\" appears twice in one object");
  }
  return value;
}

}  // namespace aftersales
