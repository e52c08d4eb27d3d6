// JsonReader: a JSON text read value by value, in the order it is written,
// without building a tree. The reading counterpart of JsonWriter
// (engine/json_writer.h), used where a stored text is decoded often enough
// that nlohmann's tree (a std::map node and a string per member) costs more
// than the rest of the work: the case document, read by every case read,
// page item and action whose document is not remembered
// (engine/cases/case_document.cc), and its risk block.
//
// The caller walks the text as it expects it to be:
//
//   r.BeginObject();
//   for (std::string_view key; r.NextKey(key);) {
//     if (key == "id") id = r.String();
//     else r.Skip();             // members the caller does not know
//   }
//   r.End();                     // nothing but whitespace after the value
//
// It accepts RFC 8259's JSON as nlohmann::json::parse does: strings must be
// well-formed UTF-8 without raw control characters, escapes (\uXXXX
// surrogate pairs included) are decoded, numbers have no leading zeros and
// stay within a double's range. Three differences, all refusals: a NUL
// byte after a value (nlohmann stops reading there), a byte order mark
// before the text (nlohmann skips it), and nesting deeper than kMaxDepth
// (so that corrupt text cannot exhaust the stack). Int() reads an integer
// that fits in 64 bits and refuses a fraction or an exponent; a caller
// that wants another kind of value than the text holds gets an error,
// never a conversion (where nlohmann's get<> converts a number of another
// kind).
//
// Errors: every reading method throws JsonReadError naming the offset and
// what was expected. Not thread-safe; one reader per text, which must
// outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace aftersales {

class JsonReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JsonReader {
 public:
  static constexpr int kMaxDepth = 64;

  // Whether `text` is one JSON value and nothing more (whitespace aside),
  // read as strictly as every other text.
  static bool Accepts(std::string_view text);

  explicit JsonReader(std::string_view text) : text_(text) {}

  // Objects: BeginObject, then NextKey until it returns false (the closing
  // brace read), reading each member's value after its key.
  void BeginObject();
  // The next member's key (escapes decoded; valid until the next call), or
  // false at the end of the object.
  bool NextKey(std::string_view& key);
  // Arrays: BeginArray, then NextItem until it returns false, reading one
  // value after each true.
  void BeginArray();
  bool NextItem();

  // True, and the null read, when the next value is null; else false and
  // nothing read.
  bool Null();
  std::string String();
  std::int64_t Int();
  bool Bool();
  // null, or what String() / Int() reads.
  std::optional<std::string> OptionalString();
  std::optional<std::int64_t> OptionalInt();
  // Reads past the next value, whatever it is (checked as strictly).
  void Skip();

  // An object read by its members' names: `member(key)` reads the value of
  // a key it knows and returns true, or returns false and the value is
  // skipped. Throws when a key of `required` (at most 64) did not occur. A
  // key given twice is read each time: every value must be readable, the
  // last one stands.
  template <class Member>
  void Object(std::initializer_list<std::string_view> required, Member member) {
    if (required.size() > 64) throw std::logic_error("JsonReader::Object: more than 64 required members");
    std::uint64_t seen = 0;
    BeginObject();
    for (std::string_view key; NextKey(key);) {
      int i = 0;
      for (std::string_view name : required) {
        if (name == key) {
          seen |= std::uint64_t{1} << i;
          break;
        }
        ++i;
      }
      if (!member(key)) Skip();
    }
    int i = 0;
    for (std::string_view name : required) {
      if ((seen & (std::uint64_t{1} << i++)) == 0) throw JsonReadError("missing member \"" + std::string(name) + "\"");
    }
  }
  // An array read item by item: `item()` reads one value.
  template <class Item>
  void Array(Item item) {
    BeginArray();
    while (NextItem()) item();
  }
  // The end of the text: only whitespace may follow the last value.
  void End();

 private:
  [[noreturn]] void Fail(const char* expected) const;
  void SkipSpace();
  char Peek();  // the next significant character, or '\0' at the end
  void Expect(char c, const char* expected);
  // After a container's opening or one of its values: the separator or the
  // closing `close`; true when a value follows.
  bool NextInContainer(char open, char close, const char* expected);
  void ReadString(std::string& out);
  void ReadLiteral(std::string_view word);
  // The end of the number at pos_ (checked, not read); `integer` (when
  // given) tells whether it has neither a fraction nor an exponent.
  std::size_t ScanNumber(bool* integer) const;
  void SkipValue(int depth);

  std::string_view text_;
  std::size_t pos_ = 0;
  char last_ = '\0';      // the last structural character read: '{', '[', or 'v' after a value
  std::string key_;       // NextKey's decoded key
};

}  // namespace aftersales
