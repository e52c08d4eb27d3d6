// The field rules and problem lists shared by the two order readers of
// engine/cases/order_import.h (JSON in order_import.cc, CSV in
// order_csv.cc). Internal to those files. Pure; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cases/order_import.h"

namespace aftersales::order_rules {

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxSkuBytes = 64;
constexpr std::size_t kMaxTitleBytes = 500;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A rule's finding: the problem, if any.
using Problem = std::optional<std::string>;

Problem IdProblem(std::string_view s);
Problem CurrencyProblem(std::string_view s);
Problem TextProblem(std::string_view s, std::size_t max_bytes);
// Parses an RFC 3339 time that does not lie after `now`.
Problem TimeValue(std::string_view s, TimePoint now, TimePoint* out);
std::string RangeText(std::int64_t min, std::int64_t max);
Problem IntFromJson(const nlohmann::json& v, std::int64_t min, std::int64_t max, std::int64_t* out);
// Plain decimal digits only: no sign, no spaces, no fraction, no exponent.
Problem IntFromText(std::string_view s, std::int64_t min, std::int64_t max, std::int64_t* out);
std::string Quote(std::string_view s);

// Problems, capped at kMaxImportProblems.
class ProblemList {
 public:
  explicit ProblemList(std::vector<ImportProblem>* out) : out_(out) {}
  void Add(std::size_t line, std::string message);

 private:
  std::vector<ImportProblem>* out_;
  bool capped_ = false;
};

// Line numbers of byte offsets.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  std::size_t LineOf(std::size_t offset) const;

 private:
  std::vector<std::size_t> newlines_;
};

}  // namespace aftersales::order_rules
