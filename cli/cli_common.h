// What the administrative commands share: exit codes, the actor their
// changes are recorded under, opening the database and reading input files.
// Used from the main thread of the command-line program only.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "db/sqlite/sqlite_store.h"
#include "domain/actor.h"
#include "domain/status.h"

namespace aftersales {

// Exit codes of every command.
constexpr int kExitOk = 0;
// The command ran and found or refused something: bad input rows, a broken
// audit chain, a user that cannot be created.
constexpr int kExitFailed = 1;
// The command could not run: bad usage, a missing or unreadable file, the
// database unavailable.
constexpr int kExitUnusable = 2;

// The actor of changes made from the command line: {id "cli", role admin}.
Actor CliActor();

// Opens an existing database file; never creates one. Errors: not_found
// (no such file, message names it), unavailable (not a database, newer
// schema, ...).
Result<std::unique_ptr<SqliteStore>> OpenExistingStore(const std::string& path);
// Opens the database file, creating it when missing (a note saying so goes
// to `err`). Errors: unavailable.
Result<std::unique_ptr<SqliteStore>> OpenOrCreateStore(const std::string& path, std::ostream& err);

// The whole content of a file. Errors: not_found, unavailable (unreadable).
Result<std::string> ReadWholeFile(const std::string& path);

// A database upgraded from before the reports (schema version 3) has cases
// but no case facts or staff events: builds them once, each in one
// transaction, saying so on `err` as `command`. Does nothing when they are
// there. Errors: unavailable.
Status CompleteReportTables(Store& store, std::ostream& err, const std::string& command);

// Writes "aftersales <command>: <message>" and the field errors of `status`
// to `err`.
void PrintError(std::ostream& err, const std::string& command, const Status& status);

}  // namespace aftersales
