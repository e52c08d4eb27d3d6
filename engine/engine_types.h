// Small types shared by the engine's services.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

// Runs inside a service's write transaction, after the change and before
// the commit, with the response the service is about to return. The HTTP
// layer uses it to store an idempotency record in the same transaction as
// the change it guards. An error from the hook rolls everything back.
using TxnHook = std::function<Status(WriteTxn&, const nlohmann::json& response)>;

}  // namespace aftersales
