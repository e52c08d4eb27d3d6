// Helpers shared by engine tests: ready-made orders and a dump of every
// table of a database file, to compare stored states byte for byte.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

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

// Every row of every table, in a stable order, as text.
inline std::string DumpDatabase(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  std::string out;
  auto each = [&](const std::string& sql, auto&& fn) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db));
    }
    while (sqlite3_step(st) == SQLITE_ROW) fn(st);
    sqlite3_finalize(st);
  };
  std::vector<std::string> tables;
  each("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name",
       [&](sqlite3_stmt* st) { tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))); });
  for (const auto& t : tables) {
    out += "== " + t + "\n";
    each("SELECT * FROM \"" + t + "\" ORDER BY 1", [&](sqlite3_stmt* st) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* v = sqlite3_column_text(st, i);
        out += v ? reinterpret_cast<const char*>(v) : "NULL";
        out += '|';
      }
      out += '\n';
    });
  }
  sqlite3_close(db);
  return out;
}

}  // namespace aftersales::testing
