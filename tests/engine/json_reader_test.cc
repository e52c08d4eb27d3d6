// JsonReader (engine/json_reader.h): it reads back what nlohmann's dump()
// writes, in every form (compact, indented, ASCII-escaped), and refuses the
// texts nlohmann::json::parse refuses, on random values and on random damage
// to their text; its three refusals beyond nlohmann's (a NUL after a value,
// a byte order mark, nesting past kMaxDepth) are checked one by one.
#include "engine/json_reader.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/text_damage.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// Reads the next value of `r` as `expected` says it is, checking each part.
void ReadAs(JsonReader& r, const json& expected) {
  switch (expected.type()) {
    case json::value_t::null:
      CHECK(r.Null());
      break;
    case json::value_t::boolean:
      CHECK_FALSE(r.Null());
      CHECK(r.Bool() == expected.get<bool>());
      break;
    case json::value_t::number_integer:
      CHECK(r.Int() == expected.get<std::int64_t>());
      break;
    case json::value_t::number_unsigned:
      if (expected.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        CHECK(r.Int() == expected.get<std::int64_t>());
      } else {
        r.Skip();  // beyond Int(): read past as a number
      }
      break;
    case json::value_t::number_float:
      r.Skip();  // read past as a number
      break;
    case json::value_t::string:
      CHECK(r.String() == expected.get<std::string>());
      break;
    case json::value_t::array: {
      std::size_t i = 0;
      r.Array([&] {
        REQUIRE(i < expected.size());
        ReadAs(r, expected[i++]);
      });
      CHECK(i == expected.size());
      break;
    }
    case json::value_t::object: {
      std::size_t members = 0;
      r.BeginObject();
      for (std::string_view key; r.NextKey(key);) {
        const std::string name(key);
        REQUIRE(expected.contains(name));
        ReadAs(r, expected.at(name));
        ++members;
      }
      CHECK(members == expected.size());
      break;
    }
    default:
      FAIL("no such value in these tests");
  }
}

// Random strings: ASCII, escapes, control characters, 2- to 4-byte UTF-8.
std::string RandomString(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x1f", "\x7f",
      "\xc3\xa9", "\xe4\xba\xba", "\xf0\x9f\x98\x80", "key", "\xe2\x82\xac"};
  std::string s;
  const int n = static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
  return s;
}

json RandomValue(std::mt19937& rng, int depth) {
  const int kind = static_cast<int>(rng() % (depth >= 4 ? 5 : 7));
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2: {
      // Numbers Int() does not read, which the reader still reads past.
      static const std::vector<double> doubles = {0.5, -1.25, 1e300, -2.5e-300, 123456.789, 1e-7};
      if (rng() % 5 == 0) return doubles[rng() % doubles.size()];
      if (rng() % 9 == 0) return std::numeric_limits<std::uint64_t>::max() - rng() % 1000;
      static const std::vector<std::int64_t> edges = {0, -1, 1, 9, 10, -10, std::numeric_limits<std::int64_t>::max(),
                                                      std::numeric_limits<std::int64_t>::min()};
      if (rng() % 3 == 0) return edges[rng() % edges.size()];
      return static_cast<std::int64_t>(rng()) - static_cast<std::int64_t>(rng());
    }
    case 3:
    case 4:
      return RandomString(rng);
    case 5: {
      json a = json::array();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) o[RandomString(rng)] = RandomValue(rng, depth + 1);
      return o;
    }
  }
}

// nlohmann's verdict, but for a NUL byte: nlohmann takes one outside a
// string as the end of the input, where the reader (and RFC 8259) refuse it.
// (The damage below never makes a byte order mark or deep nesting.)
bool NlohmannAccepts(const std::string& text) { return text.find('\0') == std::string::npos && json::accept(text); }

TEST_CASE("json reader: reads back every value dump() writes, in every form", "[engine][json_reader]") {
  std::mt19937 rng(20261207);
  for (int round = 0; round < 2000; ++round) {
    const json value = RandomValue(rng, 0);
    for (const std::string& text : {value.dump(), value.dump(2), value.dump(-1, ' ', true)}) {
      INFO(text);
      JsonReader r(text);
      ReadAs(r, value);
      r.End();
      CHECK(JsonReader::Accepts(text));
    }
  }
}

TEST_CASE("json reader: refuses what nlohmann refuses, on damaged texts", "[engine][json_reader]") {
  std::mt19937 rng(7);
  const std::string alphabet =
      std::string("{}[]:,\"\\/ -+.0123456789eEtrufalsn\x01\x7f\x80\xbf\xc3\xe4\xf0\xff") + std::string(1, '\0');
  int damaged = 0;
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = RandomValue(rng, 0).dump(rng() % 2 == 0 ? -1 : 1, ' ', rng() % 2 == 0);
    DamageText(text, rng, alphabet);
    ++damaged;
    const bool nlohmann = NlohmannAccepts(text);
    if (!nlohmann) ++refused;
    INFO(json(text).dump(-1, ' ', true, json::error_handler_t::replace));
    CHECK(JsonReader::Accepts(text) == nlohmann);
  }
  // The damage produced both kinds of text.
  CHECK(refused > damaged / 5);
  CHECK(refused < damaged);
}

