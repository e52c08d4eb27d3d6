// MatchRoutePath (web/route.h): the route table's path matcher. Besides the
// edges of its captures, it must answer exactly as the regular expressions
// the route table used before it (kept here as the reference) on every path
// a client could send, captures included.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "web/route.h"

namespace aftersales::testing {
namespace {

// The regular expression a pattern stood for: "{name}" an id of SPEC §1,
// "{name*}" the rest of the path, dots literal.
std::regex ReferenceRegex(const std::string& pattern) {
  std::string regex;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      const std::size_t close = pattern.find('}', i);
      regex += pattern[close - 1] == '*' ? "([A-Za-z0-9._/-]{1,200})" : "([A-Za-z0-9._-]{1,64})";
      i = close;
    } else if (pattern[i] == '.') {
      regex += "\\.";
    } else {
      regex += pattern[i];
    }
  }
  return std::regex(regex);
}

std::optional<std::vector<std::string>> Match(const std::string& pattern, const std::string& path) {
  std::vector<std::string> params;
  if (!MatchRoutePath(pattern, path, params)) return std::nullopt;
  return params;
}

using Params = std::vector<std::string>;

TEST_CASE("route paths: literals, id captures and the rest of a path", "[web]") {
  CHECK(Match("/healthz", "/healthz") == Params{});
  CHECK_FALSE(Match("/healthz", "/healthz/"));
  CHECK_FALSE(Match("/healthz", "/health"));
  CHECK_FALSE(Match("/api/v1/openapi.json", "/api/v1/openapiXjson"));
  CHECK(Match("/api/v1/cases/{id}", "/api/v1/cases/cs_1.a-B") == Params{"cs_1.a-B"});
  CHECK_FALSE(Match("/api/v1/cases/{id}", "/api/v1/cases/"));
  CHECK_FALSE(Match("/api/v1/cases/{id}", "/api/v1/cases/cs_1/timeline"));
  CHECK_FALSE(Match("/api/v1/cases/{id}", "/api/v1/cases/cs 1"));
  CHECK_FALSE(Match("/api/v1/cases/{id}", "/api/v1/cases/cs%201"));
  CHECK(Match("/api/v1/cases/{id}", "/api/v1/cases/" + std::string(64, 'a')) == Params{std::string(64, 'a')});
  CHECK_FALSE(Match("/api/v1/cases/{id}", "/api/v1/cases/" + std::string(65, 'a')));
  CHECK(Match("/api/v1/cases/{id}/actions/{action}", "/api/v1/cases/c1/actions/approve") ==
        Params{"c1", "approve"});
  CHECK_FALSE(Match("/api/v1/cases/{id}/actions/{action}", "/api/v1/cases/c1/actions/"));
  CHECK(Match("/ui/{asset*}", "/ui/js/app.js") == Params{"js/app.js"});
  CHECK(Match("/ui/{asset*}", "/ui/" + std::string(200, 'a')) == Params{std::string(200, 'a')});
  CHECK_FALSE(Match("/ui/{asset*}", "/ui/" + std::string(201, 'a')));
  CHECK_FALSE(Match("/ui/{asset*}", "/ui/"));
  CHECK_FALSE(Match("/ui/{asset*}", "/ui/a?b"));
}

TEST_CASE("route paths: the matcher answers as the reference regex on random paths", "[web]") {
  const std::vector<std::string> patterns = {
      "/", "/healthz", "/api/v1/openapi.json", "/api/v1/cases", "/api/v1/cases/{id}",
      "/api/v1/cases/{id}/actions/{action}", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
      "/ui/{asset*}"};
  // Paths built from the patterns' own pieces and from characters on both
  // sides of every capture's alphabet, so that near misses are common.
  const std::vector<std::string> pieces = {"/", "api", "v1", "cases", "actions", "approve", "ui", "js", ".",
                                           "json", "openapi", "healthz", "webhooks", "deliveries", "redeliver",
                                           "x", "_", "-", "%", " ", "?", "A9", std::string(30, 'z')};
  std::mt19937 random(20261206);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(0, 12);
  int matched = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string& pattern = patterns[static_cast<std::size_t>(round) % patterns.size()];
    // Half the paths start as the pattern's literal prefix does.
    std::string path = round % 2 == 0 ? pattern.substr(0, pattern.find('{')) : "/";
    for (int n = count(random); n > 0; --n) path += pieces[piece(random)];
    std::smatch m;
    const bool expected = std::regex_match(path, m, ReferenceRegex(pattern));
    const auto got = Match(pattern, path);
    INFO(pattern << " against " << path);
    REQUIRE(got.has_value() == expected);
    if (expected) {
      ++matched;
      Params captures;
      for (std::size_t group = 1; group < m.size(); ++group) captures.push_back(m[group].str());
      CHECK(*got == captures);
    }
  }
  CHECK(matched > 500);  // the comparison saw matches, not only misses
}

}  // namespace
}  // namespace aftersales::testing
