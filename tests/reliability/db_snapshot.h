// DbSnapshot: what the reliability checks read from an aftersales database,
// a SQLite file or a PostgreSQL database (a postgresql:// URI), straight
// from its tables (SPEC §7 fixes the audit table's columns; the rest follows
// db/sqlite/schema.cc and db/postgres/pg_schema.cc, which agree on them),
// through the store's SQL seam (db/sql_connection.h), in one read
// transaction (PostgreSQL: REPEATABLE READ READ ONLY) so that the tables
// agree with each other even while servers write. Opened read-only; nothing
// is ever changed.
//
// Thread-safety: a snapshot is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace aftersales::reliability {

struct AuditRow {
  std::int64_t seq = 0;
  std::string actor_id;
  std::string case_id;  // "" when null
  std::string action;
  std::string from_state;  // "" when null
  std::string to_state;    // "" when null
  nlohmann::json data;
};

struct TextRow {
  std::string id;
  std::string case_id;
  std::string kind;
  std::string body;
};

struct CaseRow {
  std::string id;
  std::string order_id;
  std::string type;
  std::string state;
  std::int64_t version = 0;
  nlohmann::json doc;  // the stored document: lines, refunds, holds_shipping, inspection, ...
};

struct OrderLineRow {
  std::string line_id;
  std::int64_t qty = 0;
  std::int64_t paid = 0;
};

struct OrderRow {
  std::string id;
  std::int64_t shipping_paid = 0;
  std::vector<OrderLineRow> lines;
};

struct DeadlineRow {
  std::int64_t id = 0;
  std::string case_id;
  std::string kind;
  std::int64_t due_at = 0;
  std::string status;
  std::optional<std::int64_t> breached_at;
  std::string order_id;  // an order's deadline (order_ship): case_id empty
};

struct OutboxRow {
  std::string event_id;
  std::string type;
  nlohmann::json payload;
};

struct DbSnapshot {
  std::vector<AuditRow> audit;  // by seq
  std::map<std::string, TextRow> texts;
  std::map<std::string, CaseRow> cases;
  std::map<std::string, OrderRow> orders;
  std::vector<DeadlineRow> deadlines;
  std::vector<OutboxRow> outbox;  // by id
  std::set<std::string> user_ids;
  std::set<std::string> webhook_ids;
  std::optional<std::int64_t> test_clock_now;  // settings 'test_clock.now'
};

// Whether `location` is a PostgreSQL URI (postgresql:// or postgres://)
// rather than a SQLite file.
bool IsPostgresUri(const std::string& location);

// Reads `location`: a SQLite file, or a PostgreSQL database by URI. Throws
// std::runtime_error on any database error or a row that does not parse.
DbSnapshot ReadDbSnapshot(const std::string& location);

}  // namespace aftersales::reliability
