// The two spellings of the store's shared SQL (db/sql_connection.h) that
// PostgreSQL does not accept, rewritten before the driver prepares a text:
//  - a batch read's id list, one JSON array parameter:
//    `SELECT value FROM json_each(?)` becomes
//    `SELECT json_array_elements_text(?::json)`;
//  - SQLite's index hint `INDEXED BY name` is dropped (PostgreSQL's planner
//    takes no hints; its statistics choose).
// Everything else passes unchanged; `?` placeholders are the driver's.
// WithConflictAsNoRow is the driver's too (see below).
//
// Internal to db/. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aftersales::postgres {

std::string FromSqliteSpelling(std::string_view sql);

// A one-row `INSERT … VALUES (…) [RETURNING …]` without ON CONFLICT, with
// `ON CONFLICT DO NOTHING` added before any RETURNING: a clash with a
// PRIMARY KEY or UNIQUE key then inserts no row instead of failing, which
// the driver reports as the clash (PgStatement), without the savepoint an
// error inside a transaction would need. Any other text: nullopt.
std::optional<std::string> WithConflictAsNoRow(std::string_view sql);

}  // namespace aftersales::postgres
