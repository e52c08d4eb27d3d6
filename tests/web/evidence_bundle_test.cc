// GET /api/v1/cases/{id}/bundle over real HTTP, and the bundle checked the
// way an outsider would: entry hashes recomputed with OpenSSL and
// nlohmann's dump (not the engine's code), inclusion proofs folded by a
// function written here from RFC 9162's definition, and the checkpoint's
// Ed25519 signature verified with raw OpenSSL calls against the key the
// test "published".
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/ed25519_key.h"
#include "support/audit_tamper.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// ---- An outsider's tools: OpenSSL and nlohmann only ----------------------

std::string Digest(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> Unhex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const std::string pair = hex.substr(i, 2);
    if (pair.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    out += static_cast<char>(std::stoi(pair, nullptr, 16));
  }
  return out;
}

// The root that `path` proves for leaf `m` of a tree of `n` leaves, by the
// recursive definition of RFC 9162 §2.1.3.1 (PATH appends the sibling of
// each split, deepest first). nullopt when the path has the wrong length.
std::optional<std::string> RootFromPath(std::int64_t m, std::int64_t n, const std::string& leaf_hash,
                                        std::vector<std::string> path) {
  if (n == 1) return path.empty() ? std::optional<std::string>(leaf_hash) : std::nullopt;
  if (path.empty()) return std::nullopt;
  std::int64_t k = 1;
  while (k * 2 < n) k *= 2;
  const std::string sibling = path.back();
  path.pop_back();
  if (m < k) {
    auto left = RootFromPath(m, k, leaf_hash, path);
    if (!left) return std::nullopt;
    return Digest(std::string(1, '\x01') + *left + sibling);
  }
  auto right = RootFromPath(m - k, n - k, leaf_hash, path);
  if (!right) return std::nullopt;
  return Digest(std::string(1, '\x01') + sibling + *right);
}

bool VerifyEd25519(const std::string& public_pem, const std::string& message, const std::string& signature,
                   std::string* raw_key) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  unsigned char raw[32];
  std::size_t raw_len = sizeof raw;
  bool ok = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 && EVP_PKEY_get_raw_public_key(key, raw, &raw_len) == 1;
  if (ok) *raw_key = std::string(reinterpret_cast<const char*>(raw), raw_len);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ok = ok && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
       EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                        reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

// Finds {"id": id, "sha256": …} anywhere in `data`; the sha256 or "".
std::string ReferencedSha(const json& data, const std::string& id) {
  if (data.is_object()) {
    if (data.value("id", json()) == id && data.contains("sha256") && data["sha256"].is_string()) {
      return data["sha256"];
    }
    for (const auto& member : data.items()) {
      const std::string found = ReferencedSha(member.value(), id);
      if (!found.empty()) return found;
    }
  } else if (data.is_array()) {
    for (const json& item : data) {
      const std::string found = ReferencedSha(item, id);
      if (!found.empty()) return found;
    }
  }
  return "";
}

