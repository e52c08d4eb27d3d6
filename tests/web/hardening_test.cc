// SPEC §6.13 limits and the cpp-httplib holes they close, on the wire.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/wait.h"
#include "web/json_body.h"
#include "web/read_answer.h"
#include "web/request_head.h"
#include "web/request_limits.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// A request head with a bearer token; it asks the server to close the
// connection afterwards unless `keep_alive`.
std::string Head(const std::string& request_line, const std::string& token, const std::string& extra = "",
                 bool keep_alive = false) {
  return request_line + "\r\nHost: t\r\nAuthorization: Bearer " + token + "\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + extra + "\r\n";
}

TEST_CASE("malformed bodies answer 400 malformed_json", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  SECTION("not JSON") {
    HttpResult r = web.Post("/api/v1/users", std::string("{\"name\": "), admin);
    CHECK(r.status == 400);
    CHECK(r.Code() == "malformed_json");
    CHECK(r.ContentType() == "application/problem+json");
  }
  SECTION("trailing garbage") {
    CHECK(web.Post("/api/v1/users", std::string("{} {}"), admin).Code() == "malformed_json");
  }
  SECTION("invalid UTF-8") {
    HttpResult r = web.Post("/api/v1/users", std::string("{\"name\": \"a\xff\xfe\", \"role\": \"agent\"}"), admin);
    CHECK(r.status == 400);
    CHECK(r.Code() == "malformed_json");
  }
  SECTION("an overlong UTF-8 form") {
    CHECK(web.Post("/api/v1/users", std::string("{\"name\": \"\xc0\xaf\"}"), admin).Code() == "malformed_json");
  }
  SECTION("a body that is not an object") {
    CHECK(web.Post("/api/v1/users", std::string("[1, 2]"), admin).Code() == "malformed_json");
    CHECK(web.Post("/api/v1/users", std::string("\"x\""), admin).Code() == "malformed_json");
  }
  SECTION("nesting deeper than the limit") {
    std::string deep = "{\"a\": " + std::string(200, '[') + std::string(200, ']') + "}";
    CHECK(web.Post("/api/v1/users", deep, admin).Code() == "malformed_json");
  }
  SECTION("a number beyond double range") {
    CHECK(web.Post("/api/v1/users", std::string("{\"approval_limit\": 1e400}"), admin).Code() == "malformed_json");
  }
}

TEST_CASE("unknown fields, wrong types and huge numbers answer 400 validation_failed", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  HttpResult unknown = web.Post("/api/v1/users", json{{"name", "x"}, {"role", "agent"}, {"is_root", true}}, admin);
  CHECK(unknown.status == 400);
  CHECK(unknown.Code() == "validation_failed");
  REQUIRE(unknown.Json()["errors"].size() == 1);
  CHECK(unknown.Json()["errors"][0]["field"] == "is_root");

  HttpResult wrong = web.Post("/api/v1/users", json{{"name", 5}, {"role", "agent"}}, admin);
  CHECK(wrong.Code() == "validation_failed");
  CHECK(wrong.Json()["errors"][0]["field"] == "name");

  HttpResult huge = web.Post(
      "/api/v1/users", std::string(R"({"name":"x","role":"agent","approval_limit":99999999999999999999})"), admin);
  CHECK(huge.status == 400);
  CHECK(huge.Code() == "validation_failed");
  HttpResult fractional =
      web.Post("/api/v1/users", json{{"name", "x"}, {"role", "agent"}, {"approval_limit", 1.5}}, admin);
  CHECK(fractional.Code() == "validation_failed");
  HttpResult negative =
      web.Post("/api/v1/users", json{{"name", "x"}, {"role", "agent"}, {"approval_limit", -1}}, admin);
  CHECK(negative.Code() == "validation_failed");
}

