// What someone with the database file, but without the checkpoint key, can
// do to the audit log: rewrite its tail and chain every hash again, so
// that AuditLog::Verify passes, or cut the tail off. Works on the file
// with the SQLite C API (the store should be closed), drops whatever
// guards the audit table first, and fails the calling test on any error.
// For tests only; not thread-safe.
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/audit_log.h"

namespace aftersales::testing {

class AuditTamperer {
 public:
  explicit AuditTamperer(const std::string& db_path) {
    REQUIRE(sqlite3_open(db_path.c_str(), &db_) == SQLITE_OK);
    std::vector<std::string> triggers;
    Query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'", {},
          [&](sqlite3_stmt* s) { triggers.emplace_back(Text(s, 0)); });
    for (const std::string& t : triggers) Exec("DROP TRIGGER \"" + t + "\"");
  }
  ~AuditTamperer() { sqlite3_close(db_); }
  AuditTamperer(const AuditTamperer&) = delete;
  AuditTamperer& operator=(const AuditTamperer&) = delete;

  // Replaces the data of entry `seq` with `data` (canonical JSON) and
  // chains that entry and every later one again.
  void RewriteFrom(std::int64_t seq, const std::string& data) {
    std::vector<AuditRow> rows;
    Query(
        "SELECT seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, prev_hash, hash "
        "FROM audit WHERE seq >= ? ORDER BY seq",
        {seq - 1}, [&](sqlite3_stmt* s) {
          AuditRow r;
          r.seq = sqlite3_column_int64(s, 0);
          r.at = Text(s, 1);
          r.actor_id = Text(s, 2);
          r.actor_role = Text(s, 3);
          r.case_id = OptText(s, 4);
          r.action = Text(s, 5);
          r.from_state = OptText(s, 6);
          r.to_state = OptText(s, 7);
          r.data = Text(s, 8);
          r.prev_hash = Text(s, 9);
          r.hash = Text(s, 10);
          rows.push_back(r);
        });
    REQUIRE(rows.size() >= 2);  // the entry before `seq`, then the rewritten ones
    Exec("BEGIN");
    for (std::size_t i = 1; i < rows.size(); ++i) {
      AuditRow& r = rows[i];
      if (r.seq == seq) r.data = data;
      r.prev_hash = rows[i - 1].hash;
      r.hash = AuditLog::ComputeHash(r);
      sqlite3_stmt* stmt = nullptr;
      REQUIRE(sqlite3_prepare_v2(db_, "UPDATE audit SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?", -1, &stmt,
                                 nullptr) == SQLITE_OK);
      sqlite3_bind_text(stmt, 1, r.data.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt, 2, r.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt, 3, r.hash.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(stmt, 4, r.seq);
      const int rc = sqlite3_step(stmt);
      sqlite3_finalize(stmt);
      REQUIRE(rc == SQLITE_DONE);
    }
    Exec("COMMIT");
  }

  // Deletes every entry after `keep_seq`.
  void TruncateAfter(std::int64_t keep_seq) { Exec("DELETE FROM audit WHERE seq > " + std::to_string(keep_seq)); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    INFO(sql << ": " << (error ? error : ""));
    sqlite3_free(error);
    REQUIRE(rc == SQLITE_OK);
  }

 private:
  template <class Fn>
  void Query(const std::string& sql, const std::vector<std::int64_t>& params, Fn fn) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    for (std::size_t i = 0; i < params.size(); ++i) sqlite3_bind_int64(stmt, static_cast<int>(i + 1), params[i]);
    while (sqlite3_step(stmt) == SQLITE_ROW) fn(stmt);
    sqlite3_finalize(stmt);
  }
  static std::string Text(sqlite3_stmt* s, int column) {
    const unsigned char* text = sqlite3_column_text(s, column);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  static std::optional<std::string> OptText(sqlite3_stmt* s, int column) {
    if (sqlite3_column_type(s, column) == SQLITE_NULL) return std::nullopt;
    return Text(s, column);
  }

  sqlite3* db_ = nullptr;
};

}  // namespace aftersales::testing
