#include "db/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <iterator>
#include <limits>
#include <utility>

#include "db/postgres/pg_dialect.h"
#include "engine/crypto.h"

namespace aftersales::postgres {
namespace {

// Statements with generated text (list filters) could grow the cache without
// bound; past this size the idle ones are dropped and made again later.
constexpr std::size_t kMaxCachedStatements = 128;
// Server-side prepared statements per connection; past this many, new
// (text, types) pairs run unnamed (parsed at each execution) rather than
// holding more server memory.
constexpr std::size_t kMaxPreparedStatements = 512;

// Parameter type OIDs (pg_type.h is a server header).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kUnspecifiedOid = 0;

constexpr const char* kUniqueViolation = "23505";
constexpr const char* kSerializationFailure = "40001";
constexpr const char* kDeadlockDetected = "40P01";

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$'; }
bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool EqualsUpper(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) return false;
  }
  return true;
}

bool IsDmlWord(std::string_view word) {
  return EqualsUpper(word, "INSERT") || EqualsUpper(word, "UPDATE") || EqualsUpper(word, "DELETE") ||
         EqualsUpper(word, "MERGE");
}

// What Prepare and Exec need to know about a statement's text.
struct Scanned {
  std::string pg_sql;  // `?` rewritten to $1, $2, ...
  int parameters = 0;
  bool empty = true;       // nothing but whitespace, comments and semicolons
  std::string first_word;  // upper case: "SELECT", "INSERT", "COMMIT", ...
  bool modifies = false;   // INSERT/UPDATE/DELETE/MERGE, or a WITH naming one
};

// One pass over `sql`: rewrites each `?` outside string literals ('…',
// E'…' with backslash escapes, $tag$…$tag$), quoted identifiers and comments
// (-- and nested /* */) to $n, and finds the first keyword.
Scanned Scan(std::string_view sql) {
  Scanned out;
  out.pg_sql.reserve(sql.size() + 16);
  bool dml_word = false;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  auto copy_to = [&](std::size_t end) {
    out.pg_sql.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < n) {
    const char c = sql[i];
    const char next = i + 1 < n ? sql[i + 1] : '\0';
    if (c == '\'') {
      // E'…' (or e'…'): backslash escapes; otherwise standard strings.
      const bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !IsIdentChar(sql[i - 2]));
      std::size_t j = i + 1;
      while (j < n) {
        if (escapes && sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == '\'') {
          if (j + 1 < n && sql[j + 1] == '\'') {
            j += 2;
          } else {
            ++j;
            break;
          }
        } else {
          ++j;
        }
      }
      out.empty = false;
      copy_to(std::min(j, n));
    } else if (c == '"') {
      std::size_t j = i + 1;
      while (j < n) {
        if (sql[j] == '"') {
          if (j + 1 < n && sql[j + 1] == '"') {
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        ++j;
      }
      out.empty = false;
      copy_to(std::min(j, n));
    } else if (c == '-' && next == '-') {
      std::size_t j = sql.find('\n', i);
      copy_to(j == std::string_view::npos ? n : j);
    } else if (c == '/' && next == '*') {
      int depth = 1;
      std::size_t j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] == '/' && j + 1 < n && sql[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (sql[j] == '*' && j + 1 < n && sql[j + 1] == '/') {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      }
      copy_to(j);
    } else if (c == '$' && (i == 0 || !IsIdentChar(sql[i - 1])) && (next == '$' || IsIdentStart(next))) {
      // A dollar-quoted string: $$…$$ or $tag$…$tag$ ($1 is not one).
      std::size_t j = i + 1;
      while (j < n && IsIdentChar(sql[j]) && sql[j] != '$') ++j;
      if (j < n && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j + 1 - i);
        std::size_t close = sql.find(tag, j + 1);
        copy_to(close == std::string_view::npos ? n : close + tag.size());
      } else {
        copy_to(j);
      }
      out.empty = false;
    } else if (c == '?') {
      out.pg_sql += '$';
      out.pg_sql += std::to_string(++out.parameters);
      out.empty = false;
      ++i;
    } else if (IsIdentStart(c) && (i == 0 || !IsIdentChar(sql[i - 1]))) {
      std::size_t j = i + 1;
      while (j < n && IsIdentChar(sql[j])) ++j;
      const std::string_view word = sql.substr(i, j - i);
      if (out.first_word.empty()) {
        for (char w : word) out.first_word += static_cast<char>(std::toupper(static_cast<unsigned char>(w)));
      }
      if (IsDmlWord(word)) dml_word = true;
      out.empty = false;
      copy_to(j);
    } else {
      if (std::isspace(static_cast<unsigned char>(c)) == 0 && c != ';') out.empty = false;
      out.pg_sql += c;
      ++i;
    }
  }
  const std::string& first = out.first_word;
  out.modifies =
      first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "MERGE" || (first == "WITH" && dml_word);
  return out;
}

