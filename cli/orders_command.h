// `aftersales orders import FILE`: bulk import of paid orders from a JSON or
// CSV file (formats and rules in engine/order_import.h).
//
// All or nothing: every row is validated first, and every order checked
// against the database; any problem is reported as "FILE:LINE: message" and
// nothing is imported. Otherwise all orders are written in one write
// transaction, each with its `order_created` audit entry by {id "cli", role
// admin}.
#pragma once

#include <ostream>
#include <string>

#include "domain/clock.h"

namespace aftersales {

struct OrdersImportOptions {
  std::string file;
  std::string db_path = "aftersales.db";
};

// Imports `options.file` (creating the database file when missing). Writes
// progress (large files) and problems to `err`, the summary to `out`.
// Returns kExitOk, kExitFailed (problems found: nothing imported) or
// kExitUnusable (unreadable file, database unavailable).
int RunOrdersImport(const OrdersImportOptions& options, const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace aftersales
