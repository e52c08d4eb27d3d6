// The webhook routes of SPEC §6.12 (admin only), thin as every handler:
// read the request, call one WebhookService method, map its result.
//   POST /api/v1/webhooks                                          → 201
//   GET  /api/v1/webhooks
//   GET  /api/v1/webhooks/{id}
//   GET  /api/v1/webhooks/{id}/deliveries?limit=&cursor=
//   POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver  → 200
// Both POSTs honour Idempotency-Key. Thread-safe once built.
#pragma once

#include <vector>

#include "engine/webhooks/webhook_service.h"
#include "web/route.h"

namespace aftersales {

// The routes above; handlers keep a reference to `webhooks`, which must
// outlive the server.
std::vector<Route> BuildWebhookRoutes(WebhookService& webhooks);

}  // namespace aftersales