// `text` with each run of whitespace made one space, trimmed.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// `message` with every occurrence of `secret` replaced.
std::string Scrub(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  for (std::size_t at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 3)) {
    message.replace(at, secret.size(), "***");
  }
  return message;
}

bool ContainsNoCase(std::string_view text, std::string_view upper) {
  for (std::size_t i = 0; i + upper.size() <= text.size(); ++i) {
    if (EqualsUpper(text.substr(i, upper.size()), upper)) return true;
  }
  return false;
}

std::int64_t ClampDouble(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<std::int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(d);  // truncates toward zero, as SQLite does
}

// The integer PostgreSQL's text `s` (NUL-terminated, `size` bytes) stands
// for: an integer, the integer part of a numeric, a float, a boolean.
std::int64_t ParseInt(const char* s, std::size_t size) {
  if (size == 0) return 0;
  if (size == 1 && s[0] == 't') return 1;
  if (size == 1 && s[0] == 'f') return 0;
  const char* end = s + size;
  std::int64_t value = 0;
  auto [stop, ec] = std::from_chars(s, end, value);
  if (ec == std::errc::result_out_of_range) {
    return s[0] == '-' ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
  }
  const bool exponent = std::memchr(s, 'e', size) != nullptr || std::memchr(s, 'E', size) != nullptr;
  if (ec != std::errc() || (stop != end && exponent)) return ClampDouble(std::strtod(s, nullptr));
  return value;  // "123", or "123" of "123.45"
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

void PgResultDeleter::operator()(pg_result* result) const { PQclear(result); }

// ---- PgStatement -----------------------------------------------------------

PgStatement::PgStatement(PgConnection& conn, std::string sql) : conn_(conn), sql_(std::move(sql)) {
  std::string text = FromSqliteSpelling(sql_);
  if (std::optional<std::string> rewritten = WithConflictAsNoRow(text)) {
    text = std::move(*rewritten);
    conflict_as_no_row_ = true;
  }
  Scanned scanned = Scan(text);
  pg_sql_ = std::move(scanned.pg_sql);
  parameter_count_ = scanned.parameters;
  empty_ = scanned.empty;
  modifies_ = scanned.modifies;
  values_.resize(static_cast<std::size_t>(parameter_count_));
  nulls_.assign(static_cast<std::size_t>(parameter_count_), 1);
  types_.assign(static_cast<std::size_t>(parameter_count_), kUnspecifiedOid);
}

PgStatement::~PgStatement() = default;

void PgStatement::Bind(unsigned int type, std::string_view text, bool is_null) {
  const int index = bound_++;
  if (index >= parameter_count_) {
    if (bind_error_.empty()) {
      bind_error_ = "parameter " + std::to_string(index + 1) + " bound, but the statement has " +
                    std::to_string(parameter_count_);
    }
    return;
  }
  if (!is_null && text.find('\0') != std::string_view::npos) {
    if (bind_error_.empty()) {
      bind_error_ =
          "parameter " + std::to_string(index + 1) + " is a text with a NUL byte, which PostgreSQL cannot store";
    }
    return;
  }
  const auto i = static_cast<std::size_t>(index);
  values_[i].assign(text.data(), text.size());
  nulls_[i] = is_null ? 1 : 0;
  types_[i] = type;
}

sql::Statement& PgStatement::BindInt(std::int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 24 bytes always hold an int64
  Bind(kInt8Oid, std::string_view(buffer, static_cast<std::size_t>(end - buffer)), false);
  return *this;
}

sql::Statement& PgStatement::BindText(std::string_view value) {
  Bind(kTextOid, value, false);
  return *this;
}

sql::Statement& PgStatement::BindNull() {
  Bind(kUnspecifiedOid, std::string_view(), true);
  return *this;
}

Result<bool> PgStatement::Step() {
  unique_violation_ = false;
  if (!executed_) {
    executed_ = true;
    Status s = conn_.Execute(*this);
    if (!s.ok()) return s;
    rows_ = result_ != nullptr ? PQntuples(result_.get()) : 0;
    columns_ = result_ != nullptr ? PQnfields(result_.get()) : 0;
    row_ = -1;
  }
  if (row_ + 1 < rows_) {
    ++row_;
    return true;
  }
  row_ = rows_;
  return false;
}

bool PgStatement::UniquenessViolated() const { return unique_violation_; }

bool PgStatement::IsNull(int column) const {
  if (result_ == nullptr || row_ < 0 || row_ >= rows_ || column < 0 || column >= columns_) return true;
  return PQgetisnull(result_.get(), row_, column) != 0;
}

std::int64_t PgStatement::ColumnInt(int column) const {
  if (IsNull(column)) return 0;
  return ParseInt(PQgetvalue(result_.get(), row_, column),
                  static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

std::string_view PgStatement::ColumnView(int column) const {
  if (IsNull(column)) return std::string_view();
  return std::string_view(PQgetvalue(result_.get(), row_, column),
                          static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

void PgStatement::Reset() {
  result_.reset();
  executed_ = false;
  row_ = -1;
  rows_ = 0;
  columns_ = 0;
  bound_ = 0;
  bind_error_.clear();
  unique_violation_ = false;
  std::fill(nulls_.begin(), nulls_.end(), 1);
  std::fill(types_.begin(), types_.end(), kUnspecifiedOid);
}

// ---- PgConnection ----------------------------------------------------------

namespace {
std::int64_t RandomConnectionId() {
  // 63 random bits: non-negative, and unlikely to meet another connection's.
  return static_cast<std::int64_t>(std::stoull(RandomIdHex(8), nullptr, 16) >> 1);
}
}  // namespace

PgConnection::PgConnection(pg_conn* conn, std::string description)
    : conn_(conn), description_(std::move(description)), id_(RandomConnectionId()) {}

PgConnection::~PgConnection() {
  cache_.clear();
  PQfinish(conn_);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& uri) {
  // Parsed first: a malformed string fails before any network traffic, and
  // the password is known, to keep it out of every message.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    std::string why = parse_error != nullptr ? OneLine(parse_error) : std::string("out of memory");
    PQfreemem(parse_error);
    // libpq quotes the offending part, which may be the password: then
    // its reason is left out.
    if (uri.find('@') != std::string::npos || ContainsNoCase(uri, "PASSWORD")) {
      why = "check its user, password and host parts";
    }
    return Status::Unavailable("cannot connect to PostgreSQL: malformed connection string (" + why + ")");
  }
  std::string password;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);

  // Processed in order: the URI (expanded from dbname) overrides the
  // connect_timeout before it; nothing overrides the client_encoding after.
  const std::string timeout = std::to_string(kDefaultConnectTimeoutSeconds);
  const char* const keywords[] = {"connect_timeout", "dbname", "client_encoding", nullptr};
  const char* const values[] = {timeout.c_str(), uri.c_str(), "UTF8", nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Status::Unavailable("cannot connect to PostgreSQL: out of memory");

  auto text_or = [](const char* s, const char* fallback) {
    return std::string(s != nullptr && *s != '\0' ? s : fallback);
  };
  std::string description = "database \"" + text_or(PQdb(raw), "?") + "\" on " + text_or(PQhost(raw), "localhost") +
                            ":" + text_or(PQport(raw), "5432");
  description = Scrub(std::move(description), password);
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string why = Scrub(OneLine(PQerrorMessage(raw)), password);
    PQfinish(raw);
    return Status::Unavailable("cannot connect to PostgreSQL " + description + ": " + why);
  }
  // NOTICEs (IF NOT EXISTS skips, COMMIT outside a transaction) would go
  // to stderr; they are not errors.
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(raw, std::move(description)));
}

Result<sql::StatementHandle> PgConnection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use()) return sql::StatementHandle(it->second.get());

  auto stmt = std::make_unique<PgStatement>(*this, std::string(sql));
  if (stmt->empty_) return Status::Internal("empty SQL statement");
  if (it != cache_.end()) return sql::StatementHandle(std::unique_ptr<sql::Statement>(std::move(stmt)));
  if (cache_.size() >= kMaxCachedStatements) EvictIdleStatements();
  PgStatement* cached = stmt.get();
  const std::string_view key = cached->sql();  // the statement's own copy, which lives as long as the entry
  cache_.emplace(key, std::move(stmt));
  return sql::StatementHandle(cached);
}

