#include "engine/audit/audit_checkpoint.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "engine/crypto.h"
#include "engine/audit/merkle_tree.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kHashHexDigits = 64;
constexpr std::size_t kSignatureHexDigits = 128;
constexpr std::size_t kOriginRandomBytes = 16;
constexpr const char* kOriginPrefix = "aftersales/";
// The largest seq a checkpoint may name: JSON integers beyond 2^53 - 1 do
// not survive other verifiers (RFC 8785 §3.2.2.3).
constexpr std::int64_t kMaxSeq = (std::int64_t{1} << 53) - 1;

std::string Seq(std::int64_t seq) { return std::to_string(seq); }

bool IsLowerHex(const std::string& s, std::size_t digits) { return s.size() == digits && HexDecode(s).has_value(); }

// The log at the sizes checkpoints name: the entry hash there and the
// Merkle root of entries 1..size.
struct LogPoint {
  std::string hash;
  MerkleHash root{};
};

struct LogMeasure {
  std::int64_t entries = 0;             // 1..entries are present, in order
  std::string stopped;                  // why the pass stopped before the end of the log, if it did
  std::map<std::int64_t, LogPoint> at;  // by size, for the sizes within 1..entries
};

// Streams the entry hashes 1..max(sizes) into `tree` (empty, proofs
// perhaps requested), noting the hash and root at each of `sizes`. Stops at
// a gap or a malformed hash.
Result<LogMeasure> MeasureLog(ReadTxn& txn, const std::set<std::int64_t>& sizes, const ScanProgress& progress,
                              MerkleTreeBuilder& tree) {
  LogMeasure measure;
  if (sizes.empty()) return measure;
  Status scanned = txn.AuditHashes(1, *sizes.rbegin(), [&](std::int64_t seq, const std::string& hash) {
    if (seq != measure.entries + 1) {
      measure.stopped = "entry " + Seq(measure.entries + 1) + " is missing (deleted)";
      return false;
    }
    std::optional<std::string> leaf = HexDecode(hash);
    if (!leaf || leaf->size() != MerkleHash().size()) {
      measure.stopped = "entry " + Seq(seq) + " has a malformed hash";
      return false;
    }
    tree.Append(*leaf);
    measure.entries = seq;
    if (sizes.count(seq)) measure.at[seq] = LogPoint{hash, tree.Root()};
    progress.Tick(seq);
    return true;
  });
  if (!scanned.ok()) return scanned;
  return measure;
}

// The first way `checkpoint` disagrees with the log, or "".
std::string LogProblem(const AuditCheckpoint& checkpoint, const std::optional<std::string>& db_origin,
                       const LogMeasure& measure) {
  if (!db_origin) {
    return "this database has no " + std::string(kAuditOriginSetting) + " setting; the checkpoint is for log '" +
           checkpoint.origin + "'";
  }
  if (*db_origin != checkpoint.origin) {
    return "the checkpoint is for log '" + checkpoint.origin + "', this database is log '" + *db_origin + "'";
  }
  auto point = measure.at.find(checkpoint.seq);
  if (point == measure.at.end()) {
    if (!measure.stopped.empty()) return measure.stopped + "; the checkpoint covers 1.." + Seq(checkpoint.seq);
    return "log has only " + Seq(measure.entries) + (measure.entries == 1 ? " entry" : " entries") +
           ", checkpoint covers " + Seq(checkpoint.seq) + " (truncated)";
  }
  if (point->second.hash != checkpoint.head) {
    return "entry " + Seq(checkpoint.seq) + " has hash " + point->second.hash + " but the checkpoint signed " +
           checkpoint.head + "; the log was rewritten at or before seq " + Seq(checkpoint.seq);
  }
  const std::string root = MerkleHex(point->second.root);
  if (root != checkpoint.root) {
    return "the Merkle root of entries 1.." + Seq(checkpoint.seq) + " is " + root + " but the checkpoint signed " +
           checkpoint.root + "; an entry at or before seq " + Seq(checkpoint.seq) + " was changed";
  }
  return "";
}

Result<std::optional<std::string>> ReadOrigin(ReadTxn& txn) { return txn.GetSetting(kAuditOriginSetting); }

json UnsignedJson(const AuditCheckpoint& c) {
  return json{{"origin", c.origin}, {"seq", c.seq},   {"head", c.head},
              {"root", c.root},     {"time", c.time}, {"key_id", c.key_id}};
}

}  // namespace

json CheckpointToJson(const AuditCheckpoint& checkpoint) {
  json out = UnsignedJson(checkpoint);
  out["signature"] = checkpoint.signature;
  return out;
}

