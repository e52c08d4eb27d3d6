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
// invalid UTF-8 replaced by U+FFFD, where a plain dump() throws).
// tests/engine/json_writer_test.cc holds strings of every kind, nesting and
// JSON values to dump(); the tests of each caller hold its text to dump()
// of its own parse.
// Not thread-safe; one writer per string.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/utf8.h"

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
    // One append: a page of cases writes thousands of keys.
    char buf[kShortKey + 4];
    if (key.size() > kShortKey) {
      Comma();
      out_ += '"';
      out_ += key;
      out_ += "\":";
      return *this;
    }
    std::size_t n = 0;
    if (NeedsComma()) buf[n++] = ',';
    buf[n++] = '"';
    if (!key.empty()) std::memcpy(buf + n, key.data(), key.size());
    n += key.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
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
        EscapedString(s);
        return;
      }
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void Int(std::int64_t n) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    out_.append(buf, static_cast<std::size_t>(end - buf));
  }
  void Bool(bool b) { out_ += b ? "true" : "false"; }
  void Null() { out_ += "null"; }
  void Time(TimePoint t) { String(FormatTime(t)); }  // the API's time text
  // `value` written member by member, as dump() writes it (an object's
  // keys in its own sorted order); a floating-point number by dump().
  void Value(const nlohmann::json& value) {
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
      case Type::object:
        BeginObject();
        for (const auto& [key, member] : value.items()) {
          Comma();
          String(key);
          out_ += ':';
          Value(member);
        }
        EndObject();
        return;
      case Type::array:
        BeginArray();
        for (const auto& item : value) Item().Value(item);
        EndArray();
        return;
      case Type::string: String(value.get_ref<const std::string&>()); return;
      case Type::number_integer: Int(value.get<std::int64_t>()); return;
      case Type::number_unsigned: {
        char buf[24];
        const auto end = std::to_chars(buf, buf + sizeof buf, value.get<std::uint64_t>()).ptr;
        out_.append(buf, static_cast<std::size_t>(end - buf));
        return;
      }
      case Type::boolean: Bool(value.get<bool>()); return;
      case Type::null: Null(); return;
      default: out_ += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }

  void TimeOrNull(const std::optional<TimePoint>& t) { t ? Time(*t) : Null(); }
  void StringOrNull(const std::optional<std::string>& s) { s ? String(*s) : Null(); }
  void IntOrNull(const std::optional<std::int64_t>& n) { n ? Int(*n) : Null(); }

 private:
  static constexpr std::size_t kShortKey = 60;

  // A string with escapes or bytes beyond ASCII, as nlohmann writes it
  // without ensure_ascii: well-formed UTF-8 as it is, '"' and '\\' and the
  // C0 controls escaped (\b \t \n \f \r, else \u00xx in lower case). Text
  // that is not well-formed UTF-8 (RFC 3629, as nlohmann decodes it) is
  // left to nlohmann, which replaces each bad sequence by U+FFFD.
  void EscapedString(std::string_view s) {
    if (!IsValidUtf8(s)) {
      out_ += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    out_ += '"';
    std::size_t plain = 0;  // start of the bytes not yet written
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\t': out_ += "\\t"; break;
        case '\n': out_ += "\\n"; break;
        case '\f': out_ += "\\f"; break;
        case '\r': out_ += "\\r"; break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out_.append(escaped, sizeof escaped);
        }
      }
    }
    out_.append(s.data() + plain, s.size() - plain);
    out_ += '"';
  }

  // Open containers as a stack of flags, '1' while nothing is written in
  // it yet (a string: no allocation up to 15 levels).
  void Open(char c) {
    out_ += c;
    first_ += '1';
  }
  void Close(char c) {
    out_ += c;
    first_.pop_back();
  }
  // Whether the next member or item needs a comma; from then on, the open
  // container is no longer empty.
  bool NeedsComma() {
    if (first_.empty()) return false;
    const bool comma = first_.back() == '0';
    first_.back() = '0';
    return comma;
  }
  void Comma() {
    if (NeedsComma()) out_ += ',';
  }

  std::string& out_;
  std::string first_;
};

}  // namespace aftersales
