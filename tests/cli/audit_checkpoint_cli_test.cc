// `audit keygen`, `audit checkpoint` and `audit verify --checkpoint`, run as
// the built program on temporary databases: exit codes, messages, files,
// and the attacks a chain check alone passes.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/crypto.h"
#include "support/audit_tamper.h"
#include "support/temp_dir.h"

namespace aftersales {
namespace {

using nlohmann::json;
using testing::AuditTamperer;
using testing::CliResult;
using testing::ReadFileText;
using testing::RunCli;
using testing::TempDir;
using testing::WriteFileText;

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// The value after "key: " on its own line of `text`.
std::string Field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
  }
  return "";
}

json OrderJson(const std::string& id) {
  return json{{"id", id},
              {"buyer_id", "b-1"},
              {"currency", "CNY"},
              {"placed_at", "2026-01-10T08:00:00Z"},
              {"delivered_at", "2026-01-12T10:00:00Z"},
              {"shipping_paid", 0},
              {"lines", {{{"line_id", "L1"}, {"sku", "SKU-1"}, {"title", "Cup"}, {"qty", 1}, {"paid", 1000}}}}};
}

// Imports orders `ids` into `db` (one audit entry each).
void Import(const TempDir& dir, const std::string& db, const std::vector<std::string>& ids) {
  json orders = json::array();
  for (const std::string& id : ids) orders.push_back(OrderJson(id));
  const std::string file = dir.File("orders-" + ids.front() + ".json");
  WriteFileText(file, orders.dump());
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
}

struct Keys {
  std::string private_key;
  std::string public_key;
};

Keys Keygen(const TempDir& dir, const std::string& name = "signing.pem") {
  const std::string path = dir.File(name);
  const CliResult r = RunCli({"audit", "keygen", "--out", path});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  return {path, path + ".pub"};
}

// Signs `db` into `out`; returns the checkpoint file.
std::string Checkpoint(const std::string& db, const Keys& keys, const std::string& out) {
  const CliResult r = RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", out});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  return Field(r.out, "checkpoint written");
}

CliResult Verify(const std::string& db, const std::vector<std::string>& checkpoints, const std::string& public_key) {
  std::vector<std::string> args = {"audit", "verify", "--db", db};
  for (const std::string& c : checkpoints) {
    args.push_back("--checkpoint");
    args.push_back(c);
  }
  if (!public_key.empty()) {
    args.push_back("--public-key");
    args.push_back(public_key);
  }
  return RunCli(args);
}

std::string EntryHash(const std::string& db, int seq) {
  // Read with the CLI's export, as an outsider would.
  const CliResult r = RunCli({"audit", "export", "--db", db});
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const json entry = json::parse(line);
    if (entry["seq"] == seq) return entry["hash"];
  }
  FAIL("no entry " << seq);
  return "";
}