Status PgConnection::Exec(std::string_view sql) {
  sql_state_.clear();
  Scanned scanned = Scan(sql);
  if (scanned.empty) return Status::Internal("empty SQL statement");
  if (Broken()) {
    MarkFailed();
    return ErrorStatus(nullptr, sql);
  }
  const PGTransactionStatusType before = PQtransactionStatus(conn_);
  if (scanned.modifies && before == PQTRANS_INTRANS) {
    // A write inside a transaction: through a statement, for its savepoint.
    PgStatement stmt(*this, std::string(sql));
    stmt.one_shot_ = true;
    stmt.set_in_use(true);
    while (true) {
      Result<bool> row = stmt.Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
    }
  }
  // PostgreSQL only warns about these two; SQLite refuses them, and so do we.
  const bool commit = scanned.first_word == "COMMIT" || scanned.first_word == "END";
  // A transaction's end releases its locks: one still to be sent goes too.
  if (commit || scanned.first_word == "ROLLBACK" || scanned.first_word == "ABORT") before_next_.clear();
  if (commit && before == PQTRANS_IDLE) {
    MarkFailed();
    return Status::Unavailable("storage error: cannot commit - no transaction is active, in: " + std::string(sql));
  }
  if ((scanned.first_word == "BEGIN" || scanned.first_word == "START") && before != PQTRANS_IDLE) {
    MarkFailed();
    return Status::Unavailable("storage error: cannot start a transaction within a transaction, in: " +
                               std::string(sql));
  }
  if (!before_next_.empty()) {
    // SendBeforeNext's statement first (never before a COMMIT or ROLLBACK,
    // above); PQexec runs both in one round trip and answers the last.
    std::string both = std::exchange(before_next_, std::string());
    both += "; ";
    both += sql;
    PgResultPtr first(PQexec(conn_, both.c_str()));
    const ExecStatusType first_status = first != nullptr ? PQresultStatus(first.get()) : PGRES_FATAL_ERROR;
    if (first_status != PGRES_COMMAND_OK && first_status != PGRES_TUPLES_OK && first_status != PGRES_EMPTY_QUERY) {
      Status s = ErrorStatus(first.get(), both);
      AfterError();
      return s;
    }
    RecordChanges(first.get());
    return Status::Ok();
  }
  PgResultPtr result(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    Status s = ErrorStatus(result.get(), sql);
    AfterError();
    return s;
  }
  if (commit && std::strcmp(PQcmdStatus(result.get()), "ROLLBACK") == 0) {
    // COMMIT of a failed transaction "succeeds" as a ROLLBACK.
    sql_state_ = "25P02";
    MarkFailed();
    return Status::Unavailable(
        "storage error: the transaction had failed and was rolled back, not committed (SQLSTATE 25P02) in: " +
        std::string(sql));
  }
  RecordChanges(result.get());
  return Status::Ok();
}

