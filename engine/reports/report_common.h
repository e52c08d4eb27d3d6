// What every report shares (docs/reports.md, "Common rules"): the period and
// currency a report is asked for, nearest-rank percentiles, 4-place ratios,
// and the CSV form of a report's items. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/status.h"

namespace aftersales {

// A report's period: `from` inclusive, `to` exclusive; nullopt is open on
// that side. `currency`: the money figures' currency, nullopt for "the
// currency of most cases" (each report resolves it).
struct ReportRange {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::optional<std::string> currency;

  bool Contains(TimePoint t) const { return (!from || t >= *from) && (!to || t < *to); }
};

// Parses the query parameters of a report; empty strings mean "not given".
// `period` is a calendar month "YYYY-MM" (UTC) and excludes from/to.
// validation_failed names the parameter: a bad time, to not after from, a
// currency that is not three upper-case letters, a bad month.
Result<ReportRange> ParseReportRange(const std::string& from, const std::string& to, const std::string& currency,
                                     const std::string& period = "");

// The calendar month (UTC) holding `t`, as "YYYY-MM".
std::string MonthOf(TimePoint t);

// Nearest-rank percentile of `sorted` (ascending): value number
// ceil(p/100 · n), 1-based; nullopt when empty. `p` in 1..100.
std::optional<std::int64_t> NearestRank(const std::vector<std::int64_t>& sorted, int p);

// num ÷ den rounded to 4 decimal places as a JSON number; null when den is 0.
nlohmann::json Ratio(std::int64_t num, std::int64_t den);

// RFC 4180 CSV of an array of flat objects: a header row of the first
// item's keys in `columns` order (or the item's own order when `columns` is
// empty), then one line per item; null becomes an empty field, strings are
// quoted when they hold a comma, quote, CR or LF, and a leading = + - @ tab
// or CR is prefixed with ' so that spreadsheets do not run it as a formula.
std::string ItemsToCsv(const nlohmann::json& items, const std::vector<std::string>& columns = {});

}  // namespace aftersales
