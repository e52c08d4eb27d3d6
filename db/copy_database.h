// Copying a whole SQLite database into an empty PostgreSQL database, for
// `aftersales migrate` (docs/scale-out.md).
//
// CopySqliteToPostgres reads every table of the store's schema from one
// read snapshot of the SQLite file (writers may go on meanwhile: the copy is
// the database as of the moment the copy began) and writes them into the
// PostgreSQL database in one transaction, all or nothing, table by table in
// primary-key order: the column lists spelled out, every value bound as the
// column's type (integers as integers, texts as texts, NULL as NULL), 100
// rows per INSERT. The ids the store assigned (deadlines, outbox,
// deliveries) and the audit log's seq and hashes are copied as they are;
// each identity sequence is then moved past the copied maximum, so the next
// deadline, event or delivery gets a greater id. schema_migrations is not
// copied: each database records its own migrations.
//
// The copy refuses what it cannot copy faithfully, writing nothing: a
// target in which any table of the schema has a row, a source whose schema
// is not this program's latest, a table or column on either side that the
// copy does not know (a schema newer than the copy), a value whose type is
// not its column's (a text in an integer column, a real, a blob), and what
// PostgreSQL refuses to store (a text that is not valid UTF-8 or holds a
// NUL byte, a foreign key pointing nowhere, checked at COMMIT).
//
// The write transaction takes the writers' advisory lock of PgStore
// (db/postgres/pg_store.h) before it checks that the target is empty, so a
// server already running on the target cannot write between the check and
// the copy.
//
// Thread-safe: each call uses connections of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"

namespace aftersales {

// A table and its rows.
struct TableRows {
  std::string table;
  std::int64_t rows = 0;
};

struct DatabaseCopy {
  // Every table copied, in copy order, with the rows of the source snapshot
  // (all of which were written to the target).
  std::vector<TableRows> tables;
  // The source's last audit entry (none when the log is empty).
  std::optional<std::int64_t> audit_head_seq;
  std::optional<std::string> audit_head_hash;
  // The target, for messages: `database "x" on host:port` (no password).
  std::string target;
};

// How far a copy got, for progress lines.
struct CopyProgress {
  // Rows between two reports within a table.
  std::int64_t every = 10000;
  // Called every `every` rows of `table` (done < total), and when the table
  // is done (done == total, also 0 for an empty table); then once with
  // table "" and done == total == 0 when every table is written and COMMIT
  // begins.
  std::function<void(const std::string& table, std::int64_t done, std::int64_t total)> report;
};

// The tables of the store's schema that a copy writes, in copy order:
// orders, order_lines, cases, deadlines, texts, audit, outbox, webhooks,
// deliveries, users, tokens, sessions, policies, settings, idempotency,
// staff_events, case_facts, case_fact_lines.
std::vector<std::string> CopiedTables();

// The schema version recorded in the SQLite file at `path` (0: none),
// read without changing the file. Errors: unavailable (missing, not a
// database).
Result<int> SqliteSchemaVersion(const std::string& path);

// Copies the SQLite database at `sqlite_path` into the PostgreSQL database
// at `pg_uri`, whose schema must already be this program's (PgStore::Open
// migrates it). Errors: already_exists, naming a table that has rows, when
// the target is not empty; validation_failed when the source's schema or a
// value cannot be copied as it is (the message names the table and the
// row: its key, or the first row of the 100 in the INSERT PostgreSQL
// refused); unavailable when either database fails. On error nothing is
// written to the target, and the source is never written.
Result<DatabaseCopy> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& pg_uri,
                                          const CopyProgress& progress = {});

// The rows of each table of CopiedTables() in the PostgreSQL database at
// `pg_uri`, counted in one snapshot, in copy order. Errors: unavailable.
Result<std::vector<TableRows>> CountPostgresRows(const std::string& pg_uri);

}  // namespace aftersales
