#include "engine/cases/order_rules.h"

#include "domain/utf8.h"
#include "engine/body_reader.h"

namespace aftersales::order_rules {
namespace {

using nlohmann::json;

}  // namespace

Problem IdProblem(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength || !std::all_of(s.begin(), s.end(), IsIdChar)) {
    return "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'";
  }
  return std::nullopt;
}

Problem CurrencyProblem(std::string_view s) {
  if (s.size() != 3 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return "must be three upper-case letters (ISO 4217)";
  }
  return std::nullopt;
}

Problem TextProblem(std::string_view s, std::size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes || !IsCleanUtf8(s)) {
    return "must be 1 to " + std::to_string(max_bytes) + " bytes of UTF-8 text without control characters";
  }
  return std::nullopt;
}

Problem TimeValue(std::string_view s, TimePoint now, TimePoint* out) {
  const std::optional<TimePoint> t = ParseTime(s);
  if (!t) return "must be an RFC 3339 date-time such as 2026-11-27T06:23:46Z";
  if (*t > now) return "must not be in the future";
  *out = *t;
  return std::nullopt;
}

std::string RangeText(std::int64_t min, std::int64_t max) {
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

Problem IntFromJson(const json& v, std::int64_t min, std::int64_t max, std::int64_t* out) {
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(n) >= min) {
      *out = static_cast<std::int64_t>(n);
      return std::nullopt;
    }
  } else if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    if (n >= min && n <= max) {
      *out = n;
      return std::nullopt;
    }
  }
  return RangeText(min, max);
}

Problem IntFromText(std::string_view s, std::int64_t min, std::int64_t max, std::int64_t* out) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return RangeText(min, max);
  }
  std::int64_t n = 0;
  for (char c : s) n = n * 10 + (c - '0');  // at most 18 digits: no overflow
  if (n < min || n > max) return RangeText(min, max);
  *out = n;
  return std::nullopt;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

void ProblemList::Add(std::size_t line, std::string message) {
  if (out_->size() < kMaxImportProblems) {
    out_->push_back({line, std::move(message)});
  } else if (!capped_) {
    capped_ = true;
    out_->push_back({0, "more than " + std::to_string(kMaxImportProblems) + " problems; the rest were not listed"});
  }
}

LineIndex::LineIndex(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') newlines_.push_back(i);
  }
}

std::size_t LineIndex::LineOf(std::size_t offset) const {
  return 1 + static_cast<std::size_t>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
}

}  // namespace aftersales::order_rules
