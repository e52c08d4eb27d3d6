// The database schema as numbered migrations, and the code that brings a
// database up to date.
//
// Each migration is a list of single statements in portable SQL (TEXT,
// INTEGER, BIGINT, standard constraints, partial indexes) so that a later
// PostgreSQL backend can reuse them. Applied migrations are recorded in
// `schema_migrations(version, applied_at)`. Migrations are append-only: a
// released one is never edited; a change is a new version.
//
// Internal to db/. Stateless; thread-safe.
#pragma once

#include <vector>

#include "db/sqlite/sqlite_connection.h"
#include "domain/clock.h"
#include "domain/status.h"

namespace aftersales::sqlite {

struct Migration {
  int version = 0;
  std::vector<const char*> statements;
};

// Every migration, in increasing version order.
const std::vector<Migration>& Migrations();
// The version a fully migrated database has.
int LatestSchemaVersion();

// Applies, in one transaction, every migration newer than the database's
// recorded version, stamping each with `now`. Running it again is a no-op.
// Errors: unavailable (storage, or a database written by a newer program);
// on error nothing is applied.
Status Migrate(SqliteConnection& conn, TimePoint now);

}  // namespace aftersales::sqlite
