// Signed audit checkpoints on real databases (a SQLite file, or PostgreSQL
// when AFTERSALES_TEST_POSTGRES is set): Ed25519 keys, signing and
// checking, and the attacks a hash chain alone cannot show — a rewritten
// and re-chained tail, a truncated log — against a log that merely grew.
#include "engine/audit/audit_checkpoint.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/checkpoint_folder.h"
#include "engine/crypto.h"
#include "engine/audit/merkle_tree.h"
#include "support/audit_tamper.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace aftersales {
namespace {

using nlohmann::json;
using testing::AuditTamperer;
using testing::TempDir;

const TimePoint kStart = *ParseTime("2026-11-27T06:23:46Z");

Ed25519PrivateKey NewKey() {
  Result<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  REQUIRE(key.ok());
  return std::move(*key);
}

// A database with an audit log, a manual clock and a signing key.
class CheckpointFixture {
 public:
  CheckpointFixture() : database_(dir_.File("audit.db")), clock_(kStart), key_(NewKey()) { Reopen(); }

  Store& store() { return *store_; }
  ManualClock& clock() { return clock_; }
  const Ed25519PrivateKey& key() const { return key_; }
  const TempDir& dir() const { return dir_; }

  void Close() { store_.reset(); }
  void Reopen() { store_ = database_.OpenStore(); }

  // Appends `n` entries, one transaction each, a minute apart.
  std::vector<AuditRow> Append(int n) {
    std::vector<AuditRow> rows;
    for (int i = 0; i < n; ++i) {
      clock_.Advance(60);
      Result<std::unique_ptr<WriteTxn>> txn = store_->BeginWrite();
      REQUIRE(txn.ok());
      AuditRecord r;
      r.at = clock_.Now();
      r.actor_id = "u_" + std::to_string(i % 3);
      r.actor_role = "agent";
      r.case_id = "c-" + std::to_string(i % 4);
      r.action = "comment";
      r.data = {{"n", ++appended_}, {"text", {{"id", "t-" + std::to_string(appended_)}, {"sha256", Sha256Hex("x")}}}};
      Result<AuditRow> row = AuditLog::Append(**txn, r);
      REQUIRE(row.ok());
      REQUIRE((*txn)->Commit().ok());
      rows.push_back(*row);
    }
    return rows;
  }

  std::vector<AuditRow> Rows() {
    Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
    REQUIRE(txn.ok());
    std::vector<AuditRow> rows;
    REQUIRE((*txn)
                ->ScanAudit([&](const AuditRow& row) {
                  rows.push_back(row);
                  return true;
                })
                .ok());
    return rows;
  }

  CheckpointAttempt Attempt(const std::vector<AuditCheckpoint>& earlier = {}) {
    Result<CheckpointAttempt> attempt = MakeAuditCheckpoint(*store_, key_, clock_.Now(), earlier);
    INFO(attempt.status().message());
    REQUIRE(attempt.ok());
    return *attempt;
  }

  AuditCheckpoint Sign(const std::vector<AuditCheckpoint>& earlier = {}) {
    CheckpointAttempt attempt = Attempt(earlier);
    INFO(attempt.refusal);
    REQUIRE(attempt.checkpoint.has_value());
    return *attempt.checkpoint;
  }

  std::vector<CheckpointFinding> Check(const std::vector<AuditCheckpoint>& checkpoints) {
    return Check(checkpoints, key_.public_key());
  }
  std::vector<CheckpointFinding> Check(const std::vector<AuditCheckpoint>& checkpoints, const Ed25519PublicKey& key) {
    Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
    REQUIRE(txn.ok());
    Result<std::vector<CheckpointFinding>> findings = CheckAuditCheckpoints(**txn, checkpoints, key);
    REQUIRE(findings.ok());
    REQUIRE(findings->size() == checkpoints.size());
    return *findings;
  }

  AuditVerification VerifyChain() {
    Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
    REQUIRE(txn.ok());
    Result<AuditVerification> v = AuditLog::Verify(**txn);
    REQUIRE(v.ok());
    return *v;
  }

  // Runs `tamper` on the closed database, then reopens it.
  template <class Fn>
  void Tamper(Fn tamper) {
    Close();
    {
      AuditTamperer raw(database_.location());
      tamper(raw);
    }
    Reopen();
  }

