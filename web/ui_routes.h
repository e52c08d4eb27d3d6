// The web UI's routes: GET / (the single page) and GET /ui/<asset> (its
// scripts, styles and images), served from the assets embedded at build
// time (web/ui_assets.h). Public: the page itself holds no data; every
// datum comes from the API after login. Each answer carries a strict
// Content-Security-Policy (only this origin's scripts, no inline script or
// style), an ETag, and Cache-Control: no-cache (revalidated, answered 304
// when unchanged). Plain values; thread-safe once built.
#pragma once

#include <vector>

#include "web/route.h"

namespace aftersales {

// The Content-Security-Policy sent with every UI answer.
// img-src admits https images besides the UI's own: the buyer's evidence
// photos, shown as thumbnails, live on the shop's or the marketplace's image
// hosts, which the product cannot list. An image runs no script, so the
// script policy stays strict; http images are refused (mixed content) and
// show as links. The UI loads them with referrerpolicy="no-referrer".
constexpr const char* kUiContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// Appends the UI's routes to `routes` (after the API's, so that the API
// keeps every path it has).
void AppendUiRoutes(std::vector<Route>& routes);

}  // namespace aftersales