TEST_CASE("a body over 1 MiB is refused with 413 before it is sent", "[web][hardening]") {
  WebFixture web;
  // Only the head goes out: the answer must come without the body.
  std::string raw = Head("POST /api/v1/users HTTP/1.1", web.token("admin"),
                         "Content-Type: application/json\r\nContent-Length: 2000000\r\n");
  std::string answer = RawExchange(web.port(), raw, 3000);
  CHECK(RawStatus(answer) == 413);
  CHECK(answer.find("application/problem+json") != std::string::npos);
  CHECK(answer.find("payload_too_large") != std::string::npos);
  // One byte over the limit is refused; exactly the limit is not.
  std::string over = Head("POST /api/v1/users HTTP/1.1", web.token("admin"),
                          "Content-Type: application/json\r\nContent-Length: 1048577\r\n");
  CHECK(RawStatus(RawExchange(web.port(), over)) == 413);
  std::string body(1048576, ' ');
  body[0] = '{';
  body[body.size() - 1] = '}';
  HttpResult at_limit = web.Post("/api/v1/users", body, web.token("admin"));
  CHECK(at_limit.status == 400);  // read and parsed: name is missing
  CHECK(at_limit.Code() == "validation_failed");
}

TEST_CASE("Expect: 100-continue gets the refusal instead of 100", "[web][hardening]") {
  WebFixture web;
  std::string raw = Head("POST /api/v1/users HTTP/1.1", web.token("admin"),
                         "Content-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n");
  std::string answer = RawExchange(web.port(), raw, 3000);
  CHECK(RawStatus(answer) == 413);
  CHECK(answer.find("100 Continue") == std::string::npos);
}

// A client that waits for "100 Continue" before it sends its body (curl
// does for large bodies) must get the 100 at once, then the answer.
TEST_CASE("Expect: 100-continue within the limit gets 100 and then the answer", "[web][hardening]") {
  WebFixture web;
  const std::string body = R"({"name": "continued", "role": "agent"})";
  const std::string head = Head("POST /api/v1/users HTTP/1.1", web.token("admin"),
                                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                    "\r\nExpect: 100-continue\r\n",
                                true);
  const int fd = ConnectTo(web.port());
  REQUIRE(fd >= 0);
  REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  const std::string interim = ReadAnswer(fd, 5000);
  CHECK(interim.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
  REQUIRE(::send(fd, body.data(), body.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(body.size()));
  const std::string answer = ReadAnswer(fd, 5000);
  ::close(fd);
  CHECK(RawStatus(answer) == 201);
  CHECK(answer.find("\"continued\"") != std::string::npos);
}

TEST_CASE("a chunked body answers 411 and is never parsed as a request", "[web][hardening]") {
  WebFixture web;
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", smuggled.size());
  std::string raw = Head("POST /api/v1/users HTTP/1.1", web.token("admin"),
                         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", true) +
                    hex + "\r\n" + smuggled + "\r\n0\r\n\r\n";
  std::string answer = RawExchange(web.port(), raw, 3000);
  CHECK(RawStatus(answer) == 411);
  CHECK(answer.find("length_required") != std::string::npos);
  CHECK(RawResponseCount(answer) == 1);
}

TEST_CASE("an unread body of a refused request is not taken for the next request", "[web][hardening]") {
  WebFixture web;
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string raw = "POST /api/v1/users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  std::string answer = RawExchange(web.port(), raw, 3000);
  CHECK(RawStatus(answer) == 401);
  CHECK(RawResponseCount(answer) == 1);
}

TEST_CASE("header values with CR or LF, raw or percent-encoded, answer 400", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  for (const std::string value :
       {"a%0d%0aX-Injected: 1", "a%0D%0AX-Injected: 1", "a%0Ab", "a%0dB", "a%250d%250a", "a\rb"}) {
    INFO(value);
    std::string answer =
        RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, "X-Note: " + value + "\r\n"));
    CHECK(RawStatus(answer) == 400);
    CHECK(answer.find("validation_failed") != std::string::npos);
  }
  // A bare LF inside a header line (the library would drop the line).
  std::string bare = RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, "X-Note: a\nX-Role: admin\r\n"));
  CHECK(RawStatus(bare) == 400);
  CHECK(bare.find("CR LF") != std::string::npos);
  CHECK(RawResponseCount(bare) == 1);
  CHECK(RawStatus(RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, "X-Note: plain %41\r\n"))) == 200);
}

