#include "engine/audit/canonical_json_check.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/audit/audit_log.h"
#include "engine/text_damage.h"

namespace aftersales {
namespace {

using nlohmann::json;

// What IsCanonicalJson must agree with: parse, canonicalize, compare.
bool ParsedAndCanonical(const std::string& text) {
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return false;
  Result<std::string> canonical = CanonicalJson(parsed);
  return canonical.ok() && *canonical == text;
}

void CheckAgrees(const std::string& text, bool expected) {
  INFO("text: " << text);
  CHECK(ParsedAndCanonical(text) == expected);  // the case itself is what it claims to be
  CHECK(IsCanonicalJson(text) == expected);
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// Canonical texts covering every rule: escapes, UTF-16 key order, integer
// limits, empty containers, nesting.
const std::vector<std::string>& CanonicalSamples() {
  static const std::vector<std::string> samples = {
      "null", "true", "false", "0", "-1", "9007199254740991", "-9007199254740991", R"("")", "{}", "[]",
      R"({"a":[true,false,null,{"y":-5,"z":"x"}],"b":1,"c":{},"d":[]})",
      "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0000\\u0001\\u001f\x7f / \xC3\xA9 \xE2\x82\xAC \xE2\x80\xA8 \xF0\x9F\x98\x80\"",
      std::string("{") + R"("\r":"Carriage Return",)" + R"("1":"One",)" + "\"\xC2\x80\":\"Control\"," +
          "\"\xC3\xB6\":\"o\"," + "\"\xE2\x82\xAC\":\"Euro Sign\"," + "\"\xF0\x9F\x98\x80\":\"Emoji\"," +
          "\"\xEF\xAC\xB3\":\"Dalet\"}",
      R"({"a":1,"ab":2,"b":{"a":[1,2,{"k":"v"}]}})",
      R"({"amount":959,"case_id":"c-7","evidence":[{"id":"t-1","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],"reason":"damaged"})",
      R"({"\u0001":1,"\b":2,"\t":3,"\"":4,"\\":5})",
      Nested(257),  // the root and 256 levels below it
  };
  return samples;
}

TEST_CASE("IsCanonicalJson accepts what CanonicalJson writes", "[audit]") {
  for (const std::string& text : CanonicalSamples()) CheckAgrees(text, true);
}

TEST_CASE("IsCanonicalJson refuses every other spelling of a value", "[audit]") {
  const std::vector<std::string> refused = {
      "",  // not JSON at all
      " null", "null ", R"({"a": 1})", R"({"a":1 })", "[1, 2]",  // whitespace
      R"({"b":1,"a":2})", R"({"a":1,"a":1})",                    // key order, duplicate keys
      "-0", "01", "-01", "1.0", "1.5", "1e2", "1E2", "+1",       // numbers
      "9007199254740992", "-9007199254740992", "12345678901234567890123",
      R"("\/")", R"("\u0041")", R"("\u001F")", R"("\u000a")", R"("\u0009")", R"("\u00e9")",  // escapes
      "\"\x01\"", "\"a\nb\"",                                   // raw control characters
      "\"\xff\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xE2\x82\"",  // invalid UTF-8
      "\xEF\xBB\xBFnull",                                       // a byte order mark
      "nul", "tru", "[1,]", "{\"a\"}", "{\"a\":}", "[", "{", "\"", R"("\)", R"("\u00)",
      "null null", "{}x", "[]]",
      // UTF-8 byte order but not UTF-16 order: U+FB33 before U+1F600.
      "{\"\xEF\xAC\xB3\":1,\"\xF0\x9F\x98\x80\":2}",
      Nested(258),  // one level deeper than CanonicalJson writes
  };
  for (const std::string& text : refused) CheckAgrees(text, false);
}

TEST_CASE("IsCanonicalJson agrees with parse-and-canonicalize on mutated texts", "[audit]") {
  // Deterministic: a fixed seed, so a failure reproduces.
  std::mt19937 random(20261127);
  const std::string alphabet = "{}[]\":,\\ -0123456789.eEabfnrtu/\x01\x7f\xC3\xA9\xF0\x9F\xEF";
  int accepted = 0;
  for (const std::string& sample : CanonicalSamples()) {
    if (sample.size() > 400) continue;  // the nesting samples add nothing here
    for (int round = 0; round < 3000; ++round) {
      std::string text = sample;
      testing::DamageText(text, random, alphabet);
      const bool expected = ParsedAndCanonical(text);
      accepted += expected ? 1 : 0;
      INFO("text: " << text);
      REQUIRE(IsCanonicalJson(text) == expected);
    }
  }
  CHECK(accepted > 100);  // the mutations reach canonical texts too, not only broken ones
}

}  // namespace
}  // namespace aftersales
