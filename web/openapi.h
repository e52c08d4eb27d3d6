// The OpenAPI 3.1 description of the HTTP API (web/openapi.json, compiled
// in), served by GET /api/v1/openapi.json. Thread-safe.
#pragma once

namespace aftersales {

// The document as UTF-8 JSON text; static storage, never null.
const char* OpenApiJson();

}  // namespace aftersales
