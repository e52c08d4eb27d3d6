// web/client_address.h: which address a request came from behind trusted
// reverse proxies, as a pure function, and as the access log's `remote`
// over real HTTP.
#include "web/client_address.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TrustedProxies Trust(const std::vector<std::string>& entries) {
  auto parsed = TrustedProxies::Parse(entries);
  REQUIRE(parsed.ok());
  return *parsed;
}

bool Trusts(const TrustedProxies& trusted, const std::string& address) {
  auto parsed = IpAddress::Parse(address);
  REQUIRE(parsed.has_value());
  return trusted.Contains(*parsed);
}

TEST_CASE("addresses parse in their usual forms and print canonically", "[web][client_address]") {
  CHECK(IpAddress::Parse("192.0.2.1")->ToString() == "192.0.2.1");
  CHECK(IpAddress::Parse("192.0.2.1")->v4);
  CHECK(IpAddress::Parse("2001:DB8:0:0::1")->ToString() == "2001:db8::1");
  CHECK(IpAddress::Parse("[2001:db8::1]")->ToString() == "2001:db8::1");
  // An IPv4-mapped IPv6 address (a dual-stack socket's peer) is its IPv4 address.
  CHECK(IpAddress::Parse("::ffff:198.51.100.7")->ToString() == "198.51.100.7");
  CHECK(IpAddress::Parse("::ffff:198.51.100.7")->v4);
  for (const char* bad : {"", " ", "unknown", "example.com", "192.0.2.1:8080", "[2001:db8::1]:443", "[192.0.2.1]",
                          "192.0.2", "192.0.2.256", "0x7f.0.0.1", "fe80::1%eth0", "[[::1]]", "_hidden"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::Parse(bad).has_value());
  }
}

TEST_CASE("trusted proxies are addresses or CIDR blocks, checked at parse", "[web][client_address]") {
  const TrustedProxies trusted = Trust({"127.0.0.1", "10.1.0.0/16", "fd00::/8", "::1", "192.0.2.128/25"});
  CHECK(Trusts(trusted, "127.0.0.1"));
  CHECK_FALSE(Trusts(trusted, "127.0.0.2"));
  CHECK(Trusts(trusted, "10.1.0.0"));
  CHECK(Trusts(trusted, "10.1.255.255"));
  CHECK_FALSE(Trusts(trusted, "10.2.0.0"));
  CHECK_FALSE(Trusts(trusted, "10.0.255.255"));
  CHECK(Trusts(trusted, "fd12:3456::1"));
  CHECK_FALSE(Trusts(trusted, "fe00::1"));
  CHECK(Trusts(trusted, "::1"));
  CHECK_FALSE(Trusts(trusted, "::2"));
  CHECK(Trusts(trusted, "192.0.2.128"));
  CHECK(Trusts(trusted, "192.0.2.255"));
  CHECK_FALSE(Trusts(trusted, "192.0.2.127"));
  // Families never match each other, but a mapped address is IPv4.
  CHECK(Trusts(trusted, "::ffff:127.0.0.1"));
  CHECK_FALSE(Trusts(Trust({"::/0"}), "127.0.0.1"));
  CHECK(Trusts(Trust({"0.0.0.0/0"}), "203.0.113.9"));
  CHECK(Trusts(Trust({"::ffff:10.0.0.0/104"}), "10.200.1.1"));
  CHECK_FALSE(Trusts(Trust({"::ffff:10.0.0.0/104"}), "11.0.0.1"));
  CHECK(Trust({}).empty());
  CHECK_FALSE(Trusts(Trust({}), "127.0.0.1"));

  for (const char* bad : {"localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.1/8",
                          "::1/129", "fd00::1/8", "::ffff:10.0.0.0/64", "10.0.0.0/8/8", ""}) {
    INFO(bad);
    auto parsed = TrustedProxies::Parse({"127.0.0.1", bad});
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kValidationFailed);
    CHECK(parsed.status().message().find(std::string("'") + bad + "'") != std::string::npos);
  }
}

