// Helpers shared by engine tests: ready-made orders and a dump of every
// table of a database, to compare stored states byte for byte.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "support/test_database.h"

namespace aftersales::testing {

// An order of buyer b1 delivered 2026-10-28, with one line `l1` of `qty`
// units paid `paid` in total, and `shipping` paid for shipping.
inline nlohmann::json MakeOrder(const std::string& id, std::int64_t qty = 3, std::int64_t paid = 1000,
                                std::int64_t shipping = 0, const std::string& buyer = "b1") {
  return {{"id", id},
          {"buyer_id", buyer},
          {"currency", "CNY"},
          {"placed_at", "2026-10-25T10:00:00Z"},
          {"delivered_at", "2026-10-28T10:00:00Z"},
          {"shipping_paid", shipping},
          {"lines", {{{"line_id", "l1"}, {"sku", "SKU-1"}, {"title", "Tea cup"}, {"qty", qty}, {"paid", paid}}}}};
}

// The body of a refund_only submit for `qty` units of line l1 of `order_id`.
inline nlohmann::json RefundOnlyRequest(const std::string& order_id, std::int64_t qty = 1) {
  return {{"order_id", order_id},
          {"type", "refund_only"},
          {"reason", "quality_issue"},
          {"lines", {{{"line_id", "l1"}, {"qty", qty}}}}};
}

// DumpDatabase (every row of every table, in a stable order, as text):
// support/test_database.h, for a SQLite file or a PostgreSQL database.

}  // namespace aftersales::testing
