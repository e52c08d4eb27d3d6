// EvidenceBundler: one self-contained JSON document about a case that a
// third party (an auditor, a court) can check without trusting the server
// or its database — GET /api/v1/cases/{id}/bundle.
//
//   {"format": "aftersales-evidence-bundle/1", "generated_at",
//    "case"       the case as GET /cases/{id} serves it to the caller,
//    "order"      its order as GET /orders/{id} serves it,
//    "entries": [{"entry"           the audit entry exactly as stored (SPEC §7, with prev_hash and hash),
//                 "texts"           the texts its data refers to: {id, kind, visibility, author_id,
//                                   created_at, body, sha256 = SHA-256 of body}, or {id, erased: true},
//                 "inclusion_proof" {leaf_index = seq - 1, tree_size = checkpoint.seq,
//                                    audit_path: [hex]} to the checkpoint's root, or null}],
//    "checkpoint" the newest signed checkpoint of the server's folder that covers the case's last entry,
//                 or null,
//    "public_key" the PEM public key the server signs checkpoints with, or null,
//    "note"       why checkpoint is null, or null,
//    "verification" the steps that check all of it (docs/audit-checkpoints.md)}
//
// Everything about the case, its order and its entries is read in one
// snapshot; the checkpoint folder is listed before it, so any checkpoint
// found lies within the snapshot's log. Before a checkpoint goes into a
// bundle, its signature is verified and the log is checked against it.
//
// Thread-safe: holds references only; reads time from the injected Clock.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/ed25519_key.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

// Where bundles (and /metrics) find checkpoints: the folder the server
// writes, the public half of the key it signs them with, and how often it
// signs.
struct CheckpointSource {
  const CheckpointFolder& folder;
  const Ed25519PublicKey& key;
  std::int64_t every_seconds = 0;  // the writer's period (serve --checkpoint-every); 0: not known
};

class EvidenceBundler {
 public:
  // `checkpoints` may be null (the server keeps none); what it points to
  // must outlive the bundler.
  EvidenceBundler(Store& store, PolicyRegistry& policies, const Clock& clock, const CheckpointSource* checkpoints);

  // The bundle of case `case_id` for `actor` (manager or admin). Errors:
  // forbidden (another role), not_found (no such case), unavailable
  // (storage, the checkpoint folder), internal (a checkpoint this server
  // signed no longer matches the log, or its signature does not verify:
  // the message says which; run `aftersales audit verify`). Writes nothing.
  Result<nlohmann::json> Build(const Actor& actor, const std::string& case_id) const;

 private:
  Store& store_;
  PolicyRegistry& policies_;
  const Clock& clock_;
  const CheckpointSource* checkpoints_;
};

}  // namespace aftersales
