#include "web/route.h"

#include <utility>

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

}  // namespace aftersales