bool PgConnection::InTransaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool PgConnection::Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

int PgConnection::server_version() const { return PQserverVersion(conn_); }

Status PgConnection::Execute(PgStatement& stmt) {
  sql_state_.clear();
  if (!stmt.bind_error_.empty()) {
    MarkFailed();
    return Status::Unavailable("storage error: " + stmt.bind_error_ + ", in: " + stmt.sql_);
  }
  if (Broken()) {
    MarkFailed();
    return ErrorStatus(nullptr, stmt.sql_);
  }
  // Parameters left unbound are NULL (as in SQLite); Reset() keeps them so.
  const int n = stmt.parameter_count_;
  std::vector<const char*> values(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = stmt.nulls_[i] != 0 ? nullptr : stmt.values_[i].c_str();
  }
  const Oid* types = n > 0 ? stmt.types_.data() : nullptr;

  // The server-side statement for this text and these parameter types.
  std::string name;
  std::string key;
  bool prepare = false;
  if (!stmt.one_shot_) {
    key.reserve(stmt.pg_sql_.size() + 1 + static_cast<std::size_t>(n) * sizeof(Oid));
    key = stmt.pg_sql_;
    key += '\0';
    key.append(reinterpret_cast<const char*>(stmt.types_.data()), static_cast<std::size_t>(n) * sizeof(Oid));
    auto it = prepared_.find(key);
    if (it != prepared_.end()) {
      name = it->second;
    } else if (prepared_.size() < kMaxPreparedStatements) {
      name = "s" + std::to_string(next_prepared_++);
      prepare = true;
    }
  }
  // A write inside a transaction runs in a savepoint, so that a clash with a
  // unique key leaves the transaction usable; an insert that reports its
  // clash as no row (WithConflictAsNoRow) needs none.
  const bool wrap = stmt.modifies_ && !stmt.conflict_as_no_row_ && PQtransactionStatus(conn_) == PQTRANS_INTRANS;

  // One round trip: [SAVEPOINT] [Parse] Execute [RELEASE] Sync.
  if (PQenterPipelineMode(conn_) != 1) {
    Status s = ErrorStatus(nullptr, stmt.sql_);
    MarkFailed();
    return s;
  }
  int sent = 0;
  int savepoint_at = -1;
  int prepare_at = -1;
  int execute_at = -1;
  bool send_failed = false;
  auto send = [&](int ok, int* at) {
    if (send_failed) return;
    if (ok != 1) {
      send_failed = true;
      return;
    }
    if (at != nullptr) *at = sent;
    ++sent;
  };
  if (!before_next_.empty()) {
    const std::string first = std::exchange(before_next_, std::string());
    send(PQsendQueryParams(conn_, first.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0), nullptr);
  }
  if (wrap) {
    send(PQsendQueryParams(conn_, "SAVEPOINT pg_stmt", 0, nullptr, nullptr, nullptr, nullptr, 0), &savepoint_at);
  }
  if (prepare && !send_failed) send(PQsendPrepare(conn_, name.c_str(), stmt.pg_sql_.c_str(), n, types), &prepare_at);
  if (!send_failed) {
    int ok = name.empty() ? PQsendQueryParams(conn_, stmt.pg_sql_.c_str(), n, types, values.data(), nullptr, nullptr, 0)
                          : PQsendQueryPrepared(conn_, name.c_str(), n, values.data(), nullptr, nullptr, 0);
    send(ok, &execute_at);
  }
  if (wrap && !send_failed) {
    send(PQsendQueryParams(conn_, "RELEASE SAVEPOINT pg_stmt", 0, nullptr, nullptr, nullptr, nullptr, 0), nullptr);
  }
  std::string send_error = send_failed ? OneLine(PQerrorMessage(conn_)) : std::string();
  const bool synced = PQpipelineSync(conn_) == 1;

  // One result per command (then a null), then the sync's.
  std::vector<PgResultPtr> results(static_cast<std::size_t>(sent));
  bool sync_seen = false;
  for (int i = 0; i < sent && !sync_seen; ++i) {
    while (PGresult* r = PQgetResult(conn_)) {
      if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
        sync_seen = true;
        PQclear(r);
        break;
      }
      if (results[static_cast<std::size_t>(i)] == nullptr) {
        results[static_cast<std::size_t>(i)].reset(r);
      } else {
        PQclear(r);
      }
    }
  }
  if (synced && !sync_seen) {
    while (PGresult* r = PQgetResult(conn_)) {
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  const bool exited = PQexitPipelineMode(conn_) == 1;

  auto succeeded = [&](int at) {
    if (at < 0 || at >= sent || results[static_cast<std::size_t>(at)] == nullptr) return false;
    const ExecStatusType status = PQresultStatus(results[static_cast<std::size_t>(at)].get());
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  };
  if (prepare_at >= 0 && succeeded(prepare_at)) prepared_.emplace(key, name);

  int failed_at = -1;
  for (int i = 0; i < sent; ++i) {
    if (!succeeded(i)) {
      failed_at = i;
      break;
    }
  }
  if (failed_at < 0 && !send_failed && synced && exited) {
    if (stmt.conflict_as_no_row_ && std::strcmp(PQcmdTuples(results[static_cast<std::size_t>(execute_at)].get()), "0") == 0) {
      // ON CONFLICT DO NOTHING inserted nothing: the clash, as if reported.
      sql_state_ = kUniqueViolation;
      stmt.unique_violation_ = true;
      return Status::Unavailable("storage error: the row clashes with an existing key (SQLSTATE " +
                                 std::string(kUniqueViolation) + ") in: " + stmt.sql_);
    }
    stmt.result_ = std::move(results[static_cast<std::size_t>(execute_at)]);
    RecordChanges(stmt.result_.get());
    return Status::Ok();
  }

  Status s;
  if (failed_at >= 0) {
    s = ErrorStatus(results[static_cast<std::size_t>(failed_at)].get(), stmt.sql_);
  } else {
    s = Status::Unavailable("storage error: " + (send_error.empty() ? OneLine(PQerrorMessage(conn_)) : send_error) +
                            " in: " + stmt.sql_);
  }
  // Prepared statements outlive rollbacks, but not DEALLOCATE ALL or
  // DISCARD ALL: then every name is forgotten and made again on next use.
  if (sql_state_ == "26000") prepared_.clear();
  if (!exited) {
    MarkFailed();  // the connection's protocol state is unknown
    return s;
  }
  if (wrap && succeeded(savepoint_at) && PQtransactionStatus(conn_) == PQTRANS_INERROR && !UndoStatementSavepoint()) {
    MarkFailed();
  }
  stmt.unique_violation_ = sql_state_ == kUniqueViolation;
  AfterError();
  return s;
}

Status PgConnection::ErrorStatus(const pg_result* result, std::string_view sql) {
  std::string primary;
  std::string state;
  if (result != nullptr) {
    if (const char* p = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) primary = p;
    if (const char* p = PQresultErrorField(result, PG_DIAG_SQLSTATE)) state = p;
    if (primary.empty()) primary = OneLine(PQresultErrorMessage(result));
  }
  if (primary.empty()) primary = OneLine(PQerrorMessage(conn_));
  if (primary.empty()) primary = Broken() ? "connection to " + description_ + " lost" : "unknown error";
  sql_state_ = state;
  std::string message = "storage error: " + primary;
  if (!state.empty()) message += " (SQLSTATE " + state + ")";
  message += " in: ";
  message += sql;
  // The transaction lost a race and was rolled back: the whole command may
  // run again (engine/store/write_retry.h).
  if (state == kSerializationFailure || state == kDeadlockDetected) return Status(Code::kServerBusy, message);
  return Status::Unavailable(std::move(message));
}

void PgConnection::AfterError() {
  const bool usable = !Broken() && PQtransactionStatus(conn_) != PQTRANS_INERROR;
  if (!(usable && sql_state_ == kUniqueViolation)) MarkFailed();
}

bool PgConnection::UndoStatementSavepoint() {
  PgResultPtr result(PQexec(conn_, "ROLLBACK TO SAVEPOINT pg_stmt; RELEASE SAVEPOINT pg_stmt"));
  return result != nullptr && PQresultStatus(result.get()) == PGRES_COMMAND_OK &&
         PQtransactionStatus(conn_) == PQTRANS_INTRANS;
}

void PgConnection::RecordChanges(const pg_result* result) {
  if (result == nullptr) return;
  const char* command = PQcmdStatus(const_cast<pg_result*>(result));
  if (command == nullptr) return;
  for (const char* verb : {"INSERT ", "UPDATE ", "DELETE ", "MERGE "}) {
    if (std::strncmp(command, verb, std::strlen(verb)) == 0) {
      const char* tuples = PQcmdTuples(const_cast<pg_result*>(result));
      std::int64_t count = 0;
      std::from_chars(tuples, tuples + std::strlen(tuples), count);
      changes_ = count;
      return;
    }
  }
}

void PgConnection::EvictIdleStatements() {
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->second->in_use() ? std::next(it) : cache_.erase(it);
  }
}

}  // namespace aftersales::postgres