TEST_CASE("headers over 16 KiB answer 431", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  SECTION("many headers") {
    std::string extra;
    for (int i = 0; i < 20; ++i) extra += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
    std::string answer = RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, extra));
    CHECK(RawStatus(answer) == 431);
    CHECK(answer.find("headers_too_large") != std::string::npos);
  }
  SECTION("one long header") {
    std::string answer = RawExchange(
        web.port(), Head("GET /api/v1/users HTTP/1.1", admin, "X-Big: " + std::string(20000, 'x') + "\r\n"));
    CHECK(RawStatus(answer) == 431);
    CHECK(RawResponseCount(answer) == 1);
  }
  SECTION("an endless head") {
    std::string extra;
    for (int i = 0; i < 400; ++i) extra += "X-" + std::to_string(i) + ": " + std::string(200, 'y') + "\r\n";
    std::string answer = RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, extra));
    CHECK(RawStatus(answer) == 431);
    CHECK(RawResponseCount(answer) == 1);
  }
  SECTION("just under the limit passes") {
    std::string extra;
    for (int i = 0; i < 14; ++i) extra += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
    CHECK(RawStatus(RawExchange(web.port(), Head("GET /api/v1/users HTTP/1.1", admin, extra))) == 200);
  }
}

TEST_CASE("header names are tokens and framing headers are strict (RFC 9112)", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  auto exchange = [&](const std::string& raw) { return RawExchange(web.port(), raw, 3000); };
  SECTION("whitespace before the colon of Content-Length") {
    std::string raw = "POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                      "\r\nContent-Type: application/json\r\nContent-Length : " + std::to_string(smuggled.size()) +
                      "\r\n\r\n" + smuggled;
    const std::string answer = exchange(raw);
    CHECK(RawStatus(answer) == 400);
    CHECK(answer.find("is not a token") != std::string::npos);
    CHECK(RawResponseCount(answer) == 1);
  }
  SECTION("a spaced Transfer-Encoding next to a Content-Length") {
    std::string body = "0\r\n\r\n" + smuggled;
    std::string raw = "POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                      "\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding : chunked\r\n\r\n" +
                      body;
    const std::string answer = exchange(raw);
    CHECK(RawStatus(answer) == 400);
    CHECK(RawResponseCount(answer) == 1);
  }
  SECTION("a tab or a control character in a header name") {
    CHECK(RawStatus(exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A\t: 1\r\n\r\n")) == 400);
    CHECK(RawStatus(exchange(std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nX-\x01: 1\r\n\r\n"))) == 400);
    CHECK(RawStatus(exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nX(A): 1\r\n\r\n")) == 400);
    CHECK(RawStatus(exchange("GET /healthz HTTP/1.1\r\nHost: t\r\n: no name\r\n\r\n")) == 400);
  }
  SECTION("a spaced Idempotency-Key is refused, not dropped") {
    std::string raw = "POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                      "\r\nIdempotency-Key : k1\r\nConnection: close\r\n\r\n";
    CHECK(RawStatus(exchange(raw)) == 400);
  }
  SECTION("a folded header line") {
    CHECK(RawStatus(exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  continued\r\n\r\n")) == 400);
  }
  SECTION("Transfer-Encoding in any spelling, empty too, answers 411") {
    for (const std::string te : {"Transfer-Encoding:\r\n", "Transfer-Encoding: identity\r\n",
                                 "TRANSFER-ENCODING: chunked\r\n", "transfer-encoding:   chunked  \r\n",
                                 "Transfer-Encoding: gzip, chunked\r\n"}) {
      INFO(te);
      const std::string answer =
          exchange("POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin + "\r\n" + te +
                   "Content-Type: application/json\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      CHECK(RawStatus(answer) == 411);
      CHECK(RawResponseCount(answer) == 1);
    }
  }
  SECTION("one valid Content-Length only") {
    for (const std::string cl : {"Content-Length: 2\r\nContent-Length: 2\r\n", "Content-Length: 2, 2\r\n",
                                 "Content-Length: +2\r\n", "Content-Length: 0x2\r\n", "Content-Length: -1\r\n",
                                 "Content-Length:\r\n", "Content-Length: 99999999999999999999\r\n"}) {
      INFO(cl);
      const std::string answer = exchange("POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                                          "\r\nContent-Type: application/json\r\n" + cl + "\r\n{}");
      CHECK(RawStatus(answer) == 400);
      CHECK(RawResponseCount(answer) == 1);
    }
  }
  SECTION("bare LF line ends get an answer, not a silent close") {
    const std::string answer = exchange("GET /healthz HTTP/1.1\nHost: t\n\n");
    CHECK(RawStatus(answer) == 400);
    CHECK(answer.find("CR LF") != std::string::npos);
  }
  SECTION("an over-long request line answers 414") {
    const std::string answer = exchange("GET /" + std::string(26 * 1024, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(RawStatus(answer) == 414);
    CHECK(answer.find("uri_too_long") != std::string::npos);
    // A request line of 8 KiB with its CR LF is still served (404: no such route).
    const std::size_t fill = kMaxRequestLineBytes - std::string("GET / HTTP/1.1").size();
    const std::string at_limit =
        exchange("GET /" + std::string(fill, 'a') + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    CHECK(RawStatus(at_limit) == 404);
    CHECK(RawStatus(exchange("GET /" + std::string(fill + 1, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n")) == 414);
  }
  SECTION("a request line that is not method, target, version") {
    CHECK(RawStatus(exchange("GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) == 400);
    CHECK(RawStatus(exchange("GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n")) == 400);
    CHECK(RawStatus(exchange("G(T /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) == 400);
  }
}

// The connection loop feeds the scanner what has arrived so far, in
// whatever pieces the network gave: the verdict must be the same for any
// split. (A fuzzer found a request line over 8 KiB ending in a bare LF that
// was refused with 414 when read in pieces and 400 when read at once.)
TEST_CASE("the head scanner's verdict does not depend on how the bytes arrive", "[web][hardening]") {
  const std::string long_target = "/" + std::string(kMaxRequestLineBytes + 100, 'a');
  const std::string at_limit_target = "/" + std::string(kMaxRequestLineBytes - std::string("GET / HTTP/1.1").size(), 'a');
  const std::string big_value(kMaxHeaderSectionBytes, 'v');
  struct Input {
    std::string name;
    std::string bytes;
    int status;  // 0: a complete head
  };
  const std::vector<Input> inputs = {
      {"a long request line ending in a bare LF", "GET " + long_target + " HTTP/1.1\nHost: t\r\n\r\n", 414},
      {"a long request line with a control character", "GET " + long_target + "\x01 HTTP/1.1\r\n\r\n", 414},
      {"a request line of 8 KiB with its CR LF", "GET " + at_limit_target + " HTTP/1.1\r\nHost: t\r\n\r\n", 0},
      {"a request line one byte longer", "GET " + at_limit_target + "a HTTP/1.1\r\nHost: t\r\n\r\n", 414},
      {"a header line over 16 KiB ending in a bare LF", "GET / HTTP/1.1\r\nX-Big: " + big_value + "\nHost: t\r\n\r\n",
       431},
      {"a header section of exactly 16 KiB",
       "GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxHeaderSectionBytes - std::string("X-Big: \r\n").size(), 'v') +
           "\r\n\r\n",
       0},
      {"a header section one byte over",
       "GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxHeaderSectionBytes - std::string("X-Big: \r\n").size() + 1, 'v') +
           "\r\n\r\n",
       431},
      {"a short bare LF", "GET / HTTP/1.1\nHost: t\n\n", 400},
  };
  auto verdict_of = [](const std::string& bytes, std::size_t piece) {
    RequestHeadScanner scanner;
    for (std::size_t end = std::min(piece, bytes.size());; end = std::min(end + piece, bytes.size())) {
      if (scanner.Feed(std::string_view(bytes).substr(0, end)) != RequestHeadScanner::Verdict::kIncomplete ||
          end == bytes.size()) {
        break;
      }
    }
    return scanner.verdict() == RequestHeadScanner::Verdict::kRefused ? scanner.refusal_status()
           : scanner.verdict() == RequestHeadScanner::Verdict::kComplete ? 0
                                                                          : -1;
  };
  for (const Input& input : inputs) {
    INFO(input.name);
    for (const std::size_t piece : {input.bytes.size(), std::size_t{1}, std::size_t{7}, std::size_t{4096},
                                    kMaxRequestLineBytes, kMaxRequestLineBytes + 1}) {
      INFO("read in pieces of " << piece << " bytes");
      CHECK(verdict_of(input.bytes, piece) == input.status);
    }
  }
}

TEST_CASE("a JSON body with a key twice answers 400 malformed_json", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  HttpResult r = web.Post("/api/v1/users", std::string(R"({"name":"dup","role":"agent","role":"admin"})"), admin);
  CHECK(r.status == 400);
  CHECK(r.Code() == "malformed_json");
  // Nested objects are checked too; the same key in sibling objects is fine.
  CHECK(ParseJsonBody(R"({"a":{"b":1,"b":2}})").status().code() == Code::kMalformedJson);
  CHECK(ParseJsonBody(R"({"a":{"b":1},"c":{"b":2}})").ok());
  CHECK(ParseJsonBody(R"([{"b":1},{"b":2}])").ok());
}

TEST_CASE("bodies must be application/json", "[web][hardening]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const std::string body = json{{"name", "eve"}, {"role", "agent"}}.dump();
  CHECK(web.Post("/api/v1/users", body, admin, {}, "text/plain").status == 415);
  CHECK(web.Post("/api/v1/users", body, admin, {}, "application/x-www-form-urlencoded").Code() ==
        "unsupported_media_type");
  CHECK(web.Post("/api/v1/users", body, admin, {}, "application/json; charset=utf-8").status == 201);
  CHECK(web.Send("PATCH", "/api/v1/users/" + web.user_id("agent"), "{}", admin, {}, "text/plain").status == 415);
  // A compressed body would be inflated without bound.
  CHECK(web.Post("/api/v1/users", body, admin, {{"Content-Encoding", "gzip"}}).status == 415);
}

TEST_CASE("requests without a body need no Content-Type and never wait for one", "[web][hardening]") {
  // A server that waited for a body would wait its request timeout, made
  // long here; a third of it is far from that and from the milliseconds an
  // answer takes (no tight wall-clock bound: see tests/README.md).
  constexpr int kReadTimeoutSeconds = 30;
  WebFixture::Options options;
  options.server.connections.request_timeout_ms = kReadTimeoutSeconds * 1000;
  WebFixture web(options);
  // No Content-Length on a POST: RFC 9112 says the body is empty.
  std::string raw = "POST /api/v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + web.token("admin") +
                    "\r\nConnection: close\r\n\r\n";
  const double start = MonotonicSeconds();
  std::string answer = RawExchange(web.port(), raw, 2 * kReadTimeoutSeconds * 1000);
  CHECK(MonotonicSeconds() - start < kReadTimeoutSeconds / 3.0);
  CHECK(RawStatus(answer) == 400);  // an empty body is {}: name is missing
  CHECK(answer.find("validation_failed") != std::string::npos);
}

TEST_CASE("a GET with a body is refused", "[web][hardening]") {
  WebFixture web;
  std::string raw = Head("GET /api/v1/users HTTP/1.1", web.token("admin"), "Content-Length: 5\r\n", true) + "hello";
  std::string answer = RawExchange(web.port(), raw);
  CHECK(RawStatus(answer) == 400);
  CHECK(RawResponseCount(answer) == 1);
}

TEST_CASE("a spoofed REMOTE_ADDR header is not taken as the peer", "[web][hardening]") {
  WebFixture web;
  RawExchange(web.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nREMOTE_ADDR: 10.6.6.6\r\nConnection: close\r\n\r\n");
  // The log line is written after the answer: wait for it.
  json logged;
  CHECK(WaitUntil([&] {
    for (const auto& line : web.access_log()) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j["route"] == "/healthz") logged = j;
    }
    return !logged.is_null();
  }));
  CHECK(logged["remote"] == "127.0.0.1");
}

TEST_CASE("byte ranges are not applied to API answers", "[web][hardening]") {
  WebFixture web;
  HttpResult r = web.Get("/healthz", "", {{"Range", "bytes=0-3"}});
  CHECK(r.status == 200);
  CHECK(r.Json() == json{{"status", "ok"}});
}

// A request as cpp-httplib hands it over: the client's headers, then the
// four entries the library adds itself.
httplib::Request Parsed(std::vector<std::pair<std::string, std::string>> headers) {
  httplib::Request req;
  req.method = "POST";
  for (auto& [name, value] : headers) req.headers.emplace(name, value);
  req.headers.emplace("REMOTE_ADDR", "127.0.0.1");
  req.headers.emplace("REMOTE_PORT", "40000");
  req.headers.emplace("LOCAL_ADDR", "127.0.0.1");
  req.headers.emplace("LOCAL_PORT", "8080");
  return req;
}

TEST_CASE("the framing check reads header names in any case and keeps its verdicts' order", "[web][hardening][unit]") {
  SECTION("Transfer-Encoding in lower case beats a bad value met before it") {
    const Status s = CheckFraming(Parsed({{"A-Bad", "x%0d"}, {"transfer-encoding", "chunked"}}));
    CHECK(s.code() == Code::kLengthRequired);
  }
  SECTION("the first bad value is the one named") {
    const Status s = CheckFraming(Parsed({{"B-First", std::string("a\0b", 3)}, {"C-Second", "%0A"}}));
    CHECK(s.code() == Code::kValidationFailed);
    CHECK(s.message().find("CR, LF or NUL") != std::string::npos);
  }
  SECTION("a bad value beats headers that are too large") {
    const Status s = CheckFraming(Parsed({{"X-Big", std::string(kMaxHeaderBytes, 'x')}, {"X-Bad", "%0a"}}));
    CHECK(s.code() == Code::kValidationFailed);
  }
  SECTION("Content-Length twice in two spellings is refused") {
    const Status s = CheckFraming(Parsed({{"Content-Length", "2"}, {"content-length", "2"}}));
    CHECK(s.code() == Code::kValidationFailed);
    CHECK(s.message() == "Content-Length must appear once");
  }
  SECTION("a malformed Content-Length in lower case is refused") {
    CHECK(CheckFraming(Parsed({{"content-length", "2x"}})).message() == "Content-Length must be a decimal number");
    CHECK(CheckFraming(Parsed({{"content-length", ""}})).code() == Code::kValidationFailed);
  }
  SECTION("the library's own entries do not count towards the limit, a client's copy of them does") {
    // Exactly the limit of the client's own bytes passes whatever the
    // library added; a spoofed REMOTE_ADDR counts as the client's, and the
    // library's entry, the last of that name, is the one left out.
    const std::string filler(kMaxHeaderBytes - std::string("X-Fill").size() - 4, 'x');
    CHECK(CheckFraming(Parsed({{"X-Fill", filler}})).ok());
    CHECK(CheckFraming(Parsed({{"X-Fill", filler}, {"remote_addr", "1"}})).code() == Code::kHeadersTooLarge);
    const std::size_t spoof_line = std::string("remote_addr").size() + 1 + 4;  // "remote_addr: 1\r\n"
    const std::string shorter = filler.substr(spoof_line);
    CHECK(CheckFraming(Parsed({{"X-Fill", shorter}, {"remote_addr", "1"}})).ok());
    CHECK(CheckFraming(Parsed({{"X-Fill", shorter + "x"}, {"remote_addr", "1"}})).code() == Code::kHeadersTooLarge);
  }
  SECTION("a good request passes and its length is read once, in any case") {
    const httplib::Request req = Parsed({{"content-length", "17"}, {"Host", "t"}});
    CHECK(CheckFraming(req).ok());
    CHECK(DeclaredBodyBytes(req) == 17);
    CHECK(DeclaredBodyBytes(Parsed({{"Host", "t"}})) == 0);
  }
}

TEST_CASE("FirstHeaderValue finds the first entry of a name in any case or nothing", "[web][hardening][unit]") {
  const httplib::Request req = Parsed({{"authorization", "first"}, {"AUTHORIZATION", "second"}, {"Host", "t"}});
  const std::string authorization = "Authorization";
  REQUIRE(FirstHeaderValue(req, authorization) != nullptr);
  CHECK(*FirstHeaderValue(req, authorization) == "first");
  CHECK(FirstHeaderValue(req, "Content-Length") == nullptr);
  CHECK(FirstHeaderValue(req, "Hos") == nullptr);
  CHECK(FirstHeaderValue(req, "Hostt") == nullptr);
}

TEST_CASE("UTF-8 and nesting checks", "[web][hardening][unit]") {
  CHECK(IsValidUtf8("plain"));
  CHECK(IsValidUtf8("\xe4\xbb\x85\xe9\x80\x80\xe6\xac\xbe"));  // 仅退款
  CHECK(IsValidUtf8("\xf0\x9f\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xe4\xbb"));          // truncated
  CHECK(JsonNestingDepth("{\"a\": [1, {\"b\": \"[[[[\"}]}") == 3);
  CHECK(JsonNestingDepth("\"\\\"[\"") == 0);
  CHECK_FALSE(ParseJsonBody("{\"a\": \"\\ud800\"}").ok());
  CHECK(ParseJsonBody("{\"a\": 1}").ok());
}

}  // namespace
}  // namespace aftersales::testing