Result<AuditCheckpoint> ParseCheckpoint(std::string_view text) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Invalid("checkpoint", "not a JSON object");
  static const std::set<std::string> kMembers = {"origin", "seq", "head", "root", "time", "key_id", "signature"};
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!kMembers.count(it.key())) return Status::Invalid(it.key(), "unknown member '" + it.key() + "'");
  }
  for (const std::string& name : kMembers) {
    if (!doc.contains(name)) return Status::Invalid(name, "member '" + name + "' is missing");
    if (name != "seq" && !doc[name].is_string()) return Status::Invalid(name, "'" + name + "' must be a string");
  }
  AuditCheckpoint c;
  if (!doc["seq"].is_number_integer() || doc["seq"].get<std::int64_t>() < 1 ||
      doc["seq"].get<std::int64_t>() > kMaxSeq) {
    return Status::Invalid("seq", "'seq' must be an integer >= 1");
  }
  c.seq = doc["seq"].get<std::int64_t>();
  c.origin = doc["origin"].get<std::string>();
  c.head = doc["head"].get<std::string>();
  c.root = doc["root"].get<std::string>();
  c.time = doc["time"].get<std::string>();
  c.key_id = doc["key_id"].get<std::string>();
  c.signature = doc["signature"].get<std::string>();
  if (c.origin.empty()) return Status::Invalid("origin", "'origin' must not be empty");
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"head", &c.head}, {"root", &c.root}, {"key_id", &c.key_id}}) {
    if (!IsLowerHex(*value, kHashHexDigits)) {
      return Status::Invalid(name, std::string("'") + name + "' must be 64 lowercase hex digits");
    }
  }
  if (!IsLowerHex(c.signature, kSignatureHexDigits)) {
    return Status::Invalid("signature", "'signature' must be 128 lowercase hex digits");
  }
  if (!ParseTime(c.time)) return Status::Invalid("time", "'time' must be an RFC 3339 date-time");
  return c;
}

Result<std::string> CheckpointSignedText(const AuditCheckpoint& checkpoint) {
  return CanonicalJson(UnsignedJson(checkpoint));
}

Status SignCheckpoint(const Ed25519PrivateKey& key, AuditCheckpoint* checkpoint) {
  checkpoint->key_id = key.public_key().KeyId();
  Result<std::string> text = CheckpointSignedText(*checkpoint);
  if (!text.ok()) return text.status();
  Result<std::string> signature = key.Sign(*text);
  if (!signature.ok()) return signature.status();
  checkpoint->signature = HexEncode(*signature);
  return Status::Ok();
}

std::string CheckpointSignatureProblem(const AuditCheckpoint& checkpoint, const Ed25519PublicKey& key) {
  const std::string key_id = key.KeyId();
  if (checkpoint.key_id != key_id) {
    return "signed by key " + checkpoint.key_id + ", not by the given public key " + key_id;
  }
  Result<std::string> text = CheckpointSignedText(checkpoint);
  std::optional<std::string> signature = HexDecode(checkpoint.signature);
  if (!text.ok() || !signature || !key.Verify(*text, *signature)) return "signature does not verify";
  return "";
}

Result<std::string> EnsureAuditOrigin(Store& store) {
  {
    Result<std::unique_ptr<ReadTxn>> txn = store.BeginRead();
    if (!txn.ok()) return txn.status();
    Result<std::optional<std::string>> origin = ReadOrigin(**txn);
    if (!origin.ok()) return origin.status();
    if (origin->has_value()) return **origin;
  }
  // Made under the write lock, so that two first checkpoints agree on it.
  Result<std::unique_ptr<WriteTxn>> txn = store.BeginWrite();
  if (!txn.ok()) return txn.status();
  Result<std::optional<std::string>> origin = ReadOrigin(**txn);
  if (!origin.ok()) return origin.status();
  if (origin->has_value()) return **origin;
  const std::string made = kOriginPrefix + RandomHex(kOriginRandomBytes);
  AS_RETURN_IF_ERROR((*txn)->PutSetting(kAuditOriginSetting, made));
  AS_RETURN_IF_ERROR((*txn)->Commit());
  return made;
}

