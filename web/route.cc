#include "web/route.h"

#include <utility>

#include "engine/body_reader.h"
#include "web/problem.h"

namespace aftersales {

ApiReply ApiReply::Json(int status, nlohmann::json value) {
  ApiReply r;
  r.status = status;
  r.json = std::move(value);
  return r;
}

ApiReply ApiReply::Text(int status, std::string text, std::string content_type) {
  ApiReply r;
  r.status = status;
  r.text = std::move(text);
  r.content_type = std::move(content_type);
  return r;
}

ApiReply ApiReply::Error(Status status) {
  ApiReply r;
  r.status = HttpStatusOf(status.code());
  r.error = std::move(status);
  return r;
}

ApiReply ApiReply::From(Result<nlohmann::json> result, int status) {
  if (!result.ok()) return Error(result.status());
  return Json(status, std::move(*result));
}

ApiReply ApiReply::FromJsonText(Result<std::string> result, int status) {
  if (!result.ok()) return Error(result.status());
  return Text(status, std::move(*result), kJsonContentType);
}

namespace {

constexpr std::size_t kMaxIdChars = 64;
constexpr std::size_t kMaxRestChars = 200;

}  // namespace

bool MatchRoutePath(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  std::size_t p = 0;  // in pattern
  std::size_t q = 0;  // in path
  while (p < pattern.size()) {
    if (pattern[p] != '{') {
      if (q >= path.size() || path[q] != pattern[p]) return false;
      ++p;
      ++q;
      continue;
    }
    const std::size_t close = pattern.find('}', p);
    if (close == std::string_view::npos) return false;  // not a pattern this table builds
    const bool rest = close > p + 1 && pattern[close - 1] == '*';
    std::size_t end = q;
    while (end < path.size() && (IsIdChar(path[end]) || (rest && path[end] == '/'))) ++end;
    const std::size_t length = end - q;
    if (length == 0 || length > (rest ? kMaxRestChars : kMaxIdChars)) return false;
    params.emplace_back(path.substr(q, length));
    p = close + 1;
    q = end;
  }
  return q == path.size();
}

}  // namespace aftersales
