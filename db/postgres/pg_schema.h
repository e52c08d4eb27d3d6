// The PostgreSQL database schema as numbered migrations, and the code that
// brings a database up to date; the counterpart of db/sqlite/schema.h.
//
// Version 1 is the whole model as SQLite's migrations 1..8 leave it, in
// PostgreSQL's terms: every TEXT column is `TEXT COLLATE "C"` (the store
// compares and pages by bytes, as SQLite does), the ids the database assigns
// (deadlines, outbox, deliveries) are identity columns, foreign keys are
// checked at COMMIT. Applied migrations are recorded in
// `schema_migrations(version, applied_at)`. Migrations are append-only: a
// released one is never edited; a change is a new version.
//
// Internal to db/. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "db/postgres/pg_connection.h"
#include "domain/clock.h"
#include "domain/status.h"

namespace aftersales::postgres {

// The transaction-scoped advisory lock (pg_advisory_xact_lock) that Migrate
// holds, so that servers starting together against one database migrate it
// once. No other lock of the program may use this key.
constexpr std::int64_t kMigrationLockKey = 0x4166745372764D31;  // "AftSrvM1"

// The transaction-scoped advisory lock that every write transaction of
// PgStore takes right after BEGIN (db/postgres/pg_store.h): exclusively by
// an exclusive write, so that it runs alone among the writers of all
// processes sharing the database; shared by a keyed write (one order, one
// idempotency record), which then also takes its key's lock and, at its
// first append, the appenders' lock. A copy into the database (db/copy_database.h) takes it
// exclusively too.
constexpr std::int64_t kWritersLockKey = 7305618213311390823;
// The appenders' lock (one key) and the keys' locks of keyed writes (this
// class, with a 32-bit hash of the key, "order " + id, ...: a clash only
// makes two keys wait for each other). Advisory locks of one 64-bit key and of two 32-bit keys never
// clash with each other.
constexpr std::int64_t kAppendLockKey = 7305618213311390824;
constexpr std::int32_t kKeyLockClass = 0x41664b79;  // "AfKy"

struct Migration {
  int version = 0;
  std::vector<const char*> statements;
};

// Every migration, in increasing version order.
const std::vector<Migration>& Migrations();
// The version a fully migrated database has.
int LatestSchemaVersion();

// Applies, in one transaction under kMigrationLockKey, every migration newer
// than the database's recorded version, stamping each with `now`. Running
// it again is a no-op. Errors: unavailable (storage, or a database written
// by a newer program); on error nothing is applied and the transaction is
// rolled back. `conn` must not be inside a transaction.
Status Migrate(PgConnection& conn, TimePoint now);

}  // namespace aftersales::postgres
