// Every limit at its edge, over HTTP: approval limits per role and case
// type (support/limit_edges.h, the same checks as on the engine), and the
// header limit of SPEC §6.13: headers of exactly 16 KiB pass, one byte more
// is 431 (the body's edge, exactly 1 MiB and one byte more, is in
// hardening_test.cc).
#include "support/limit_edges.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "web/http_driver.h"

namespace aftersales::testing {
namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;

TEST_CASE("HTTP: approve, offer and grant at the caller's limit pass, one unit more does not", "[web][limits]") {
  HttpDriver http;
  edges::CheckApprovalLimitEdges(http, "hl");
}

// The size SPEC §6.13 limits: every header line "name: value\r\n" of the
// request (the request line and the blank line after the headers aside).
std::size_t HeaderBytes(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::size_t n = 0;
  for (const auto& [name, value] : headers) n += name.size() + 2 + value.size() + 2;
  return n;
}

// A GET /api/v1/users whose headers take exactly `bytes` bytes, padded
// with filler headers of at most kFillerLine bytes each: cpp-httplib 0.11
// refuses (431) any single header line over 8 KiB, whatever the total.
std::string GetWithHeaderBytes(const std::string& token, std::size_t bytes) {
  constexpr std::size_t kFillerLine = 4000;
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "t"}, {"Authorization", "Bearer " + token}, {"Connection", "close"}};
  std::size_t left = bytes - HeaderBytes(headers);
  REQUIRE(left < bytes);
  for (int i = 0; left > 0; ++i) {
    const std::string name = "X-Filler-" + std::to_string(i);
    const std::size_t line = std::min(kFillerLine, left);
    REQUIRE(line > name.size() + 4);  // room for a value of one byte at least
    headers.emplace_back(name, std::string(line - name.size() - 4, 'x'));
    left -= line;
  }
  REQUIRE(HeaderBytes(headers) == bytes);
  std::string raw = "GET /api/v1/users HTTP/1.1\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  return raw + "\r\n";
}

TEST_CASE("HTTP: headers of exactly 16 KiB pass, one byte more answers 431", "[web][limits]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const std::string at = RawExchange(web.port(), GetWithHeaderBytes(admin, kHeaderLimit));
  CHECK(RawStatus(at) == 200);
  const std::string over = RawExchange(web.port(), GetWithHeaderBytes(admin, kHeaderLimit + 1));
  CHECK(RawStatus(over) == 431);
  CHECK(over.find("headers_too_large") != std::string::npos);
  CHECK(RawResponseCount(over) == 1);
}

}  // namespace
}  // namespace aftersales::testing
