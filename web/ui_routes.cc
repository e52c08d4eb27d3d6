#include "web/ui_routes.h"

#include <string>
#include <utility>

#include "web/ui_assets.h"

namespace aftersales {
namespace {

constexpr const char* kIndexAsset = "index.html";
constexpr int kNotModified = 304;

// Answers one asset, or 304 when the browser's copy is current.
ApiReply ServeAsset(const UiAsset& asset, const httplib::Request& req) {
  const bool current = req.get_header_value("If-None-Match") == asset.etag;
  ApiReply reply = current ? ApiReply::Text(kNotModified, "", "")
                           : ApiReply::Text(200, std::string(asset.bytes), std::string(asset.content_type));
  reply.headers = {{"Cache-Control", "no-cache"},
                   {"ETag", std::string(asset.etag)},
                   {"Content-Security-Policy", kUiContentSecurityPolicy},
                   {"X-Frame-Options", "DENY"},
                   {"Referrer-Policy", "no-referrer"},
                   {"Cross-Origin-Opener-Policy", "same-origin"}};
  return reply;
}

Route UiRoute(std::string pattern, std::function<ApiReply(ApiRequest&)> handler) {
  Route route;
  route.method = "GET";
  route.pattern = std::move(pattern);
  route.access = Access::kPublic;
  route.handler = std::move(handler);
  return route;
}

}  // namespace

void AppendUiRoutes(std::vector<Route>& routes) {
  routes.push_back(UiRoute("/", [](ApiRequest& r) {
    const UiAsset* index = FindUiAsset(kIndexAsset);
    if (index == nullptr) return ApiReply::Error(Status::Internal("the web UI was not embedded"));
    return ServeAsset(*index, r.http);
  }));
  // Asset names are looked up in the embedded table, never on disk.
  routes.push_back(UiRoute("/ui/{asset*}", [](ApiRequest& r) {
    const UiAsset* asset = FindUiAsset(r.params[0]);
    if (asset == nullptr) return ApiReply::Error(Status::NotFound("asset"));
    return ServeAsset(*asset, r.http);
  }));
}

}  // namespace aftersales
