#include "engine/json_reader.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "domain/utf8.h"

namespace aftersales {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool JsonReader::Accepts(std::string_view text) {
  try {
    JsonReader r(text);
    r.Skip();
    r.End();
    return true;
  } catch (const JsonReadError&) {
    return false;
  }
}

void JsonReader::Fail(const char* expected) const {
  throw JsonReadError("JSON at offset " + std::to_string(pos_) + ": expected " + expected);
}

void JsonReader::SkipSpace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

char JsonReader::Peek() {
  SkipSpace();
  return pos_ < text_.size() ? text_[pos_] : '\0';
}

void JsonReader::Expect(char c, const char* expected) {
  if (Peek() != c) Fail(expected);
  ++pos_;
}

void JsonReader::BeginObject() {
  Expect('{', "an object");
  last_ = '{';
}

void JsonReader::BeginArray() {
  Expect('[', "an array");
  last_ = '[';
}

bool JsonReader::NextInContainer(char open, char close, const char* expected) {
  const char c = Peek();
  if (c == close) {
    ++pos_;
    last_ = 'v';  // the container was a value of its own container
    return false;
  }
  if (last_ != open) {
    if (c != ',') Fail(expected);
    ++pos_;
  }
  return true;
}

bool JsonReader::NextKey(std::string_view& key) {
  if (!NextInContainer('{', '}', "',' or '}'")) return false;
  if (Peek() != '"') Fail("a member's key");
  ReadString(key_);
  Expect(':', "':'");
  key = key_;
  return true;
}

bool JsonReader::NextItem() { return NextInContainer('[', ']', "',' or ']'"); }

bool JsonReader::Null() {
  if (Peek() != 'n') return false;
  ReadLiteral("null");
  return true;
}

std::string JsonReader::String() {
  if (Peek() != '"') Fail("a string");
  std::string out;
  ReadString(out);
  return out;
}

std::int64_t JsonReader::Int() {
  const char c = Peek();
  if (c != '-' && (c < '0' || c > '9')) Fail("an integer");
  bool integer = false;
  const std::size_t end = ScanNumber(&integer);
  if (!integer) Fail("an integer");
  std::int64_t value = 0;
  const auto [last, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, value);
  if (ec != std::errc() || last != text_.data() + end) Fail("an integer within 64 bits");
  pos_ = end;
  last_ = 'v';
  return value;
}

std::optional<std::int64_t> JsonReader::OptionalInt() {
  if (Null()) return std::nullopt;
  return Int();
}

std::optional<std::string> JsonReader::OptionalString() {
  if (Null()) return std::nullopt;
  return String();
}

bool JsonReader::Bool() {
  const char c = Peek();
  if (c == 't') {
    ReadLiteral("true");
    return true;
  }
  if (c == 'f') {
    ReadLiteral("false");
    return false;
  }
  Fail("true or false");
}

void JsonReader::Skip() { SkipValue(0); }

void JsonReader::End() {
  if (Peek() != '\0' || pos_ != text_.size()) Fail("the end of the text");
}

void JsonReader::ReadLiteral(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) Fail(word.data());
  pos_ += word.size();
  last_ = 'v';
}

void JsonReader::ReadString(std::string& out) {
  out.clear();
  ++pos_;  // the opening quote, which the caller has seen
  std::size_t run = pos_;  // the start of the bytes not yet copied
  while (true) {
    if (pos_ >= text_.size()) Fail("the string's closing quote");
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') break;
    if (c < 0x20) Fail("no control character in a string");
    if (c >= 0x80) {
      char32_t cp = 0;
      if (!DecodeUtf8(text_, &pos_, &cp)) Fail("well-formed UTF-8");
      continue;
    }
    if (c != '\\') {
      ++pos_;
      continue;
    }
    out.append(text_.data() + run, pos_ - run);
    if (pos_ + 1 >= text_.size()) Fail("an escape");
    const char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const auto hex4 = [&]() -> char32_t {
          if (pos_ + 4 > text_.size()) Fail("four hex digits");
          char32_t v = 0;
          for (int k = 0; k < 4; ++k) {
            const int d = HexDigit(text_[pos_ + k]);
            if (d < 0) Fail("four hex digits");
            v = (v << 4) | static_cast<char32_t>(d);
          }
          pos_ += 4;
          return v;
        };
        char32_t cp = hex4();
        if (cp >= 0xdc00 && cp <= 0xdfff) Fail("a high surrogate before a low one");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (text_.substr(pos_, 2) != "\\u") Fail("a low surrogate after a high one");
          pos_ += 2;
          const char32_t low = hex4();
          if (low < 0xdc00 || low > 0xdfff) Fail("a low surrogate after a high one");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        Fail("an escape");
    }
    run = pos_;
  }
  out.append(text_.data() + run, pos_ - run);
  ++pos_;  // the closing quote
  last_ = 'v';
}

void JsonReader::SkipValue(int depth) {
  if (depth >= kMaxDepth) Fail("no deeper nesting");
  switch (Peek()) {
    case '{': {
      BeginObject();
      for (std::string_view key; NextKey(key);) SkipValue(depth + 1);
      return;
    }
    case '[': {
      BeginArray();
      while (NextItem()) SkipValue(depth + 1);
      return;
    }
    case '"': {
      std::string ignored;
      ReadString(ignored);
      return;
    }
    case 't':
    case 'f':
      Bool();
      return;
    case 'n':
      ReadLiteral("null");
      return;
    default:
      break;
  }
  pos_ = ScanNumber(nullptr);
  last_ = 'v';
}

std::size_t JsonReader::ScanNumber(bool* integer) const {
  // -? int frac? exp?
  std::size_t i = pos_;
  const auto digits = [&]() {
    const std::size_t from = i;
    while (i < text_.size() && text_[i] >= '0' && text_[i] <= '9') ++i;
    return i - from;
  };
  if (i < text_.size() && text_[i] == '-') ++i;
  const std::size_t int_start = i;
  const std::size_t n = digits();
  if (n == 0) Fail("a value");
  if (text_[int_start] == '0' && n > 1) Fail("a number without leading zeros");
  bool whole = true;
  if (i < text_.size() && text_[i] == '.') {
    ++i;
    whole = false;
    if (digits() == 0) Fail("a fraction's digits");
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    whole = false;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (digits() == 0) Fail("an exponent's digits");
  }
  // As nlohmann does, a number beyond a double's range is refused (a long
  // integer or an exponent can reach it; 18 digits alone cannot). strtod
  // reads '.' as the decimal point in the "C" locale, which this program
  // never changes.
  if ((!whole || n > 18) &&
      !std::isfinite(std::strtod(std::string(text_.substr(pos_, i - pos_)).c_str(), nullptr))) {
    Fail("a number within a double's range");
  }
  if (integer != nullptr) *integer = whole;
  return i;
}

}  // namespace aftersales
