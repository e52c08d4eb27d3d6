#include "support/test_database.h"

#include <sqlite3.h>

#include <stdexcept>
#include <utility>

#include "db/postgres/pg_store.h"
#include "db/sqlite/sqlite_store.h"
#include "support/pg_test_database.h"

namespace aftersales::testing {
namespace {

// A connection to the SQLite file at `path`, closed when it goes away.
class SqliteFile {
 public:
  SqliteFile(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string error = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + path + ": " + error);
    }
    // The store's own writer may hold the file for a moment.
    sqlite3_busy_timeout(db_, 10000);
  }
  ~SqliteFile() { sqlite3_close(db_); }
  SqliteFile(const SqliteFile&) = delete;
  SqliteFile& operator=(const SqliteFile&) = delete;

  sqlite3* get() const { return db_; }

  // Every row of `sql`, each column through `column`.
  template <class Fn>
  void Each(const std::string& sql, Fn fn) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) fn(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

bool IsPostgresLocation(const std::string& location) { return PgStore::IsUri(location); }

void ExecSql(const std::string& location, const std::string& sql) {
  if (IsPostgresLocation(location)) return PgExec(location, sql);
  SqliteFile file(location, SQLITE_OPEN_READWRITE);
  char* error = nullptr;
  const int rc = sqlite3_exec(file.get(), sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
}

SqlRows QuerySql(const std::string& location, const std::string& sql) {
  if (IsPostgresLocation(location)) return PgQuery(location, sql);
  SqliteFile file(location, SQLITE_OPEN_READWRITE);
  SqlRows rows;
  file.Each(sql, [&](sqlite3_stmt* stmt) {
    std::vector<std::optional<std::string>> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      if (text == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))));
      }
    }
    rows.push_back(std::move(row));
  });
  return rows;
}

std::string SqlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string DumpDatabase(const std::string& location) {
  if (IsPostgresLocation(location)) return PgDump(location);
  SqliteFile file(location, SQLITE_OPEN_READONLY);
  std::string out;
  std::vector<std::string> tables;
  file.Each("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name",
            [&](sqlite3_stmt* st) { tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))); });
  for (const auto& t : tables) {
    out += "== " + t + "\n";
    file.Each("SELECT * FROM \"" + t + "\" ORDER BY 1", [&](sqlite3_stmt* st) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* v = sqlite3_column_text(st, i);
        out += v ? reinterpret_cast<const char*>(v) : "NULL";
        out += '|';
      }
      out += '\n';
    });
  }
  return out;
}

TestDatabase::TestDatabase(std::string sqlite_path) : sqlite_path_(std::move(sqlite_path)) {
  if (std::optional<std::string> server = PostgresTestServerUri()) {
    postgres_ = std::make_unique<PgReusedTestDatabase>(*server);
  }
}

TestDatabase::~TestDatabase() = default;

const std::string& TestDatabase::location() const { return postgres_ ? postgres_->uri() : sqlite_path_; }

const std::string& TestDatabase::sqlite_path() const {
  if (postgres_) {
    throw std::runtime_error("the SQLite file of a fixture on PostgreSQL (" + postgres_->name() +
                             "): this test is about SQLite alone, tag it [sqlite]");
  }
  return sqlite_path_;
}

std::unique_ptr<Store> TestDatabase::OpenStore(const Clock* clock) const {
  if (postgres_) {
    PgStore::Options options;
    options.clock = clock;
    Result<std::unique_ptr<PgStore>> opened = PgStore::Open(postgres_->uri(), options);
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    return std::move(*opened);
  }
  SqliteStore::Options options;
  options.clock = clock;
  Result<std::unique_ptr<SqliteStore>> opened = SqliteStore::Open(sqlite_path_, options);
  if (!opened.ok()) throw std::runtime_error(opened.status().message());
  return std::move(*opened);
}

}  // namespace aftersales::testing