 private:
  TempDir dir_;
  testing::TestDatabase database_;
  ManualClock clock_;
  Ed25519PrivateKey key_;
  std::unique_ptr<Store> store_;
  int appended_ = 0;
};

// The RFC 9162 root over the entry hashes of `rows`, computed here.
std::string RootOf(const std::vector<AuditRow>& rows) {
  MerkleTreeBuilder tree;
  for (const AuditRow& r : rows) tree.Append(*HexDecode(r.hash));
  return MerkleHex(tree.Root());
}

void CheckFails(const CheckpointFinding& finding, const std::string& phrase) {
  INFO(finding.problem);
  CHECK_FALSE(finding.ok);
  CHECK(finding.problem.find(phrase) != std::string::npos);
}

// ---------------------------------------------------------------------------
// Keys

TEST_CASE("ed25519: keys survive PEM, signatures verify with their key only", "[checkpoint]") {
  const Ed25519PrivateKey key = NewKey();
  Result<std::string> private_pem = key.ToPem();
  Result<std::string> public_pem = key.public_key().ToPem();
  REQUIRE(private_pem.ok());
  REQUIRE(public_pem.ok());
  CHECK(private_pem->rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(public_pem->rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);

  Result<Ed25519PrivateKey> reread = Ed25519PrivateKey::FromPem(*private_pem);
  REQUIRE(reread.ok());
  Result<Ed25519PublicKey> public_key = Ed25519PublicKey::FromPem(*public_pem);
  REQUIRE(public_key.ok());
  CHECK(reread->public_key().raw() == key.public_key().raw());
  CHECK(public_key->raw().size() == kEd25519PublicKeyBytes);
  CHECK(public_key->KeyId() == Sha256Hex(public_key->raw()));

  Result<std::string> signature = reread->Sign("message");
  REQUIRE(signature.ok());
  CHECK(signature->size() == kEd25519SignatureBytes);
  CHECK(public_key->Verify("message", *signature));
  CHECK_FALSE(public_key->Verify("messagE", *signature));
  CHECK_FALSE(NewKey().public_key().Verify("message", *signature));
  std::string flipped = *signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
  CHECK_FALSE(public_key->Verify("message", flipped));
  CHECK_FALSE(public_key->Verify("message", signature->substr(1)));

  CHECK_FALSE(Ed25519PrivateKey::FromPem("not a key").ok());
  CHECK_FALSE(Ed25519PrivateKey::FromPem(*public_pem).ok());
  CHECK_FALSE(Ed25519PublicKey::FromPem(*private_pem).ok());
  CHECK_FALSE(Ed25519PublicKey::FromRaw("short").ok());
}

// ---------------------------------------------------------------------------
// Signing and checking

TEST_CASE("checkpoint: signs the head and the Merkle root, and checks out", "[checkpoint]") {
  CheckpointFixture f;
  const std::vector<AuditRow> rows = f.Append(12);
  const AuditCheckpoint c = f.Sign();
  CHECK(c.seq == 12);
  CHECK(c.head == rows.back().hash);
  CHECK(c.root == RootOf(rows));
  CHECK(c.time == FormatTime(f.clock().Now()));
  CHECK(c.key_id == f.key().public_key().KeyId());
  CHECK(c.origin.rfind("aftersales/", 0) == 0);
  CHECK(c.signature.size() == 2 * kEd25519SignatureBytes);
  CHECK(CheckpointSignatureProblem(c, f.key().public_key()).empty());

  const std::vector<CheckpointFinding> findings = f.Check({c});
  INFO(findings[0].problem);
  CHECK(findings[0].ok);

  // The document reads back as it was, and the signature covers the
  // canonical JSON of everything but itself.
  Result<AuditCheckpoint> parsed = ParseCheckpoint(CheckpointToJson(c).dump(2));
  REQUIRE(parsed.ok());
  CHECK(CheckpointToJson(*parsed) == CheckpointToJson(c));
  json unsigned_doc = CheckpointToJson(c);
  unsigned_doc.erase("signature");
  CHECK(*CheckpointSignedText(c) == unsigned_doc.dump());
  CHECK(f.key().public_key().Verify(unsigned_doc.dump(), *HexDecode(c.signature)));

  // The origin is made once and kept.
  CHECK(f.Sign().origin == c.origin);
  Result<std::string> origin = EnsureAuditOrigin(f.store());
  REQUIRE(origin.ok());
  CHECK(*origin == c.origin);
}

TEST_CASE("checkpoint: a tampered checkpoint fails its signature", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(5);
  const AuditCheckpoint good = f.Sign();

  AuditCheckpoint bad_signature = good;
  bad_signature.signature[0] = bad_signature.signature[0] == '0' ? '1' : '0';
  AuditCheckpoint other_head = good;
  other_head.head = Sha256Hex("forged");
  AuditCheckpoint other_seq = good;
  other_seq.seq = 4;
  AuditCheckpoint other_time = good;
  other_time.time = "2030-01-01T00:00:00Z";
  const std::vector<CheckpointFinding> findings = f.Check({bad_signature, other_head, other_seq, other_time});
  for (const CheckpointFinding& finding : findings) CheckFails(finding, "signature does not verify");

  // Another key's public half: named as such, whatever the signature.
  const Ed25519PrivateKey stranger = NewKey();
  CheckFails(f.Check({good}, stranger.public_key())[0], "not by the given public key " + stranger.public_key().KeyId());
  // A checkpoint re-signed by a stranger who put our key id on it.
  AuditCheckpoint forged = good;
  forged.head = Sha256Hex("forged");
  REQUIRE(SignCheckpoint(stranger, &forged).ok());
  forged.key_id = good.key_id;
  CheckFails(f.Check({forged})[0], "signature does not verify");
}

TEST_CASE("checkpoint: a rewritten and re-chained tail passes the chain check, not the checkpoint", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(7);
  const AuditCheckpoint at7 = f.Sign();
  f.Append(5);
  const AuditCheckpoint at12 = f.Sign({at7});
  const std::vector<AuditRow> before = f.Rows();

  // Entry 9 now says something else; 9..12 are chained again.
  f.Tamper([](AuditTamperer& raw) { raw.RewriteFrom(9, R"({"n":9,"rewritten":true})"); });
  const AuditVerification chain = f.VerifyChain();
  INFO(chain.problem);
  REQUIRE(chain.ok);  // the hash chain alone cannot tell
  REQUIRE(chain.entries == 12);
  const std::vector<AuditRow> after = f.Rows();
  REQUIRE(after[11].hash != before[11].hash);

  const std::vector<CheckpointFinding> findings = f.Check({at7, at12});
  CHECK(findings[0].ok);  // the rewrite is after 7
  CheckFails(findings[1], "entry 12 has hash " + after[11].hash + " but the checkpoint signed " + before[11].hash +
                              "; the log was rewritten at or before seq 12");

  // Nor will the key sign the rewritten log while the checkpoint is known.
  const CheckpointAttempt refused = f.Attempt({at7, at12});
  CHECK_FALSE(refused.checkpoint.has_value());
  CHECK(refused.refusal.find("no longer extends the checkpoint of seq 12") != std::string::npos);
  CHECK(refused.refusal.find("rewritten at or before seq 12") != std::string::npos);
}

TEST_CASE("checkpoint: a truncated log is caught", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(12);
  const AuditCheckpoint c = f.Sign();
  f.Tamper([](AuditTamperer& raw) { raw.TruncateAfter(9); });
  REQUIRE(f.VerifyChain().ok);
  CheckFails(f.Check({c})[0], "log has only 9 entries, checkpoint covers 12 (truncated)");
  CHECK(f.Attempt({c}).refusal.find("(truncated)") != std::string::npos);
}

TEST_CASE("checkpoint: entries deleted below the checkpoint are named", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(6);
  const AuditCheckpoint c = f.Sign();
  f.Tamper([](AuditTamperer& raw) { raw.Exec("DELETE FROM audit WHERE seq = 3"); });
  CheckFails(f.Check({c})[0], "entry 3 is missing (deleted)");
}

TEST_CASE("checkpoint: a log that grew since still matches, and is signed again", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(12);
  const AuditCheckpoint first = f.Sign();
  f.Append(5);
  CHECK(f.Check({first})[0].ok);
  const AuditCheckpoint second = f.Sign({first});
  CHECK(second.seq == 17);
  CHECK(second.root == RootOf(f.Rows()));
  const std::vector<CheckpointFinding> findings = f.Check({first, second});
  CHECK(findings[0].ok);
  CHECK(findings[1].ok);
}

TEST_CASE("checkpoint: a broken or empty log is not signed", "[checkpoint]") {
  CheckpointFixture f;
  SECTION("empty") {
    const CheckpointAttempt attempt = f.Attempt();
    CHECK_FALSE(attempt.checkpoint.has_value());
    CHECK(attempt.refusal.find("empty") != std::string::npos);
  }
  SECTION("an entry edited in place") {
    f.Append(6);
    f.Tamper([](AuditTamperer& raw) { raw.Exec("UPDATE audit SET actor_id = 'mallory' WHERE seq = 4"); });
    const CheckpointAttempt attempt = f.Attempt();
    CHECK_FALSE(attempt.checkpoint.has_value());
    CHECK(attempt.first_bad_seq == 4);
    CHECK(attempt.refusal.find("broken at seq 4") != std::string::npos);
  }
}

TEST_CASE("checkpoint: another log's checkpoint is named as such", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(3);
  AuditCheckpoint c = f.Sign();
  c.origin = "aftersales/elsewhere";
  REQUIRE(SignCheckpoint(f.key(), &c).ok());
  CheckFails(f.Check({c})[0], "the checkpoint is for log 'aftersales/elsewhere'");
}

TEST_CASE("checkpoint: earlier checkpoints by other keys or with bad signatures do not bind", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(4);
  AuditCheckpoint foreign = f.Sign();
  foreign.head = Sha256Hex("whatever");
  REQUIRE(SignCheckpoint(NewKey(), &foreign).ok());
  AuditCheckpoint unsigned_claim = f.Sign();
  unsigned_claim.head = Sha256Hex("whatever");  // signature no longer verifies
  f.Append(1);
  CHECK(f.Sign({foreign, unsigned_claim}).seq == 5);
}

TEST_CASE("checkpoint: documents are read strictly", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(2);
  const json good = CheckpointToJson(f.Sign());
  REQUIRE(ParseCheckpoint(good.dump()).ok());
  const auto refused = [](json doc, const std::string& field) {
    Result<AuditCheckpoint> parsed = ParseCheckpoint(doc.dump());
    INFO(doc.dump());
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kValidationFailed);
    CHECK(parsed.status().message().find(field) != std::string::npos);
  };
  json extra = good;
  extra["comment"] = "hi";
  refused(extra, "comment");
  for (const char* member : {"origin", "seq", "head", "root", "time", "key_id", "signature"}) {
    json missing = good;
    missing.erase(member);
    refused(missing, member);
  }
  json seq = good;
  seq["seq"] = 1.5;
  refused(seq, "seq");
  seq["seq"] = 0;
  refused(seq, "seq");
  seq["seq"] = "2";
  refused(seq, "seq");
  json head = good;
  head["head"] = good["head"].get<std::string>().substr(1);
  refused(head, "head");
  std::string upper = good["root"];
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  json root = good;
  root["root"] = upper;
  refused(root, "root");
  json time = good;
  time["time"] = "yesterday";
  refused(time, "time");
  json signature = good;
  signature["signature"] = "00";
  refused(signature, "signature");
  CHECK_FALSE(ParseCheckpoint("[]").ok());
  CHECK_FALSE(ParseCheckpoint("{").ok());
}

TEST_CASE("checkpoint: inclusion proofs of single entries verify against the root", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(11);
  const AuditCheckpoint c = f.Sign();
  f.Append(2);  // later entries change nothing for the checkpoint
  const std::vector<AuditRow> rows = f.Rows();
  Result<std::unique_ptr<ReadTxn>> txn = f.store().BeginRead();
  REQUIRE(txn.ok());
  Result<InclusionProofs> proofs = ProveAuditInclusion(**txn, c, {1, 6, 11});
  REQUIRE(proofs.ok());
  CHECK(proofs->problem.empty());
  const MerkleHash root = *MerkleHashFromHex(c.root);
  for (std::int64_t seq : {1, 6, 11}) {
    INFO("seq " << seq);
    const MerkleHash leaf = MerkleLeafHash(*HexDecode(rows[static_cast<std::size_t>(seq - 1)].hash));
    CHECK(VerifyMerkleInclusion(seq - 1, c.seq, leaf, proofs->audit_paths.at(seq), root));
    CHECK_FALSE(VerifyMerkleInclusion(seq - 1, c.seq, MerkleLeafHash("other"), proofs->audit_paths.at(seq), root));
  }
  Result<InclusionProofs> beyond = ProveAuditInclusion(**txn, c, {12});
  CHECK_FALSE(beyond.ok());
}

TEST_CASE("audit log: Verify ticks its progress", "[checkpoint]") {
  CheckpointFixture f;
  f.Append(12);
  std::vector<std::int64_t> ticks;
  ScanProgress progress;
  progress.every = 5;
  progress.report = [&](std::int64_t done) { ticks.push_back(done); };
  Result<std::unique_ptr<ReadTxn>> txn = f.store().BeginRead();
  REQUIRE(txn.ok());
  REQUIRE(AuditLog::Verify(**txn, progress).ok());
  CHECK(ticks == std::vector<std::int64_t>{5, 10});
}

// ---------------------------------------------------------------------------
// The folder

TEST_CASE("checkpoint folder: writes whole files and lists them by seq", "[checkpoint]") {
  CheckpointFixture f;
  const CheckpointFolder folder(f.dir().File("checkpoints"));
  REQUIRE(folder.Create().ok());
  REQUIRE(folder.Create().ok());  // again: fine
  f.Append(10);
  const AuditCheckpoint at10 = f.Sign();
  f.Append(2);
  const AuditCheckpoint at12 = f.Sign();
  Result<std::string> path12 = folder.Write(at12);
  Result<std::string> path10 = folder.Write(at10);
  REQUIRE(path12.ok());
  REQUIRE(path10.ok());
  CHECK(std::filesystem::path(*path12).filename() == "checkpoint-12.json");
  struct stat st {};
  REQUIRE(::stat(path12->c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  // Not checkpoints: ignored, or listed with their problem.
  std::ofstream(folder.path() + "/notes.txt") << "hello";
  std::ofstream(folder.path() + "/checkpoint-7.json") << "{";
  std::ofstream(folder.path() + "/checkpoint-9.json") << CheckpointToJson(at10).dump();  // wrong name

  Result<std::vector<StoredCheckpoint>> listed = folder.List();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 4);
  CHECK((*listed)[0].seq == 7);
  CHECK_FALSE((*listed)[0].checkpoint.has_value());
  CHECK_FALSE((*listed)[1].checkpoint.has_value());
  CHECK((*listed)[1].problem.find("not of its name") != std::string::npos);
  REQUIRE((*listed)[2].checkpoint.has_value());
  CHECK(CheckpointToJson(*(*listed)[2].checkpoint) == CheckpointToJson(at10));
  REQUIRE((*listed)[3].checkpoint.has_value());
  CHECK(CheckpointToJson(*(*listed)[3].checkpoint) == CheckpointToJson(at12));

  // No temporary file stays behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
    ++files;
  }
  CHECK(files == 5);

  CHECK_FALSE(CheckpointFolder(f.dir().File("missing")).List().ok());
  std::ofstream(f.dir().File("plain")) << "x";
  CHECK_FALSE(CheckpointFolder(f.dir().File("plain")).Create().ok());
}

TEST_CASE("checkpoint folder: the newest checkpoint of a key, passing over others' and broken files", "[checkpoint]") {
  CheckpointFixture f;
  const CheckpointFolder folder(f.dir().File("checkpoints"));
  REQUIRE(folder.Create().ok());
  const Ed25519PublicKey key = f.key().public_key();
  Result<std::optional<AuditCheckpoint>> none = folder.Newest(key);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  f.Append(3);
  const AuditCheckpoint at3 = f.Sign();
  REQUIRE(folder.Write(at3).ok());
  f.Append(2);
  const AuditCheckpoint at5 = f.Sign();
  REQUIRE(folder.Write(at5).ok());
  // Higher seqs that must be passed over: another key's, a broken file, a
  // file named for another seq, a tampered signature.
  f.Append(4);
  AuditCheckpoint other = f.Sign();
  const Ed25519PrivateKey other_key = NewKey();
  REQUIRE(SignCheckpoint(other_key, &other).ok());
  REQUIRE(folder.Write(other).ok());  // checkpoint-9.json
  std::ofstream(folder.path() + "/checkpoint-10.json") << "{";
  std::ofstream(folder.path() + "/checkpoint-11.json") << CheckpointToJson(at5).dump();
  AuditCheckpoint tampered = at5;
  tampered.seq = 12;
  std::ofstream(folder.path() + "/checkpoint-12.json") << CheckpointToJson(tampered).dump();

  Result<std::optional<AuditCheckpoint>> newest = folder.Newest(key);
  REQUIRE(newest.ok());
  REQUIRE(newest->has_value());
  CHECK(CheckpointToJson(**newest) == CheckpointToJson(at5));
  Result<std::optional<AuditCheckpoint>> others = folder.Newest(other_key.public_key());
  REQUIRE(others.ok());
  REQUIRE(others->has_value());
  CHECK((*others)->seq == 9);
  CHECK_FALSE(CheckpointFolder(f.dir().File("missing")).Newest(key).ok());
}

TEST_CASE("checkpoint folder: a file written to refuse overwriting keeps what was there", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.File("key.pem");
  REQUIRE(WriteFileAtomically(path, "first", 0600, ExistingFile::kRefuse).ok());
  Status again = WriteFileAtomically(path, "second", 0600, ExistingFile::kRefuse);
  CHECK(again.code() == Code::kAlreadyExists);
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  CHECK(content == "first");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(WriteFileAtomically(path, "third", 0600, ExistingFile::kReplace).ok());
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
  CHECK(WriteFileAtomically(dir.File("no/such/folder/x"), "x", 0600).code() == Code::kUnavailable);
}

}  // namespace
}  // namespace aftersales