// The key id of a PEM public key, computed with OpenSSL directly.
std::string KeyIdOf(const std::string& pem_path) {
  const std::string pem = ReadFileText(pem_path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_get_id(key) == EVP_PKEY_ED25519);
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  REQUIRE(EVP_PKEY_get_raw_public_key(key, raw, &len) == 1);
  EVP_PKEY_free(key);
  return Sha256Hex(std::string(reinterpret_cast<const char*>(raw), len));
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("cli: audit keygen writes a private key only its owner reads and never overwrites", "[cli][checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("signing.pem");
  const CliResult r = RunCli({"audit", "keygen", "--out", path});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(ModeOf(path) == 0600);
  CHECK(ModeOf(path + ".pub") == 0644);
  CHECK(ReadFileText(path).rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(ReadFileText(path + ".pub").rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  CHECK(Field(r.out, "key_id") == KeyIdOf(path + ".pub"));

  const std::string before = ReadFileText(path);
  const CliResult again = RunCli({"audit", "keygen", "--out", path});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("never overwritten") != std::string::npos);
  CHECK(ReadFileText(path) == before);

  // A stray public key file is not overwritten either, and no private key appears.
  WriteFileText(dir.File("other.pem.pub"), "mine");
  CHECK(RunCli({"audit", "keygen", "--out", dir.File("other.pem")}).exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.File("other.pem")));
  CHECK(ReadFileText(dir.File("other.pem.pub")) == "mine");

  CHECK(RunCli({"audit", "keygen"}).exit_code == 2);  // --out is required
  CHECK(RunCli({"audit", "keygen", "--out", dir.File("no/such/dir/k.pem")}).exit_code == 2);
}

TEST_CASE("cli: audit checkpoint signs the head, audit verify checks it: a grown log still passes",
          "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1", "o-2", "o-3"});
  const std::string folder = dir.File("checkpoints");
  std::filesystem::create_directory(folder);

  const CliResult signed_run = RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", folder});
  INFO(Describe(signed_run));
  REQUIRE(signed_run.exit_code == 0);
  const std::string file = Field(signed_run.out, "checkpoint written");
  CHECK(std::filesystem::path(file).filename() == "checkpoint-3.json");
  CHECK(Field(signed_run.out, "seq") == "3");
  CHECK(Field(signed_run.out, "head") == EntryHash(db, 3));
  CHECK(Field(signed_run.out, "key_id") == KeyIdOf(keys.public_key));
  const json doc = json::parse(ReadFileText(file));
  CHECK(doc["seq"] == 3);
  CHECK(doc["head"] == EntryHash(db, 3));

  const CliResult ok = Verify(db, {file}, keys.public_key);
  INFO(Describe(ok));
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("audit log ok: 3 entries") != std::string::npos);
  CHECK(ok.out.find("checkpoint-3.json: ok (seq 3") != std::string::npos);

  // The log grows; the old checkpoint still holds, and a new one joins it.
  Import(dir, db, {"o-4", "o-5"});
  CHECK(Verify(db, {file}, keys.public_key).exit_code == 0);
  const std::string newer = Checkpoint(db, keys, folder);
  CHECK(std::filesystem::path(newer).filename() == "checkpoint-5.json");
  const CliResult both = Verify(db, {file, newer}, keys.public_key);
  INFO(Describe(both));
  CHECK(both.exit_code == 0);
  CHECK(both.out.find("checkpoints: 2 of 2 ok") != std::string::npos);
}

TEST_CASE("cli: audit verify --checkpoint catches a rewritten tail the chain check passes", "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1", "o-2", "o-3"});
  const std::string file = Checkpoint(db, keys, dir.path().string());
  const std::string signed_head = EntryHash(db, 3);

  {
    AuditTamperer raw(db);
    raw.RewriteFrom(2, R"({"order_id":"o-2","rewritten":true})");
  }
  const CliResult chain_only = Verify(db, {}, "");
  INFO(Describe(chain_only));
  REQUIRE(chain_only.exit_code == 0);  // every hash was chained again

  const CliResult caught = Verify(db, {file}, keys.public_key);
  INFO(Describe(caught));
  CHECK(caught.exit_code == 1);
  CHECK(caught.out.find("checkpoint-3.json: FAILED: entry 3 has hash " + EntryHash(db, 3) +
                        " but the checkpoint signed " + signed_head + "; the log was rewritten at or before seq 3") !=
        std::string::npos);

  // And the key will not sign the rewritten log over that checkpoint.
  const CliResult refused =
      RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", dir.path().string()});
  INFO(Describe(refused));
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("no longer extends the checkpoint of seq 3") != std::string::npos);
  CHECK(ReadFileText(file).find(signed_head) != std::string::npos);  // the old checkpoint stays
}

TEST_CASE("cli: audit verify --checkpoint catches a truncated log", "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1", "o-2", "o-3", "o-4"});
  const std::string file = Checkpoint(db, keys, dir.path().string());
  {
    AuditTamperer raw(db);
    raw.TruncateAfter(2);
  }
  REQUIRE(Verify(db, {}, "").exit_code == 0);
  const CliResult caught = Verify(db, {file}, keys.public_key);
  INFO(Describe(caught));
  CHECK(caught.exit_code == 1);
  CHECK(caught.out.find("log has only 2 entries, checkpoint covers 4 (truncated)") != std::string::npos);
}

