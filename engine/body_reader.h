// BodyReader: strict reading of a JSON request body. It refuses fields it
// was not told about, wrong types and out-of-range numbers, and collects
// every problem with its field name, so one 400 answer names them all.
// Not thread-safe (one per request).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/status.h"

namespace aftersales {

constexpr std::int64_t kMaxAmount = 1'000'000'000'000'000;  // 10^15 minor units
constexpr std::size_t kMaxTextLength = 4000;                // notes, comments, descriptions
constexpr std::size_t kMaxShortText = 128;                  // carrier, tracking numbers, references

// Whether `c` may stand in an id of SPEC §1: [A-Za-z0-9._-].
bool IsIdChar(char c);
// Whether `id` matches [A-Za-z0-9._-]{1,64} (SPEC §1).
bool IsValidId(const std::string& id);
// Whether `url` is an absolute http(s) URL without spaces or control characters.
bool IsValidUrl(const std::string& url);

// A decimal integer written plainly ("-12", "7"; not "+7", " 7", "7-",
// "0x7") within [min, max]; nullopt otherwise. The one parser of integers
// from query strings and cursors.
std::optional<std::int64_t> ParseDecimal(std::string_view text, std::int64_t min, std::int64_t max);

// validation_failed naming every problem of `errors` (the first one in the
// message), or ok when there is none.
Status ValidationErrors(const std::vector<FieldError>& errors);

class BodyReader {
 public:
  // `body` must outlive the reader. A non-object body is an error at once.
  BodyReader(const nlohmann::json& body, std::vector<std::string> allowed, std::string prefix = "");

  bool Has(const std::string& key) const;
  bool IsNull(const std::string& key) const;
  std::optional<std::string> String(const std::string& key, bool required, std::size_t max_len = kMaxShortText);
  std::optional<std::string> Id(const std::string& key, bool required);
  std::optional<std::int64_t> Int(const std::string& key, bool required, std::int64_t min, std::int64_t max);
  std::optional<bool> Bool(const std::string& key, bool required);
  std::optional<TimePoint> Time(const std::string& key, bool required);
  // One of `choices`.
  std::optional<std::string> Enum(const std::string& key, bool required, const std::vector<std::string>& choices);
  // The member itself, after checking it is an object (nullptr otherwise).
  const nlohmann::json* Object(const std::string& key, bool required);
  // The member itself, after checking it is an array (nullptr otherwise).
  const nlohmann::json* Array(const std::string& key, bool required, std::size_t max_items);

  void Fail(const std::string& field, const std::string& message);
  std::string Field(const std::string& key) const { return prefix_ + key; }
  bool ok() const { return errors_.empty(); }
  // validation_failed naming every problem, or ok.
  Status Finish() const;
  // Moves this reader's errors into `other` (for nested objects).
  void MergeInto(BodyReader& other) const;
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  const nlohmann::json* Get(const std::string& key, bool required);

  const nlohmann::json& body_;
  std::string prefix_;
  std::vector<FieldError> errors_;
};

}  // namespace aftersales