// Checks the bundle as docs/audit-checkpoints.md says; "" when it holds,
// else the first thing that does not. `published_key` is the raw public key
// the verifier got from the company, not from the bundle.
std::string CheckBundle(const json& bundle, const std::string& published_key) {
  // 1. Every entry's hash.
  for (const json& item : bundle["entries"]) {
    json entry = item["entry"];
    const std::string hash = entry["hash"];
    entry.erase("hash");
    const std::string text = entry["prev_hash"].get<std::string>() + entry.dump();
    if (Hex(Digest(text)) != hash) return "entry " + entry["seq"].dump() + ": hash mismatch";
    // 2. Every text against its own hash and the entry's reference.
    for (const json& t : item["texts"]) {
      if (t.value("erased", false)) continue;
      const std::string sha = Hex(Digest(t["body"].get<std::string>()));
      if (sha != t["sha256"]) return "text " + t["id"].get<std::string>() + ": body does not match its sha256";
      if (ReferencedSha(entry["data"], t["id"]) != sha) {
        return "text " + t["id"].get<std::string>() + ": not the text the entry refers to";
      }
    }
  }
  const json& checkpoint = bundle["checkpoint"];
  if (checkpoint.is_null()) return "no checkpoint";
  // 3. Every inclusion proof folds to the checkpoint's root.
  const auto root = Unhex(checkpoint["root"]);
  if (!root) return "checkpoint root is not hex";
  for (const json& item : bundle["entries"]) {
    const json& proof = item["inclusion_proof"];
    const std::int64_t seq = item["entry"]["seq"];
    if (proof["leaf_index"] != seq - 1 || proof["tree_size"] != checkpoint["seq"]) {
      return "entry " + std::to_string(seq) + ": proof for another leaf or tree";
    }
    std::vector<std::string> path;
    for (const json& h : proof["audit_path"]) {
      auto bytes = Unhex(h);
      if (!bytes) return "proof not hex";
      path.push_back(*bytes);
    }
    const auto leaf = Unhex(item["entry"]["hash"]);
    if (!leaf) return "entry hash not hex";
    const auto proved = RootFromPath(seq - 1, checkpoint["seq"], Digest(std::string(1, '\0') + *leaf), path);
    if (!proved || *proved != *root) return "entry " + std::to_string(seq) + ": inclusion proof fails";
  }
  // 4. The checkpoint's signature, with the published key.
  json unsigned_checkpoint = checkpoint;
  unsigned_checkpoint.erase("signature");
  const auto signature = Unhex(checkpoint["signature"]);
  std::string raw_key;
  if (!signature || !VerifyEd25519(bundle["public_key"], unsigned_checkpoint.dump(), *signature, &raw_key)) {
    return "checkpoint signature does not verify";
  }
  if (raw_key != published_key) return "signed by a key that was not published";
  if (checkpoint["key_id"] != Hex(Digest(raw_key))) return "key_id is not the key's";
  return "";
}

// ---- The server under test ------------------------------------------------

// A second HttpServer over a WebFixture's services, with a checkpoint folder
// and key; the fixture's own server keeps none.
class BundleServer {
 public:
  explicit BundleServer(WebFixture& web)
      : web_(web), key_(std::move(*Ed25519PrivateKey::Generate())), folder_(dir_.File("checkpoints")) {
    REQUIRE(folder_.Create().ok());
    WebServices services = web.services();
    services.checkpoints = &source_;
    HttpServerOptions options;
    options.access_log = [](const std::string&) {};
    server_ = std::make_unique<HttpServer>(services, options);
    REQUIRE(server_->Start("127.0.0.1", 0).ok());
  }
  ~BundleServer() { server_->Stop(); }

  // Signs the log as it is now into the folder; returns the checkpoint.
  AuditCheckpoint Checkpoint() {
    Result<std::vector<StoredCheckpoint>> stored = folder_.List();
    REQUIRE(stored.ok());
    std::vector<AuditCheckpoint> earlier;
    for (const StoredCheckpoint& s : *stored) earlier.push_back(*s.checkpoint);
    Result<CheckpointAttempt> attempt = MakeAuditCheckpoint(web_.store(), key_, web_.wall().Now(), earlier);
    REQUIRE(attempt.ok());
    INFO(attempt->refusal);
    REQUIRE(attempt->checkpoint.has_value());
    REQUIRE(folder_.Write(*attempt->checkpoint).ok());
    return *attempt->checkpoint;
  }

  HttpResult Get(const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    auto r = client.Get(path, headers);
    HttpResult out;
    if (r) {
      out.status = r->status;
      out.body = r->body;
      out.headers = r->headers;
    }
    return out;
  }

  const std::string& published_key() const { return key_.public_key().raw(); }

 private:
  WebFixture& web_;
  TempDir dir_;
  Ed25519PrivateKey key_;
  CheckpointFolder folder_;
  CheckpointSource source_{folder_, key_.public_key()};
  std::unique_ptr<HttpServer> server_;
};

// A refund_only case of buyer b1 on a new order `order_id`, with a
// description, an internal comment and a buyer-visible one.
std::string CaseWithTexts(WebFixture& web, const std::string& order_id) {
  REQUIRE(web.Post("/api/v1/orders", OrderBody(order_id, "b1"), web.token("integration")).status == 201);
  HttpResult submitted = web.Post("/api/v1/cases",
                                  json{{"order_id", order_id},
                                       {"type", "refund_only"},
                                       {"reason", "quality_issue"},
                                       {"description", "壶盖关不上 — the lid does not close \"at all\"\n"},
                                       {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}},
                                  web.token("buyer"));
  INFO(submitted.body);
  REQUIRE(submitted.status == 201);
  const std::string id = submitted.Json()["id"];
  for (const auto& [text, visibility] :
       {std::pair<const char*, const char*>{"checked the photos", "internal"}, {"we will refund you", "buyer"}}) {
    HttpResult commented = web.Post("/api/v1/cases/" + id + "/actions/comment",
                                    json{{"text", text}, {"visibility", visibility}}, web.token("agent"));
    INFO(commented.body);
    REQUIRE(commented.status == 200);
  }
  return id;
}

