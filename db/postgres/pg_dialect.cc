#include "db/postgres/pg_dialect.h"

#include <cctype>

namespace aftersales::postgres {
namespace {

constexpr std::string_view kSqliteIdList = "SELECT value FROM json_each(?)";
constexpr std::string_view kPostgresIdList = "SELECT json_array_elements_text(?::json)";
constexpr std::string_view kIndexedBy = " INDEXED BY ";

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

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

}  // namespace aftersales::postgres
