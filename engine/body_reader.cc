#include "engine/body_reader.h"

#include <charconv>

#include <algorithm>

namespace aftersales {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), IsIdChar);
}

bool IsValidUrl(const std::string& url) {
  if (url.size() > 2048) return false;
  const bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  if (!scheme) return false;
  const std::size_t host = url.find("://") + 3;
  if (host >= url.size()) return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>'; });
}

BodyReader::BodyReader(const nlohmann::json& body, std::vector<std::string> allowed, std::string prefix)
    : body_(body), prefix_(std::move(prefix)) {
  if (!body_.is_object()) {
    Fail(prefix_.empty() ? "body" : prefix_.substr(0, prefix_.size() - 1), "must be a JSON object");
    return;
  }
  for (const auto& [key, value] : body_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) Fail(Field(key), "unknown field");
  }
}

bool BodyReader::Has(const std::string& key) const { return body_.is_object() && body_.contains(key); }

bool BodyReader::IsNull(const std::string& key) const { return Has(key) && body_.at(key).is_null(); }

const nlohmann::json* BodyReader::Get(const std::string& key, bool required) {
  if (!body_.is_object()) return nullptr;
  auto it = body_.find(key);
  if (it == body_.end() || it->is_null()) {
    if (required) Fail(Field(key), "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> BodyReader::String(const std::string& key, bool required, std::size_t max_len) {
  const auto* v = Get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(Field(key), "must be a string");
    return std::nullopt;
  }
  std::string s = v->get<std::string>();
  if (required && s.empty()) {
    Fail(Field(key), "must not be empty");
    return std::nullopt;
  }
  if (s.size() > max_len) {
    Fail(Field(key), "must be at most " + std::to_string(max_len) + " bytes");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> BodyReader::Id(const std::string& key, bool required) {
  auto s = String(key, required, 64);
  if (s && !IsValidId(*s)) {
    Fail(Field(key), "must match [A-Za-z0-9._-]{1,64}");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> BodyReader::Int(const std::string& key, bool required, std::int64_t min,
                                            std::int64_t max) {
  const auto* v = Get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    Fail(Field(key), v->is_number() ? "must be an integer within range" : "must be an integer");
    return std::nullopt;
  }
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    Fail(Field(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  const std::int64_t n = v->get<std::int64_t>();
  if (n < min || n > max) {
    Fail(Field(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> BodyReader::Bool(const std::string& key, bool required) {
  const auto* v = Get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(Field(key), "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<TimePoint> BodyReader::Time(const std::string& key, bool required) {
  auto s = String(key, required, 64);
  if (!s) return std::nullopt;
  auto t = ParseTime(*s);
  if (!t) Fail(Field(key), "must be an RFC 3339 date-time");
  return t;
}

std::optional<std::string> BodyReader::Enum(const std::string& key, bool required,
                                             const std::vector<std::string>& choices) {
  auto s = String(key, required, 64);
  if (!s) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    Fail(Field(key), "must be one of: " + list);
    return std::nullopt;
  }
  return s;
}

const nlohmann::json* BodyReader::Object(const std::string& key, bool required) {
  const auto* v = Get(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    Fail(Field(key), "must be an object");
    return nullptr;
  }
  return v;
}

const nlohmann::json* BodyReader::Array(const std::string& key, bool required, std::size_t max_items) {
  const auto* v = Get(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Fail(Field(key), "must be an array");
    return nullptr;
  }
  if (v->size() > max_items) {
    Fail(Field(key), "must have at most " + std::to_string(max_items) + " items");
    return nullptr;
  }
  return v;
}

void BodyReader::Fail(const std::string& field, const std::string& message) { errors_.push_back({field, message}); }

std::optional<std::int64_t> ParseDecimal(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) return std::nullopt;
  return value;
}

Status ValidationErrors(const std::vector<FieldError>& errors) {
  if (errors.empty()) return Status::Ok();
  Status s(Code::kValidationFailed, errors.front().field + ": " + errors.front().message);
  for (const auto& e : errors) s.AddError(e.field, e.message);
  return s;
}

Status BodyReader::Finish() const { return ValidationErrors(errors_); }

void BodyReader::MergeInto(BodyReader& other) const {
  for (const auto& e : errors_) other.errors_.push_back(e);
}

}  // namespace aftersales