json Bundle(BundleServer& server, WebFixture& web, const std::string& case_id) {
  HttpResult r = server.Get("/api/v1/cases/" + case_id + "/bundle", web.token("manager"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.ContentType().find("application/json") == 0);
  return r.Json();
}

TEST_CASE("bundle: a case's entries, texts, proofs and signed checkpoint check out independently", "[web][bundle]") {
  WebFixture web;
  BundleServer server(web);
  const std::string case_id = CaseWithTexts(web, "o1");
  CaseWithTexts(web, "o2");  // another case's entries in between and after
  const AuditCheckpoint checkpoint = server.Checkpoint();
  CaseWithTexts(web, "o3");  // entries after the checkpoint change nothing

  const json bundle = Bundle(server, web, case_id);
  CHECK(bundle["format"] == "aftersales-evidence-bundle/1");
  CHECK(bundle["note"].is_null());
  CHECK(bundle["checkpoint"] == CheckpointToJson(checkpoint));
  CHECK(bundle["verification"].size() == 4);

  // The case and the order as staff are served them.
  CHECK(bundle["case"] == web.Get("/api/v1/cases/" + case_id, web.token("manager")).Json());
  CHECK(bundle["order"] == web.Get("/api/v1/orders/o1", web.token("manager")).Json());

  // The case's entries exactly as stored: as the audit route serves them.
  const json audit = web.Get("/api/v1/audit?case_id=" + case_id, web.token("manager")).Json();
  REQUIRE(bundle["entries"].size() == 3);
  REQUIRE(audit["items"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(bundle["entries"][i]["entry"] == audit["items"][i]);

  // Each entry carries the words it refers to, internal ones included.
  const json& submit_texts = bundle["entries"][0]["texts"];
  REQUIRE(submit_texts.size() == 1);
  CHECK(submit_texts[0]["body"] == "壶盖关不上 — the lid does not close \"at all\"\n");
  CHECK(submit_texts[0]["kind"] == "description");
  CHECK(bundle["entries"][1]["texts"][0]["body"] == "checked the photos");
  CHECK(bundle["entries"][1]["texts"][0]["visibility"] == "internal");

  INFO(bundle.dump(2));
  CHECK(CheckBundle(bundle, server.published_key()).empty());

  SECTION("a changed entry fails") {
    json changed = bundle;
    changed["entries"][1]["entry"]["actor"]["id"] = "someone_else";
    CHECK(CheckBundle(changed, server.published_key()) ==
          "entry " + bundle["entries"][1]["entry"]["seq"].dump() + ": hash mismatch");
  }
  SECTION("a changed entry with a recomputed hash fails its inclusion proof") {
    json changed = bundle;
    json& entry = changed["entries"][0]["entry"];
    entry["data"]["requested_amount"] = 1;
    json unhashed = entry;
    unhashed.erase("hash");
    entry["hash"] = Hex(Digest(entry["prev_hash"].get<std::string>() + unhashed.dump()));
    CHECK(CheckBundle(changed, server.published_key()).find("inclusion proof fails") != std::string::npos);
  }
  SECTION("a changed text fails") {
    json changed = bundle;
    changed["entries"][1]["texts"][0]["body"] = "nothing to see";
    CHECK(CheckBundle(changed, server.published_key()).find("does not match its sha256") != std::string::npos);
    changed["entries"][1]["texts"][0]["sha256"] = Hex(Digest("nothing to see"));
    CHECK(CheckBundle(changed, server.published_key()).find("not the text the entry refers to") != std::string::npos);
  }
  SECTION("a changed checkpoint or another key fails") {
    json changed = bundle;
    changed["checkpoint"]["time"] = "2030-01-01T00:00:00Z";
    CHECK(CheckBundle(changed, server.published_key()) == "checkpoint signature does not verify");
    CHECK(CheckBundle(bundle, std::string(32, 'x')) == "signed by a key that was not published");
  }
}

TEST_CASE("bundle: without a covering checkpoint it says so, and the next checkpoint brings proofs", "[web][bundle]") {
  WebFixture web;
  BundleServer server(web);
  const std::string case_id = CaseWithTexts(web, "o1");
  const json before = Bundle(server, web, case_id);
  CHECK(before["checkpoint"].is_null());
  CHECK(before["note"].get<std::string>().find("no checkpoint covers entry") != std::string::npos);
  CHECK(before["public_key"].get<std::string>().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  for (const json& item : before["entries"]) CHECK(item["inclusion_proof"].is_null());
  CHECK(CheckBundle(before, server.published_key()) == "no checkpoint");  // the hashes and texts did check out

  server.Checkpoint();
  // The case moves on after the checkpoint: its last entry is not covered.
  REQUIRE(web.Post("/api/v1/cases/" + case_id + "/actions/comment", json{{"text", "later"}, {"visibility", "internal"}},
                   web.token("agent"))
              .status == 200);
  const json uncovered = Bundle(server, web, case_id);
  CHECK(uncovered["checkpoint"].is_null());
  CHECK(uncovered["note"].get<std::string>().find("the newest covers seq") != std::string::npos);

  server.Checkpoint();
  const json covered = Bundle(server, web, case_id);
  CHECK(covered["note"].is_null());
  CHECK(CheckBundle(covered, server.published_key()).empty());
}

TEST_CASE("bundle: a server without checkpoints serves the bundle without them", "[web][bundle]") {
  WebFixture web;
  const std::string case_id = CaseWithTexts(web, "o1");
  HttpResult r = web.Get("/api/v1/cases/" + case_id + "/bundle", web.token("admin"));
  REQUIRE(r.status == 200);
  const json bundle = r.Json();
  CHECK(bundle["checkpoint"].is_null());
  CHECK(bundle["public_key"].is_null());
  CHECK(bundle["note"].get<std::string>().find("keeps no signed checkpoints") != std::string::npos);
  CHECK(CheckBundle(bundle, "") == "no checkpoint");
}

TEST_CASE("bundle: roles, unknown cases and the API description", "[web][bundle]") {
  WebFixture web;
  const std::string case_id = CaseWithTexts(web, "o1");
  const std::string path = "/api/v1/cases/" + case_id + "/bundle";
  CHECK(web.Get(path, "").status == 401);
  for (const char* role : {"buyer", "agent", "supervisor", "finance", "warehouse", "integration"}) {
    INFO(role);
    HttpResult r = web.Get(path, web.token(role));
    CHECK(r.status == 403);
    CHECK(r.Code() == "forbidden");
  }
  CHECK(web.Get(path, web.token("manager")).status == 200);
  HttpResult missing = web.Get("/api/v1/cases/no-such-case/bundle", web.token("manager"));
  CHECK(missing.status == 404);
  CHECK(missing.Code() == "not_found");
  CHECK(web.Get("/api/v1/openapi.json", "").body.find("\"/api/v1/cases/{id}/bundle\"") != std::string::npos);
}

TEST_CASE("bundle: a log rewritten under a signed checkpoint is refused, not served", "[web][bundle]") {
  WebFixture web;
  BundleServer server(web);
  const std::string case_id = CaseWithTexts(web, "o1");
  const AuditCheckpoint checkpoint = server.Checkpoint();
  {
    AuditTamperer raw(web.database().location());
    raw.RewriteFrom(checkpoint.seq - 1, R"({"rewritten":true})");
  }
  HttpResult r = server.Get("/api/v1/cases/" + case_id + "/bundle", web.token("manager"));
  CHECK(r.status == 500);
  CHECK(r.Code() == "internal");
}

TEST_CASE("bundle: an entry edited in place is refused, not served with a proof it would fail", "[web][bundle]") {
  WebFixture web;
  BundleServer server(web);
  const std::string case_id = CaseWithTexts(web, "o1");
  server.Checkpoint();
  REQUIRE(server.Get("/api/v1/cases/" + case_id + "/bundle", web.token("manager")).status == 200);
  {
    AuditTamperer raw(web.database().location());
    raw.Exec("UPDATE audit SET data = '{\"edited\":true}' WHERE seq = (SELECT MIN(seq) FROM audit WHERE case_id = '" +
             case_id + "')");
  }
  HttpResult r = server.Get("/api/v1/cases/" + case_id + "/bundle", web.token("manager"));
  CHECK(r.status == 500);
  CHECK(r.Code() == "internal");
}

}  // namespace
}  // namespace aftersales::testing
