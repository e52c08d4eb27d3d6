#include "db/postgres/pg_dialect.h"

#include <cctype>

namespace aftersales::postgres {
namespace {

constexpr std::string_view kSqliteIdList = "SELECT value FROM json_each(?)";
constexpr std::string_view kPostgresIdList = "SELECT json_array_elements_text(?::json)";
constexpr std::string_view kIndexedBy = " INDEXED BY ";

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The next word of `sql` from `i` on (letters and '_'), upper-cased; `i`
// moves past it and the blanks before it.
std::string NextWord(std::string_view sql, std::size_t& i) {
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])) != 0) ++i;
  std::string word;
  while (i < sql.size() && IsNameChar(sql[i])) word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  return word;
}

// Past the parenthesised group that starts at sql[i] == '(' (quotes
// respected), or npos when it does not close.
std::size_t PastGroup(std::string_view sql, std::size_t i) {
  int depth = 0;
  char quote = 0;
  for (; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string FromSqliteSpelling(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::size_t i = 0;
  while (i < sql.size()) {
    if (sql.compare(i, kSqliteIdList.size(), kSqliteIdList) == 0) {
      out += kPostgresIdList;
      i += kSqliteIdList.size();
    } else if (sql.compare(i, kIndexedBy.size(), kIndexedBy) == 0) {
      i += kIndexedBy.size();
      while (i < sql.size() && IsNameChar(sql[i])) ++i;
    } else {
      out += sql[i++];
    }
  }
  return out;
}

std::optional<std::string> WithConflictAsNoRow(std::string_view sql) {
  std::size_t i = 0;
  if (NextWord(sql, i) != "INSERT" || NextWord(sql, i) != "INTO") return std::nullopt;
  // INSERT INTO name (columns) VALUES (values)
  NextWord(sql, i);
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])) != 0) ++i;
  if (i >= sql.size() || sql[i] != '(') return std::nullopt;
  i = PastGroup(sql, i);
  if (i == std::string_view::npos || NextWord(sql, i) != "VALUES") return std::nullopt;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])) != 0) ++i;
  if (i >= sql.size() || sql[i] != '(') return std::nullopt;
  const std::size_t values_end = PastGroup(sql, i);
  if (values_end == std::string_view::npos) return std::nullopt;
  std::size_t j = values_end;
  const std::string next = NextWord(sql, j);
  if (!next.empty() && next != "RETURNING") return std::nullopt;  // ON CONFLICT, more rows, ...
  if (next.empty()) {
    while (j < sql.size() && (std::isspace(static_cast<unsigned char>(sql[j])) != 0 || sql[j] == ';')) ++j;
    if (j != sql.size()) return std::nullopt;  // a second row (", (…)") or anything else
  }
  std::string out(sql.substr(0, values_end));
  out += " ON CONFLICT DO NOTHING";
  out += sql.substr(values_end);
  return out;
}

}  // namespace aftersales::postgres