TEST_CASE("X-Forwarded-For counts only from trusted peers, read from the right", "[web][client_address]") {
  const TrustedProxies trusted = Trust({"127.0.0.1", "10.0.0.0/8"});

  SECTION("an untrusted peer is the client, whatever it claims") {
    CHECK(ClientAddress("203.0.113.9", {"198.51.100.1"}, trusted) == "203.0.113.9");
    CHECK(ClientAddress("203.0.113.9", {}, trusted) == "203.0.113.9");
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1"}, Trust({})) == "127.0.0.1");
  }
  SECTION("a trusted peer without the header is the client") {
    CHECK(ClientAddress("127.0.0.1", {}, trusted) == "127.0.0.1");
  }
  SECTION("one trusted proxy: the address it appended") {
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1"}, trusted) == "198.51.100.1");
  }
  SECTION("what a client wrote before the proxy appended is never believed") {
    CHECK(ClientAddress("127.0.0.1", {"6.6.6.6, 198.51.100.1"}, trusted) == "198.51.100.1");
    CHECK(ClientAddress("127.0.0.1", {"10.9.9.9, 198.51.100.1"}, trusted) == "198.51.100.1");
  }
  SECTION("a chain of trusted proxies is skipped") {
    CHECK(ClientAddress("127.0.0.1", {"6.6.6.6, 198.51.100.1, 10.0.0.2, 10.0.0.3"}, trusted) == "198.51.100.1");
  }
  SECTION("several header lines are one list, in order") {
    CHECK(ClientAddress("127.0.0.1", {"6.6.6.6", "198.51.100.1, 10.0.0.2"}, trusted) == "198.51.100.1");
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1", "10.0.0.2", "10.0.0.3"}, trusted) == "198.51.100.1");
  }
  SECTION("every hop trusted: the leftmost") {
    CHECK(ClientAddress("127.0.0.1", {"10.0.0.5, 10.0.0.2"}, trusted) == "10.0.0.5");
  }
  SECTION("an element that is not an address ends the walk at the trusted hop to its right") {
    CHECK(ClientAddress("127.0.0.1", {"unknown"}, trusted) == "127.0.0.1");
    CHECK(ClientAddress("127.0.0.1", {""}, trusted) == "127.0.0.1");
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1:5555"}, trusted) == "127.0.0.1");
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1, junk, 10.0.0.2"}, trusted) == "10.0.0.2");
    CHECK(ClientAddress("127.0.0.1", {"198.51.100.1, , 10.0.0.2"}, trusted) == "10.0.0.2");
  }
  SECTION("spaces and tabs around elements, IPv6 and mapped addresses") {
    CHECK(ClientAddress("127.0.0.1", {" \t2001:DB8::7 ,\t10.0.0.2 "}, trusted) == "2001:db8::7");
    CHECK(ClientAddress("::ffff:127.0.0.1", {"[2001:db8::7]"}, trusted) == "2001:db8::7");
    CHECK(ClientAddress("::ffff:127.0.0.1", {"::ffff:198.51.100.1"}, trusted) == "198.51.100.1");
    CHECK(ClientAddress("::ffff:203.0.113.9", {"198.51.100.1"}, trusted) == "203.0.113.9");
  }
  SECTION("a peer that is not an address comes back as given") {
    CHECK(ClientAddress("", {"198.51.100.1"}, trusted).empty());
  }
}

// The access log lines of `web` whose path is `path`, waiting for `count`.
std::vector<json> LoggedRequests(WebFixture& web, const std::string& path, std::size_t count) {
  std::vector<json> found;
  for (int i = 0; i < 500 && found.size() < count; ++i) {
    found.clear();
    for (const auto& line : web.access_log()) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j["path"] == path) found.push_back(j);
    }
    if (found.size() < count) SleepForMillis(10);
  }
  return found;
}

TEST_CASE("the access log shows the forwarded client only for a trusted proxy", "[web][client_address]") {
  SECTION("the loopback peer is trusted") {
    WebFixture::Options options;
    options.server.trusted_proxies = Trust({"127.0.0.1"});
    WebFixture web(options);
    REQUIRE(web.Get("/healthz", "", {{"X-Forwarded-For", "6.6.6.6, 198.51.100.23"}}).status == 200);
    REQUIRE(web.Get("/api/v1/openapi.json", "").status == 200);
    const auto forwarded = LoggedRequests(web, "/healthz", 1);
    REQUIRE(forwarded.size() == 1);
    CHECK(forwarded[0]["remote"] == "198.51.100.23");
    const auto direct = LoggedRequests(web, "/api/v1/openapi.json", 1);
    REQUIRE(direct.size() == 1);
    CHECK(direct[0]["remote"] == "127.0.0.1");
  }
  SECTION("nobody is trusted: the header is ignored") {
    WebFixture web;
    REQUIRE(web.Get("/healthz", "", {{"X-Forwarded-For", "198.51.100.23"}}).status == 200);
    const auto logged = LoggedRequests(web, "/healthz", 1);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0]["remote"] == "127.0.0.1");
  }
}

}  // namespace
}  // namespace aftersales::testing
