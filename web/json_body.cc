#include "web/json_body.h"

#include <string>

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
  // allow_exceptions = false: a parse error yields a discarded value instead.
  nlohmann::json value = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (value.is_discarded()) return Status(Code::kMalformedJson, "the body is not well-formed JSON");
  return value;
}

}  // namespace aftersales
