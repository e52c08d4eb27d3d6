#include "engine/audit/canonical_json_check.h"

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "domain/utf8.h"

namespace aftersales {
namespace {

// The limits CanonicalJson (engine/audit/audit_log.cc) enforces.
constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;
constexpr int kMaxSafeDigits = 16;  // 2^53 − 1 = 9007199254740991
constexpr int kMaxDepth = 256;

// Where a code point sorts among UTF-16 code units (RFC 8785 §3.2.3): the
// supplementary planes start with a lead surrogate (U+D800..U+DBFF), so
// they come after U+0000..U+D7FF and before U+E000..U+FFFF.
constexpr std::uint32_t Utf16SortKey(char32_t cp) {
  if (cp < 0xd800) return cp;
  if (cp >= 0x10000) return 0xd800 + (cp - 0x10000);  // up to 0x10d7ff
  return cp + 0x100000;                              // U+E000..U+FFFF: above all of those
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not canonical
}

// A string's raw (escaped) text, read one code point at a time. The text has
// passed the checker's string rules, so every escape and sequence is whole.
class RawStringReader {
 public:
  explicit RawStringReader(std::string_view raw) : raw_(raw) {}
  bool done() const { return pos_ >= raw_.size(); }
  char32_t Next() {
    const char c = raw_[pos_];
    if (c != '\\') {
      char32_t cp = static_cast<unsigned char>(c);
      if (cp < 0x80) {
        ++pos_;
      } else if (!DecodeUtf8(raw_, &pos_, &cp)) {
        pos_ = raw_.size();  // cannot happen after the checker's string rules
      }
      return cp;
    }
    const char e = raw_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        // Only \u00XX with XX < 0x20 passes the checker.
        const char32_t cp = static_cast<char32_t>(HexDigit(raw_[pos_ + 2]) * 16 + HexDigit(raw_[pos_ + 3]));
        pos_ += 4;
        return cp;
      }
      default:
        return static_cast<unsigned char>(e);  // '"' or '\\'
    }
  }

 private:
  std::string_view raw_;
  std::size_t pos_ = 0;
};

// Whether key `a` sorts strictly before key `b` (both raw string texts).
bool KeyBefore(std::string_view a, std::string_view b) {
  RawStringReader ra(a), rb(b);
  while (!ra.done() && !rb.done()) {
    const char32_t ca = ra.Next();
    const char32_t cb = rb.Next();
    if (ca != cb) return Utf16SortKey(ca) < Utf16SortKey(cb);
  }
  return ra.done() && !rb.done();  // a proper prefix sorts first; equal keys are duplicates
}

// A recursive-descent reader that accepts only the bytes CanonicalJson
// would write, so a value's text is never turned into a tree.
class CanonicalChecker {
 public:
  explicit CanonicalChecker(std::string_view text) : s_(text) {}

  bool Check() { return Value(0) && pos_ == s_.size(); }

 private:
  bool Value(int depth) {
    if (depth > kMaxDepth || pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object(depth);
      case '[':
        return Array(depth);
      case '"':
        return String();
      case 'n':
        return Literal("null");
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      default:
        return Integer();
    }
  }

  bool Literal(std::string_view word) {
    if (s_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*) within ±(2^53 − 1), never "-0". A fraction or an
  // exponent is left unread, and the caller then finds no ',', ']', '}' or
  // end where it expects one.
  bool Integer() {
    const bool negative = s_[pos_] == '-';
    if (negative) ++pos_;
    if (pos_ >= s_.size()) return false;
    if (s_[pos_] == '0') {
      ++pos_;
      return !negative;
    }
    std::uint64_t value = 0;
    int digits = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (++digits > kMaxSafeDigits) return false;
      value = value * 10 + static_cast<std::uint64_t>(s_[pos_] - '0');
      ++pos_;
    }
    return digits > 0 && value <= kMaxSafeInteger;
  }

  // RFC 8785 §3.2.2.2: '"' and '\\' and U+0000..U+001F escaped (the short
  // form where JSON has one, else \u00xx in lower case), all else as is in
  // valid UTF-8.
  bool String() {
    ++pos_;  // the opening quote
    const std::size_t size = s_.size();
    string_plain_ = true;
    while (true) {
      pos_ = PlainStringRunEnd(s_, pos_);
      if (pos_ >= size) return false;
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      string_plain_ = false;
      if (c == '\\') {
        if (!Escape()) return false;
        continue;
      }
      char32_t cp = 0;
      if (!DecodeUtf8(s_, &pos_, &cp)) return false;
    }
  }

  bool Escape() {
    if (pos_ + 1 >= s_.size()) return false;
    switch (s_[pos_ + 1]) {
      case '"':
      case '\\':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        pos_ += 2;
        return true;
      case 'u': {
        if (pos_ + 6 > s_.size() || s_[pos_ + 2] != '0' || s_[pos_ + 3] != '0') return false;
        const int high = HexDigit(s_[pos_ + 4]);
        const int low = HexDigit(s_[pos_ + 5]);
        if (high < 0 || high > 1 || low < 0) return false;
        const int code = high * 16 + low;
        // These have short forms, which canonical JSON uses.
        if (code == '\b' || code == '\t' || code == '\n' || code == '\f' || code == '\r') return false;
        pos_ += 6;
        return true;
      }
      default:
        return false;  // \/ and anything else
    }
  }

  bool Array(int depth) {
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (!Value(depth + 1) || pos_ >= s_.size()) return false;
      const char c = s_[pos_++];
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool Object(int depth) {
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::string_view previous_key;
    bool previous_plain = false;
    bool first = true;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] != '"') return false;
      const std::size_t key_start = pos_ + 1;
      if (!String()) return false;
      const std::string_view key = s_.substr(key_start, pos_ - 1 - key_start);
      // Printable ASCII without escapes sorts by its bytes; others by
      // their code points' UTF-16 units.
      if (!first && !(previous_plain && string_plain_ ? previous_key < key : KeyBefore(previous_key, key))) {
        return false;
      }
      previous_key = key;
      previous_plain = string_plain_;
      first = false;
      if (pos_ >= s_.size() || s_[pos_] != ':') return false;
      ++pos_;
      if (!Value(depth + 1) || pos_ >= s_.size()) return false;
      const char c = s_[pos_++];
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool string_plain_ = false;  // the last string read held only printable ASCII, unescaped
};

}  // namespace

bool IsCanonicalJson(std::string_view text) { return CanonicalChecker(text).Check(); }

std::size_t PlainStringRunEnd(std::string_view s, std::size_t pos) {
  const char* p = s.data();
  const std::size_t size = s.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (pos + 16 <= size) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + pos));
    // A signed compare: bytes from 0x80 up are negative, so "below 0x20"
    // catches them as well as the control characters.
    const __m128i stop = _mm_or_si128(_mm_cmplt_epi8(bytes, space),
                                      _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    const int mask = _mm_movemask_epi8(stop);
    if (mask != 0) return pos + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    pos += 16;
  }
#endif
  while (pos < size) {
    const auto c = static_cast<unsigned char>(p[pos]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    ++pos;
  }
  return pos;
}

}  // namespace aftersales
