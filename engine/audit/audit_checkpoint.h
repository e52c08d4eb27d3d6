// Signed checkpoints of the audit log (SPEC §7). The hash chain shows that
// no entry was edited in place, but someone with the database can rewrite
// the whole tail and chain it again. A checkpoint, signed with a key that
// does not live in the database and kept off the machine, pins the log as
// it was: a later log must still hold entry `seq` with exactly `head` as
// its hash, and the Merkle root over entries 1..seq must still be `root`.
// docs/audit-checkpoints.md says what a checkpoint proves and how to keep
// and check them.
//
// A checkpoint is one JSON document:
//   {"origin", "seq", "head", "root", "time", "key_id", "signature"}
//   origin     the log's name: the database's `audit_origin` setting,
//              "aftersales/<32 hex digits>", made once per database by the
//              first checkpoint (EnsureAuditOrigin) and copied by backups;
//   seq        the last entry covered (entries 1..seq);
//   head       that entry's `hash`;
//   root       lowercase hex RFC 9162 Merkle tree hash of entries 1..seq,
//              the leaves being the 32 raw bytes of each entry's `hash` in
//              seq order (engine/merkle_tree.h): what inclusion proofs of
//              single entries are checked against;
//   time       when it was signed, RFC 3339 UTC ("2026-11-27T06:23:46Z");
//   key_id     lowercase hex SHA-256 of the raw 32-byte Ed25519 public key;
//   signature  lowercase hex of the 64-byte Ed25519 signature over the
//              canonical JSON (RFC 8785, CanonicalJson) of the other six
//              members.
//
// Functions are stateless and thread-safe; each reads the store in one
// snapshot, so a checkpoint and the checks made for it see one log.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/audit/audit_log.h"
#include "engine/audit/ed25519_key.h"
#include "engine/audit/merkle_tree.h"
#include "engine/store/store.h"

namespace aftersales {

struct AuditCheckpoint {
  std::string origin;
  std::int64_t seq = 0;
  std::string head;
  std::string root;
  std::string time;
  std::string key_id;
  std::string signature;
};

// The settings key that names the log.
constexpr const char* kAuditOriginSetting = "audit_origin";

// The document, all seven members.
nlohmann::json CheckpointToJson(const AuditCheckpoint& checkpoint);
// Reads a document strictly: exactly the seven members, seq an integer
// >= 1, head, root and key_id 64 and signature 128 lowercase hex digits, time
// RFC 3339. Errors: validation_failed naming what is wrong.
Result<AuditCheckpoint> ParseCheckpoint(std::string_view text);
// What the signature covers: the canonical JSON of the checkpoint without
// "signature". Errors: validation_failed (a string that is not UTF-8).
Result<std::string> CheckpointSignedText(const AuditCheckpoint& checkpoint);
// Sets key_id and signature from `key`. Errors: validation_failed,
// internal (OpenSSL).
Status SignCheckpoint(const Ed25519PrivateKey& key, AuditCheckpoint* checkpoint);
// Empty when `checkpoint` names `key` and its signature verifies with it;
// otherwise what is wrong ("signature does not verify", "signed by key …,
// not by the given public key …").
std::string CheckpointSignatureProblem(const AuditCheckpoint& checkpoint, const Ed25519PublicKey& key);

// The log's origin, made and stored on first use. Errors: unavailable.
Result<std::string> EnsureAuditOrigin(Store& store);

// What an attempt to sign the log came to: a checkpoint, or why not.
struct CheckpointAttempt {
  std::optional<AuditCheckpoint> checkpoint;  // set when the log was signed
  std::string refusal;                        // otherwise why it was not
  std::optional<std::int64_t> first_bad_seq;  // when the chain is broken
};

// Signs the log as it is now, at time `now`, after checking it: the whole
// hash chain must verify, the log must not be empty, and it must still
// extend every checkpoint in `earlier` that `key` signed (a checkpoint
// signed by another key, or whose signature does not verify, is no
// evidence and is passed over), so that a rewritten log is never signed.
// Makes the origin on first use (one write of the settings table; the
// audit log is not written). `verified` ticks while the chain is checked,
// `hashed` while the Merkle tree is built. Errors: unavailable (storage),
// internal (OpenSSL); a log that may not be signed is a refusal, not an
// error.
Result<CheckpointAttempt> MakeAuditCheckpoint(Store& store, const Ed25519PrivateKey& key, TimePoint now,
                                              const std::vector<AuditCheckpoint>& earlier,
                                              const ScanProgress& verified = {}, const ScanProgress& hashed = {});

// One checkpoint's standing against the log.
struct CheckpointFinding {
  bool ok = true;
  std::string problem;  // empty when ok
};

// Checks every checkpoint, in one pass over the entry hashes of the
// snapshot `txn`: its signature with `key`, its origin against the
// database's, that the log still holds entry `seq` with exactly `head` as
// its hash, and that the Merkle root over 1..seq is `root`. Returns one
// finding per checkpoint, in order, naming the first thing that broke.
// `hashed` ticks while the tree is built. Errors: unavailable.
Result<std::vector<CheckpointFinding>> CheckAuditCheckpoints(ReadTxn& txn,
                                                             const std::vector<AuditCheckpoint>& checkpoints,
                                                             const Ed25519PublicKey& key,
                                                             const ScanProgress& hashed = {});

// Audit paths of single entries to a checkpoint's root (RFC 9162 §2.1.3),
// or why the log no longer matches the checkpoint.
struct InclusionProofs {
  std::string problem;                                          // empty when the log matches
  std::map<std::int64_t, std::vector<MerkleHash>> audit_paths;  // by seq (leaf index seq - 1)
};

// Checks that the log in the snapshot `txn` still matches `checkpoint`
// (origin, entry `seq` with hash `head`, the Merkle root; not the
// signature) and returns the audit path of each of `seqs` in its tree of
// `checkpoint.seq` leaves. A mismatch is the `problem` of the value.
// Errors: validation_failed (a seq the checkpoint does not cover),
// unavailable.
Result<InclusionProofs> ProveAuditInclusion(ReadTxn& txn, const AuditCheckpoint& checkpoint,
                                            const std::vector<std::int64_t>& seqs);

}  // namespace aftersales
