// JsonWriter writes what nlohmann's dump(-1, ' ', false, replace) writes for
// the same value: every string, escaped or not, well-formed or not, and
// members and items in nested containers.
#include "engine/json_writer.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aftersales {
namespace {

using nlohmann::json;

std::string Dumped(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Hex(const std::string& s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

std::string Written(const std::string& s) {
  std::string out;
  JsonWriter(out).String(s);
  return out;
}

TEST_CASE("JsonWriter writes every string as nlohmann's dump does", "[engine][json]") {
  std::vector<std::string> strings = {
      "",
      "plain ascii",
      "quote \" and backslash \\ and slash /",
      "\x7f is written as it is",
      "\xc3\xa9\x7f and \x7f\n beside an escape",
      "仅退款 退货退款 换货",                 // three-byte UTF-8
      "\xc3\xa9t\xc3\xa9",                    // two-byte
      "\xf0\x9f\x98\x80 emoji",               // four-byte
      "mixed \"仅退款\"\n\ttab",
      std::string(300, 'x') + "\n" + std::string(300, 'y'),
  };
  for (int c = 0; c < 0x20; ++c) strings.push_back("a" + std::string(1, static_cast<char>(c)) + "b");
  strings.push_back(std::string("nul \0 inside", 12));
  // Not well-formed UTF-8: each bad sequence becomes U+FFFD.
  for (const char* bad : {"\xff", "\x80 lone continuation", "\xc0\xaf overlong", "\xe0\x80\xaf overlong",
                          "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 above U+10FFFF", "\xe4\xbb truncated",
                          "ok \xe4\xbb\x85 then \xe4 cut", "\xf0\x9f\x98", "\"quoted\" \xfe and \\"}) {
    strings.push_back(bad);
  }
  for (const std::string& s : strings) {
    INFO("the string " << Hex(s));
    CHECK(Written(s) == Dumped(json(s)));
  }
}

TEST_CASE("JsonWriter writes members and items and numbers as nlohmann's dump does", "[engine][json]") {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a").Int(0);
  w.Key("b").BeginArray();
  w.EndArray();
  w.Key("c").BeginObject();
  w.EndObject();
  w.Key("d").BeginArray();
  w.Item().Int(-9223372036854775807 - 1);
  w.Item().Int(9223372036854775807);
  w.Item().BeginObject();
  w.Key("deep").BeginArray();
  w.Item().BeginArray();
  w.Item().Null();
  w.Item().Bool(true);
  w.EndArray();
  w.Item().Bool(false);
  w.EndArray();
  w.EndObject();
  w.Item().String("s");
  w.EndArray();
  const std::string long_key(100, 'k');  // longer than the one-append path takes
  w.Key(long_key).Int(7);
  w.Key("z").IntOrNull(std::nullopt);
  w.EndObject();

  const json expected = {{"a", 0},
                         {"b", json::array()},
                         {"c", json::object()},
                         {"d", {INT64_MIN, INT64_MAX, {{"deep", {{nullptr, true}, false}}}, "s"}},
                         {long_key, 7},
                         {"z", nullptr}};
  CHECK(out == Dumped(expected));
}

TEST_CASE("JsonWriter writes a key of every length up to its one-append bound and past it", "[engine][json]") {
  for (std::size_t n = 0; n <= 70; ++n) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    const std::string first(n, 'k');  // then first + "z", which sorts after it
    w.Key(first).Int(1);
    w.Key(first + "z").Int(2);
    w.EndObject();
    CHECK(out == Dumped(json{{first, 1}, {first + "z", 2}}));
  }
}


TEST_CASE("JsonWriter writes a JSON value member by member as nlohmann's dump does", "[engine][json]") {
  json value = json::parse(R"({
    "b": [1, -2, 18446744073709551615, -9223372036854775808, 1.5, 1e300, -0.0, true, false, null, [], {}],
    "a": {"z": "仅退款", "quote\"key": "v\n", "": "empty key", "é": {"deep": [[["x"]]]}},
    "c": "tab\tand\u0001"
  })");
  value["d"] = std::string("bad \xff utf-8");
  value["bad \xfe key"] = 1;
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Item().Value(value);
  w.Item().Value(json(nullptr));
  w.Item().Value(json::object());
  w.EndArray();
  CHECK(out == Dumped(json::array({value, nullptr, json::object()})));
}
}  // namespace
}  // namespace aftersales