TEST_CASE("json reader: texts it refuses, each for its own reason", "[engine][json_reader]") {
  for (const std::string& text : std::vector<std::string>{
           "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,\"a\":1}", "[1,]", "[,1]", "[1 2]", "01", "-",
        "1.", ".5", "1e", "+1", "tru", "nul", "nulll", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"",
        "\"\\uDC00\"", "\"\\uD800\\u0041\"", std::string("\"a\nb\""), std::string("\"\xc3\""),
        std::string("\"\xed\xa0\x80\""), std::string("\"\xc0\xaf\""), "1 2", "{\"a\":1}x", "[]]", "\f1"}) {
    INFO(json(text).dump(-1, ' ', true, json::error_handler_t::replace));
    CHECK_FALSE(json::accept(text));
    CHECK_FALSE(JsonReader::Accepts(text));
  }
  // A NUL byte after a value: nlohmann stops reading there, the reader
  // refuses it as it refuses any other trailing byte.
  CHECK(json::accept(std::string("{}\0x", 4)));
  CHECK_FALSE(JsonReader::Accepts(std::string("{}\0x", 4)));
  // A byte order mark: nlohmann skips it, the reader refuses it (stored
  // documents never have one).
  CHECK(json::accept("\xEF\xBB\xBF{}"));
  CHECK_FALSE(JsonReader::Accepts("\xEF\xBB\xBF{}"));
  // Nesting past kMaxDepth is refused rather than followed.
  const std::string deep = std::string(JsonReader::kMaxDepth + 1, '[') + std::string(JsonReader::kMaxDepth + 1, ']');
  CHECK_FALSE(JsonReader::Accepts(deep));
  const std::string shallow = std::string(JsonReader::kMaxDepth, '[') + std::string(JsonReader::kMaxDepth, ']');
  CHECK(JsonReader::Accepts(shallow));
}

TEST_CASE("json reader: a value of another kind than asked for is an error, never a conversion",
          "[engine][json_reader]") {
  const auto int_of = [](const std::string& text) {
    JsonReader r(text);
    return r.Int();
  };
  CHECK(int_of("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
  CHECK(int_of(" 9223372036854775807 ") == std::numeric_limits<std::int64_t>::max());
  CHECK(int_of("-0") == 0);
  for (const char* text : {"9223372036854775808", "-9223372036854775809", "1.5", "1e3", "2E0", "\"1\"", "true", "null",
                           "[1]", "01"}) {
    INFO(text);
    CHECK_THROWS_AS(int_of(text), JsonReadError);
  }
  {
    // Every escape JSON has, decoded.
    JsonReader r(R"("a\/b\u00e9\ud83d\ude00\u0000\b\f\n\r\t\"\\")");
    CHECK(r.String() == std::string("a/b\xc3\xa9\xf0\x9f\x98\x80") + std::string(1, '\0') + "\b\f\n\r\t\"\\");
    r.End();
  }
  {
    JsonReader r("1");
    CHECK_THROWS_AS(r.String(), JsonReadError);
  }
  {
    JsonReader r("\"true\"");
    CHECK_THROWS_AS(r.Bool(), JsonReadError);
  }
  {
    JsonReader r("false");
    CHECK_FALSE(r.Null());  // not null: nothing read
    CHECK_FALSE(r.Bool());
    r.End();
  }
  {
    JsonReader r("[1]");
    CHECK_THROWS_AS(r.BeginObject(), JsonReadError);
  }
}

TEST_CASE("json reader: an object by its members' names", "[engine][json_reader]") {
  const auto read = [](const std::string& text, std::int64_t& a, std::string& b) {
    JsonReader r(text);
    r.Object({"a", "b"}, [&](std::string_view key) {
      if (key == "a") {
        a = r.Int();
      } else if (key == "b") {
        b = r.String();
      } else {
        return false;
      }
      return true;
    });
    r.End();
  };
  std::int64_t a = 0;
  std::string b;
  // In any order, unknown members skipped whatever they hold, escaped keys
  // decoded, a repeated key's last value standing.
  read(R"({"z":{"a":[1,{"b":2}]},"b":"x","\u0061":1,"a":2, "y":null})", a, b);
  CHECK(a == 2);
  CHECK(b == "x");
  // A required member missing is named.
  try {
    read(R"({"a":1})", a, b);
    FAIL("a missing member was not reported");
  } catch (const JsonReadError& e) {
    CHECK(std::string(e.what()).find("\"b\"") != std::string::npos);
  }
  // A member of the wrong kind fails the read.
  CHECK_THROWS_AS(read(R"({"a":"1","b":"x"})", a, b), JsonReadError);
  // The error names where the text went wrong.
  try {
    JsonReader r("[1, x]");
    r.Skip();
    FAIL("a bad value was not reported");
  } catch (const JsonReadError& e) {
    CHECK(std::string(e.what()).find("offset 4") != std::string::npos);
  }
}

}  // namespace
}  // namespace aftersales::testing
