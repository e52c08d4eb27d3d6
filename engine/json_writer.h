// JsonWriter: JSON written straight into a string, without building a tree.
// Used where a document is written often enough that nlohmann's tree (a
// std::map node and a string per member) costs more than the rest of the
// work: the case served on every read, page item and command answer
// (api/case_json.cc), the case document stored by every action
// (engine/cases/case_document.cc), its risk block (engine/reports/risk.h)
// and the access log's line (web/http_server.cc).
//
// The text is what nlohmann's dump(-1, ' ', false, error_handler_t::replace)
// writes for the same value (compact; keys sorted when the caller writes an
// object's members in sorted key order, which is the caller's to keep;
// invalid UTF-8 replaced by U+FFFD, where a plain dump() throws). The tests
// of each caller hold its text to dump() of its own parse.
// Not thread-safe; one writer per string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"

namespace aftersales {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // Containers: each Key or Item writes the comma before it.
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  JsonWriter& Key(std::string_view key) {  // `key` is plain ASCII, written as is
    Comma();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    return *this;
  }
  JsonWriter& Item() {
    Comma();
    return *this;
  }

  void String(std::string_view s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
        // Escapes and anything beyond ASCII (UTF-8 checked, bad bytes
        // replaced) as nlohmann writes them.
        out_ += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void Int(std::int64_t n) { out_ += std::to_string(n); }
  void Bool(bool b) { out_ += b ? "true" : "false"; }
  void Null() { out_ += "null"; }
  void Time(TimePoint t) { String(FormatTime(t)); }  // the API's time text
  void Value(const nlohmann::json& value) {
    out_ += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  void TimeOrNull(const std::optional<TimePoint>& t) { t ? Time(*t) : Null(); }
  void StringOrNull(const std::optional<std::string>& s) { s ? String(*s) : Null(); }
  void IntOrNull(const std::optional<std::int64_t>& n) { n ? Int(*n) : Null(); }

 private:
  void Open(char c) {
    out_ += c;
    first_.push_back(true);
  }
  void Close(char c) {
    out_ += c;
    first_.pop_back();
  }
  void Comma() {
    if (!first_.empty() && !first_.back()) out_ += ',';
    if (!first_.empty()) first_.back() = false;
  }

  std::string& out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
};

}  // namespace aftersales