TEST_CASE("cli: audit verify --checkpoint refuses bad signatures and wrong keys", "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const Keys stranger = Keygen(dir, "stranger.pem");
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1", "o-2"});
  const std::string file = Checkpoint(db, keys, dir.path().string());

  const CliResult wrong_key = Verify(db, {file}, stranger.public_key);
  INFO(Describe(wrong_key));
  CHECK(wrong_key.exit_code == 1);
  CHECK(wrong_key.out.find("not by the given public key") != std::string::npos);

  json doc = json::parse(ReadFileText(file));
  std::string signature = doc["signature"];
  signature[5] = signature[5] == 'a' ? 'b' : 'a';
  doc["signature"] = signature;
  const std::string tampered = dir.File("tampered.json");
  WriteFileText(tampered, doc.dump());
  const CliResult bad = Verify(db, {file, tampered}, keys.public_key);
  INFO(Describe(bad));
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("tampered.json: FAILED: signature does not verify") != std::string::npos);
  CHECK(bad.out.find("checkpoint-2.json: ok") != std::string::npos);
  CHECK(bad.out.find("checkpoints: 1 of 2 ok") != std::string::npos);

  WriteFileText(tampered, "{\"seq\": 2}");
  const CliResult not_one = Verify(db, {tampered}, keys.public_key);
  CHECK(not_one.exit_code == 1);
  CHECK(not_one.out.find("FAILED: not a checkpoint") != std::string::npos);

  // Usage: checkpoints need the public key; files must exist.
  const CliResult no_key = Verify(db, {file}, "");
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find("--public-key") != std::string::npos);
  CHECK(Verify(db, {dir.File("missing.json")}, keys.public_key).exit_code == 2);
  CHECK(Verify(db, {file}, keys.private_key).exit_code == 2);  // not a public key
}

TEST_CASE("cli: audit checkpoint refuses a broken log, naming the first bad seq", "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1", "o-2", "o-3"});
  {
    AuditTamperer raw(db);
    raw.Exec("UPDATE audit SET actor_id = 'mallory' WHERE seq = 2");
  }
  const CliResult r =
      RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", dir.path().string()});
  INFO(Describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("broken at seq 2") != std::string::npos);
  CHECK(r.err.find("first bad seq: 2") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.File("checkpoint-3.json")));
}

TEST_CASE("cli: audit checkpoint writes a named file once, defaults to this folder, and checks its inputs",
          "[cli][checkpoint]") {
  TempDir dir;
  const Keys keys = Keygen(dir);
  const std::string db = dir.File("shop.db");
  Import(dir, db, {"o-1"});

  const std::string named = dir.File("pinned.json");
  CHECK(Checkpoint(db, keys, named) == named);
  CHECK(json::parse(ReadFileText(named))["seq"] == 1);
  const CliResult again = RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", named});
  CHECK(again.exit_code == 2);

  // Without --out: the current folder.
  TempDir cwd;
  const std::filesystem::path previous = std::filesystem::current_path();
  std::filesystem::current_path(cwd.path());
  const CliResult here = RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key});
  std::filesystem::current_path(previous);
  INFO(Describe(here));
  CHECK(here.exit_code == 0);
  CHECK(std::filesystem::exists(cwd.File("checkpoint-1.json")));

  CHECK(RunCli({"audit", "checkpoint", "--db", dir.File("missing.db"), "--key", keys.private_key, "--out",
                dir.path().string()})
            .exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.File("missing.db")));
  CHECK(RunCli({"audit", "checkpoint", "--db", db, "--key", dir.File("missing.pem")}).exit_code == 2);
  CHECK(RunCli({"audit", "checkpoint", "--db", db, "--key", keys.public_key}).exit_code == 2);  // not a private key
  // An empty log: nothing to sign.
  const std::string empty_db = dir.File("empty.db");
  REQUIRE(SqliteStore::Open(empty_db).ok());
  const CliResult empty_log =
      RunCli({"audit", "checkpoint", "--db", empty_db, "--key", keys.private_key, "--out", dir.path().string()});
  CHECK(empty_log.exit_code == 1);
  CHECK(empty_log.err.find("empty") != std::string::npos);

  // A key others may read is used, with a warning.
  ::chmod(keys.private_key.c_str(), 0644);
  const CliResult warned =
      RunCli({"audit", "checkpoint", "--db", db, "--key", keys.private_key, "--out", dir.path().string()});
  CHECK(warned.exit_code == 0);
  CHECK(warned.err.find("chmod 600") != std::string::npos);
}

TEST_CASE("cli: the checkpoint commands have help", "[cli][checkpoint]") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"audit", "keygen", "--help"},
                                               {"audit", "checkpoint", "--help"},
                                               {"audit", "verify", "--help"},
                                               {"serve", "--help"}}) {
    const CliResult r = RunCli(args);
    INFO(Describe(r));
    CHECK(r.exit_code == 0);
  }
  CHECK(RunCli({"audit", "verify", "--help"}).out.find("--checkpoint") != std::string::npos);
  CHECK(RunCli({"serve", "--help"}).out.find("--checkpoint-every") != std::string::npos);
  // Folder and key go together.
  TempDir dir;
  CHECK(RunCli({"serve", "--db", dir.File("x.db"), "--checkpoint-dir", dir.path().string()}).exit_code == 2);
}

}  // namespace
}  // namespace aftersales
