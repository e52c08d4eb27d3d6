#include "engine/reports/report_common.h"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace aftersales {
namespace {

bool IsMonth(const std::string& s, int* year, int* month) {
  if (s.size() != 7 || s[4] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  *year = std::stoi(s.substr(0, 4));
  *month = std::stoi(s.substr(5, 2));
  return *year >= 1970 && *month >= 1 && *month <= 12;
}

std::string MonthStart(int year, int month) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01T00:00:00Z", year, month);
  return buf;
}

std::string CsvField(const nlohmann::json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (v.is_string() && !s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos) {
    s = "'" + s;
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

Result<ReportRange> ParseReportRange(const std::string& from, const std::string& to, const std::string& currency,
                                     const std::string& period) {
  ReportRange range;
  if (!period.empty()) {
    if (!from.empty() || !to.empty()) {
      return Status::Invalid("period", "give either period or from/to, not both");
    }
    int year = 0, month = 0;
    if (!IsMonth(period, &year, &month)) return Status::Invalid("period", "must be a month like 2026-11");
    range.from = ParseTime(MonthStart(year, month));
    range.to = ParseTime(month == 12 ? MonthStart(year + 1, 1) : MonthStart(year, month + 1));
  }
  if (!from.empty()) {
    range.from = ParseTime(from);
    if (!range.from) return Status::Invalid("from", "must be an RFC 3339 time");
  }
  if (!to.empty()) {
    range.to = ParseTime(to);
    if (!range.to) return Status::Invalid("to", "must be an RFC 3339 time");
  }
  if (range.from && range.to && *range.to <= *range.from) return Status::Invalid("to", "must be after from");
  if (!currency.empty()) {
    if (currency.size() != 3 || currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
      return Status::Invalid("currency", "must be an ISO 4217 code like CNY");
    }
    range.currency = currency;
  }
  return range;
}

std::string MonthOf(TimePoint t) { return FormatTime(t).substr(0, 7); }

std::optional<std::int64_t> NearestRank(const std::vector<std::int64_t>& sorted, int p) {
  if (sorted.empty()) return std::nullopt;
  const std::size_t n = sorted.size();
  std::size_t rank = (static_cast<std::size_t>(p) * n + 99) / 100;  // ceil(p·n/100)
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

nlohmann::json Ratio(std::int64_t num, std::int64_t den) {
  if (den == 0) return nullptr;
  return std::round(static_cast<double>(num) / static_cast<double>(den) * 10000.0) / 10000.0;
}

std::string ItemsToCsv(const nlohmann::json& items, const std::vector<std::string>& columns) {
  std::vector<std::string> keys = columns;
  if (keys.empty() && items.is_array() && !items.empty()) {
    for (const auto& [k, v] : items.front().items()) keys.push_back(k);
  }
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + CsvField(keys[i]);
  out += "\r\n";
  if (!items.is_array()) return out;
  for (const auto& item : items) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto it = item.find(keys[i]);
      out += (i ? "," : "") + CsvField(it == item.end() ? nlohmann::json(nullptr) : *it);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace aftersales