Result<CheckpointAttempt> MakeAuditCheckpoint(Store& store, const Ed25519PrivateKey& key, TimePoint now,
                                              const std::vector<AuditCheckpoint>& earlier, const ScanProgress& verified,
                                              const ScanProgress& hashed) {
  Result<std::string> origin = EnsureAuditOrigin(store);
  if (!origin.ok()) return origin.status();

  CheckpointAttempt attempt;
  Result<std::unique_ptr<ReadTxn>> txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  Result<AuditVerification> chain = AuditLog::Verify(**txn, verified);
  if (!chain.ok()) return chain.status();
  if (!chain->ok) {
    attempt.first_bad_seq = chain->first_bad_seq;
    attempt.refusal = "the audit log is broken at seq " + Seq(chain->first_bad_seq.value_or(0)) + ": " +
                      chain->problem + "; a broken log is not signed";
    return attempt;
  }
  if (!chain->head) {
    attempt.refusal = "the audit log is empty: there is nothing to sign";
    return attempt;
  }
  const AuditRow& head = *chain->head;

  // Only checkpoints this key demonstrably signed bind the new one.
  std::vector<const AuditCheckpoint*> binding;
  std::set<std::int64_t> sizes = {head.seq};
  for (const AuditCheckpoint& c : earlier) {
    if (CheckpointSignatureProblem(c, key.public_key()).empty()) {
      binding.push_back(&c);
      sizes.insert(c.seq);
    }
  }
  MerkleTreeBuilder tree;
  Result<LogMeasure> measure = MeasureLog(**txn, sizes, hashed, tree);
  if (!measure.ok()) return measure.status();
  for (const AuditCheckpoint* c : binding) {
    const std::string problem = LogProblem(*c, *origin, *measure);
    if (!problem.empty()) {
      attempt.refusal = "the log no longer extends the checkpoint of seq " + Seq(c->seq) + " signed at " + c->time +
                        ": " + problem + "; it is not signed";
      return attempt;
    }
  }
  auto point = measure->at.find(head.seq);
  if (point == measure->at.end()) {
    // The chain verified in this very snapshot, so this means the store
    // answered two reads of one snapshot differently.
    return Status::Internal("the audit log changed within one read snapshot");
  }

  AuditCheckpoint checkpoint;
  checkpoint.origin = *origin;
  checkpoint.seq = head.seq;
  checkpoint.head = head.hash;
  checkpoint.root = MerkleHex(point->second.root);
  checkpoint.time = FormatTime(now);
  AS_RETURN_IF_ERROR(SignCheckpoint(key, &checkpoint));
  attempt.checkpoint = std::move(checkpoint);
  return attempt;
}

Result<std::vector<CheckpointFinding>> CheckAuditCheckpoints(ReadTxn& txn,
                                                             const std::vector<AuditCheckpoint>& checkpoints,
                                                             const Ed25519PublicKey& key, const ScanProgress& hashed) {
  std::vector<CheckpointFinding> findings(checkpoints.size());
  std::set<std::int64_t> sizes;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    findings[i].problem = CheckpointSignatureProblem(checkpoints[i], key);
    if (findings[i].problem.empty()) sizes.insert(checkpoints[i].seq);
  }
  Result<std::optional<std::string>> origin = ReadOrigin(txn);
  if (!origin.ok()) return origin.status();
  MerkleTreeBuilder tree;
  Result<LogMeasure> measure = MeasureLog(txn, sizes, hashed, tree);
  if (!measure.ok()) return measure.status();
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    if (findings[i].problem.empty()) findings[i].problem = LogProblem(checkpoints[i], *origin, *measure);
    findings[i].ok = findings[i].problem.empty();
  }
  return findings;
}

Result<InclusionProofs> ProveAuditInclusion(ReadTxn& txn, const AuditCheckpoint& checkpoint,
                                            const std::vector<std::int64_t>& seqs) {
  InclusionProofs proofs;
  std::vector<std::int64_t> leaves;
  for (std::int64_t seq : seqs) {
    if (seq < 1 || seq > checkpoint.seq) {
      return Status::Invalid("seq",
                             "entry " + Seq(seq) + " is not covered by the checkpoint of seq " + Seq(checkpoint.seq));
    }
    leaves.push_back(seq - 1);
  }
  MerkleTreeBuilder tree;
  AS_RETURN_IF_ERROR(tree.RequestProofs(checkpoint.seq, leaves));
  Result<std::optional<std::string>> origin = ReadOrigin(txn);
  if (!origin.ok()) return origin.status();
  Result<LogMeasure> measure = MeasureLog(txn, {checkpoint.seq}, {}, tree);
  if (!measure.ok()) return measure.status();
  proofs.problem = LogProblem(checkpoint, *origin, *measure);
  if (!proofs.problem.empty()) return proofs;
  for (std::int64_t seq : seqs) {
    Result<std::vector<MerkleHash>> path = tree.InclusionProof(seq - 1);
    if (!path.ok()) return path.status();
    proofs.audit_paths[seq] = std::move(*path);
  }
  return proofs;
}

}  // namespace aftersales
