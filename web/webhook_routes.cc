#include "web/webhook_routes.h"

#include <set>
#include <string>
#include <utility>

namespace aftersales {
namespace {

constexpr RoleSet kAdminOnly = Bit(Role::kAdmin);

// The query of GET …/deliveries: limit and cursor, each at most once.
Result<DeliveryQuery> ParseDeliveryQuery(const httplib::Request& req) {
  static const std::set<std::string> kKnown = {"limit", "cursor"};
  for (const auto& [name, value] : req.params) {
    if (!kKnown.count(name)) return Status::Invalid(name, "unknown query parameter");
    if (req.get_param_value_count(name.c_str()) > 1)
      return Status::Invalid(name, "query parameter given more than once");
  }
  DeliveryQuery q;
  if (req.has_param("limit")) q.limit = req.get_param_value("limit");
  if (req.has_param("cursor")) q.cursor = req.get_param_value("cursor");
  return q;
}

}  // namespace

std::vector<Route> BuildWebhookRoutes(WebhookService& webhooks) {
  std::vector<Route> routes;
  auto add = [&routes](Route r) { routes.push_back(std::move(r)); };

  add({"POST",
       "/api/v1/webhooks",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kJsonObject,
       true,
       201,
       {},
       [&webhooks](ApiRequest& r) { return ApiReply::From(webhooks.CreateWebhook(*r.actor, r.body, r.hook), 201); }});
  add({"GET",
       "/api/v1/webhooks",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kNone,
       false,
       200,
       {},
       [&webhooks](ApiRequest& r) { return ApiReply::From(webhooks.ListWebhooks(*r.actor)); }});
  add({"GET",
       "/api/v1/webhooks/{id}",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kNone,
       false,
       200,
       {},
       [&webhooks](ApiRequest& r) { return ApiReply::From(webhooks.GetWebhook(*r.actor, r.params[0])); }});
  add({"PATCH",
       "/api/v1/webhooks/{id}",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kJsonObject,
       false,
       200,
       {},
       [&webhooks](ApiRequest& r) {
         return ApiReply::From(webhooks.PatchWebhook(*r.actor, r.params[0], r.body, r.hook));
       }});
  add({"DELETE",
       "/api/v1/webhooks/{id}",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kNone,
       false,
       204,
       {},
       [&webhooks](ApiRequest& r) {
         Status s = webhooks.DeleteWebhook(*r.actor, r.params[0], r.hook);
         if (!s.ok()) return ApiReply::Error(s);
         return ApiReply::Text(204, "", "");
       }});
  add({"GET",
       "/api/v1/webhooks/{id}/deliveries",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kNone,
       false,
       200,
       {},
       [&webhooks](ApiRequest& r) {
         auto query = ParseDeliveryQuery(r.http);
         if (!query.ok()) return ApiReply::Error(query.status());
         return ApiReply::From(webhooks.ListDeliveries(*r.actor, r.params[0], *query));
       }});
  add({"POST",
       "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
       Access::kAuthenticated,
       kAdminOnly,
       BodyKind::kJsonObject,
       true,
       200,
       {},
       [&webhooks](ApiRequest& r) {
         // The body carries nothing; anything in it is refused.
         if (!r.body.empty()) return ApiReply::Error(Status::Invalid(r.body.begin().key(), "unknown field"));
         return ApiReply::From(webhooks.Redeliver(*r.actor, r.params[0], r.params[1], r.hook));
       }});
  return routes;
}

}  // namespace aftersales
