// What someone with the database, but without the checkpoint key, can do to
// the audit log: rewrite its tail and chain every hash again, so that
// AuditLog::Verify passes, or cut the tail off. Works on the database
// directly, outside any store: `location` is a SQLite file's path (the
// store should be closed) or a PostgreSQL URI (TestDatabase::location(),
// support/test_database.h). Drops whatever guards the audit table first
// (triggers), and fails the calling test on any error. For tests only; not
// thread-safe.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/audit/audit_log.h"
#include "support/test_database.h"

namespace aftersales::testing {

class AuditTamperer {
 public:
  explicit AuditTamperer(std::string location) : location_(std::move(location)) {
    const std::string triggers_sql =
        IsPostgresLocation(location_)
            ? "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass AND NOT tgisinternal"
            : "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'";
    for (const auto& row : Query(triggers_sql)) {
      const std::string name = row.at(0).value_or("");
      Exec("DROP TRIGGER \"" + name + "\"" + (IsPostgresLocation(location_) ? " ON audit" : ""));
    }
  }
  AuditTamperer(const AuditTamperer&) = delete;
  AuditTamperer& operator=(const AuditTamperer&) = delete;

  // Replaces the data of entry `seq` with `data` (canonical JSON) and
  // chains that entry and every later one again, in one transaction.
  void RewriteFrom(std::int64_t seq, const std::string& data) {
    std::vector<AuditRow> rows;
    for (const auto& row : Query("SELECT seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, "
                                 "prev_hash, hash FROM audit WHERE seq >= " +
                                 std::to_string(seq - 1) + " ORDER BY seq")) {
      AuditRow r;
      r.seq = std::stoll(row.at(0).value_or("0"));
      r.at = row.at(1).value_or("");
      r.actor_id = row.at(2).value_or("");
      r.actor_role = row.at(3).value_or("");
      r.case_id = row.at(4);
      r.action = row.at(5).value_or("");
      r.from_state = row.at(6);
      r.to_state = row.at(7);
      r.data = row.at(8).value_or("");
      r.prev_hash = row.at(9).value_or("");
      r.hash = row.at(10).value_or("");
      rows.push_back(r);
    }
    REQUIRE(rows.size() >= 2);  // the entry before `seq`, then the rewritten ones
    std::string sql = "BEGIN;";
    for (std::size_t i = 1; i < rows.size(); ++i) {
      AuditRow& r = rows[i];
      if (r.seq == seq) r.data = data;
      r.prev_hash = rows[i - 1].hash;
      r.hash = AuditLog::ComputeHash(r);
      sql += " UPDATE audit SET data = " + SqlQuote(r.data) + ", prev_hash = " + SqlQuote(r.prev_hash) +
             ", hash = " + SqlQuote(r.hash) + " WHERE seq = " + std::to_string(r.seq) + ";";
    }
    Exec(sql + " COMMIT;");
  }

  // Deletes every entry after `keep_seq`.
  void TruncateAfter(std::int64_t keep_seq) { Exec("DELETE FROM audit WHERE seq > " + std::to_string(keep_seq)); }

  // Runs `sql` on the database (valid SQL on its backend).
  void Exec(const std::string& sql) {
    std::string error;
    try {
      ExecSql(location_, sql);
    } catch (const std::exception& e) {
      error = e.what();
    }
    INFO(error);
    REQUIRE(error.empty());
  }

 private:
  SqlRows Query(const std::string& sql) {
    std::string error;
    SqlRows rows;
    try {
      rows = QuerySql(location_, sql);
    } catch (const std::exception& e) {
      error = e.what();
    }
    INFO(error);
    REQUIRE(error.empty());
    return rows;
  }

  std::string location_;
};

}  // namespace aftersales::testing
