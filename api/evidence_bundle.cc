#include "api/evidence_bundle.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/audit_log.h"
#include "engine/cases/case_document.h"
#include "api/case_json.h"
#include "engine/cases/case_work.h"
#include "engine/crypto.h"
#include "engine/cases/ledger.h"
#include "engine/audit/merkle_tree.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "aftersales-evidence-bundle/1";
// A case's entries: far more than any real case has (as the timeline).
constexpr int kMaxCaseEntries = 100000;

const json kVerificationSteps = json::array({
    "1. Each entry: remove \"hash\" from entry, write the rest as RFC 8785 canonical JSON (sorted keys, no "
    "spaces, integers only) and compute SHA-256 over entry.prev_hash (its 64 ASCII hex digits) followed by that "
    "text; the lowercase hex result must equal entry.hash.",
    "2. Each text: SHA-256 of its body (UTF-8) must equal its sha256 and the sha256 that the entry's data gives "
    "for that text id (an erased text can no longer be shown, its hash still can).",
    "3. Each entry: the leaf hash is SHA-256(0x00 || the 32 bytes entry.hash spells); combine it with "
    "inclusion_proof.audit_path as RFC 9162 section 2.1.3.2 says (node = SHA-256(0x01 || left || right), "
    "leaf_index = seq - 1, tree_size = checkpoint.seq); the result must equal checkpoint.root.",
    "4. The checkpoint: its signature (hex) must be a valid Ed25519 signature over the RFC 8785 canonical JSON of "
    "the checkpoint without \"signature\" under public_key; key_id must be the SHA-256 of the key's raw 32 bytes; "
    "and the key must be the one the company published, not merely the one in this document.",
});

bool MayBuildBundles(const Actor& actor) { return actor.role == Role::kManager || actor.role == Role::kAdmin; }

// The ids of the texts `data` refers to: every {"id", "sha256"} reference
// and every id listed under "texts", in order of first appearance.
void CollectTextIds(const json& data, std::vector<std::string>* ids, std::set<std::string>* seen) {
  const auto add = [&](const std::string& id) {
    if (seen->insert(id).second) ids->push_back(id);
  };
  if (data.is_object()) {
    const auto id = data.find("id");
    const auto sha = data.find("sha256");
    if (id != data.end() && id->is_string() && sha != data.end() && sha->is_string()) add(id->get<std::string>());
    const auto texts = data.find("texts");
    if (texts != data.end() && texts->is_array()) {
      for (const json& t : *texts) {
        if (t.is_string()) add(t.get<std::string>());
      }
    }
    for (const auto& member : data.items()) CollectTextIds(member.value(), ids, seen);
  } else if (data.is_array()) {
    for (const json& item : data) CollectTextIds(item, ids, seen);
  }
}

json TextJson(const std::string& id, const TextsById& texts) {
  auto it = texts.find(id);
  if (it == texts.end()) return json{{"id", id}, {"erased", true}};
  const Text& t = it->second;
  return json{{"id", t.id},
              {"kind", t.kind},
              {"visibility", t.visibility == Visibility::kBuyer ? "buyer" : "internal"},
              {"author_id", t.author_id},
              {"created_at", FormatTime(t.created_at)},
              {"body", t.body},
              // Of the body served here, not the stored column: what a reader can check.
              {"sha256", Sha256Hex(t.body)}};
}

Result<Case> LoadCase(ReadTxn& txn, const CaseRow& row) {
  AS_ASSIGN_OR_RETURN(auto deadlines, txn.ListedDeadlines(row.id));
  return CaseFromRow(row, deadlines);
}

// The order as GET /orders/{id} serves it.
Result<json> OrderOfCase(ReadTxn& txn, const std::string& order_id, const Policy& policy) {
  AS_ASSIGN_OR_RETURN(auto order, txn.GetOrder(order_id));
  if (!order) return Status::Internal("the order " + order_id + " of a stored case is missing");
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(txn, order_id));
  return OrderJson(MakeOrderView(*order, cases, policy));
}

// The newest checkpoint signed by `key` in `stored` whose seq is at least
// `seq`, and the newest of any seq (for the note).
struct CheckpointChoice {
  std::optional<StoredCheckpoint> covering;
  std::optional<std::int64_t> newest_seq;
};

CheckpointChoice ChooseCheckpoint(const std::vector<StoredCheckpoint>& stored, const Ed25519PublicKey& key,
                                  std::int64_t seq) {
  CheckpointChoice choice;
  const std::string key_id = key.KeyId();
  for (const StoredCheckpoint& s : stored) {  // by seq, ascending
    if (!s.checkpoint || s.checkpoint->key_id != key_id) continue;
    choice.newest_seq = s.seq;
    if (s.seq >= seq) choice.covering = s;
  }
  return choice;
}

std::string FileName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

EvidenceBundler::EvidenceBundler(Store& store, PolicyRegistry& policies, const Clock& clock,
                                 const CheckpointSource* checkpoints)
    : store_(store), policies_(policies), clock_(clock), checkpoints_(checkpoints) {}

Result<json> EvidenceBundler::Build(const Actor& actor, const std::string& case_id) const {
  if (!MayBuildBundles(actor)) return Status(Code::kForbidden, "evidence bundles are for managers and admins");

  // Listed before the snapshot begins, so that every checkpoint found
  // covers only entries the snapshot holds.
  std::vector<StoredCheckpoint> stored;
  if (checkpoints_ != nullptr) {
    auto listed = checkpoints_->folder.List();
    if (!listed.ok()) return listed.status();
    stored = std::move(*listed);
  }

  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  ReadTxn& read = **txn;
  auto row = read.GetCase(case_id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("case " + case_id);
  auto kase = LoadCase(read, **row);
  if (!kase.ok()) return kase.status();
  AS_ASSIGN_OR_RETURN(TextsById texts, LoadTexts(read, case_id));
  auto policy = policies_.Version(kase->policy_version);
  if (!policy.ok()) return policy.status();
  CaseView view = MakeCaseView(*kase, actor, texts, **policy, clock_.Now());
  // The case as GET /cases/{id} shows it, with what it may still refund.
  AS_ASSIGN_OR_RETURN(view.refundable_amount, RefundableOfCase(read, *kase, **policy));
  json case_json = CaseJson(view);
  auto order_json = OrderOfCase(read, kase->order_id, **policy);
  if (!order_json.ok()) return order_json.status();

  AuditFilter filter;
  filter.case_id = case_id;
  filter.limit = kMaxCaseEntries;
  auto entries = read.ListAudit(filter);
  if (!entries.ok()) return entries.status();

  json bundle = {{"format", kFormat},
                 {"generated_at", FormatTime(clock_.Now())},
                 {"case", std::move(case_json)},
                 {"order", std::move(*order_json)},
                 {"checkpoint", nullptr},
                 {"public_key", nullptr},
                 {"note", nullptr},
                 {"verification", kVerificationSteps}};

  const std::int64_t last_seq = entries->empty() ? 0 : entries->back().seq;
  std::optional<AuditCheckpoint> checkpoint;
  InclusionProofs proofs;
  if (checkpoints_ == nullptr) {
    bundle["note"] =
        "this server keeps no signed checkpoints (serve --checkpoint-dir): each entry can be checked against its "
        "own hash, but nothing anchors the entries to a signed root";
  } else {
    Result<std::string> pem = checkpoints_->key.ToPem();
    if (!pem.ok()) return pem.status();
    bundle["public_key"] = *pem;
    const CheckpointChoice choice = ChooseCheckpoint(stored, checkpoints_->key, last_seq);
    if (!choice.covering) {
      bundle["note"] = "no checkpoint covers entry " + std::to_string(last_seq) + " yet (" +
                       (choice.newest_seq ? "the newest covers seq " + std::to_string(*choice.newest_seq)
                                          : std::string("none was written yet")) +
                       "): each entry can be checked against its own hash; a bundle made after the next checkpoint "
                       "carries inclusion proofs";
    } else {
      const std::string name = FileName(choice.covering->path);
      const AuditCheckpoint& found = *choice.covering->checkpoint;
      const std::string signature_problem = CheckpointSignatureProblem(found, checkpoints_->key);
      if (!signature_problem.empty()) {
        return Status::Internal(name + " in the checkpoint folder: " + signature_problem +
                                "; run `aftersales audit verify --checkpoint`");
      }
      std::vector<std::int64_t> seqs;
      for (const AuditRow& e : *entries) seqs.push_back(e.seq);
      auto proved = ProveAuditInclusion(read, found, seqs);
      if (!proved.ok()) return proved.status();
      if (!proved->problem.empty()) {
        return Status::Internal(name + " no longer matches the audit log: " + proved->problem +
                                "; run `aftersales audit verify --checkpoint`");
      }
      checkpoint = found;
      proofs = std::move(*proved);
      bundle["checkpoint"] = CheckpointToJson(found);
    }
  }

  json items = json::array();
  for (const AuditRow& e : *entries) {
    // Step 1 of the verification, done here first: an entry edited in place
    // (its hash column untouched) would still prove its inclusion, and the
    // bundle would contradict itself.
    if (AuditLog::ComputeHash(e) != e.hash) {
      return Status::Internal("audit entry " + std::to_string(e.seq) +
                              " does not match its hash; run `aftersales audit verify`");
    }
    json entry = AuditLog::ToJson(e);
    std::vector<std::string> ids;
    std::set<std::string> seen;
    CollectTextIds(entry["data"], &ids, &seen);
    json entry_texts = json::array();
    for (const std::string& id : ids) entry_texts.push_back(TextJson(id, texts));
    json proof = nullptr;
    if (checkpoint) {
      json path = json::array();
      for (const MerkleHash& h : proofs.audit_paths.at(e.seq)) path.push_back(MerkleHex(h));
      proof = {{"leaf_index", e.seq - 1}, {"tree_size", checkpoint->seq}, {"audit_path", std::move(path)}};
    }
    items.push_back({{"entry", std::move(entry)}, {"texts", std::move(entry_texts)}, {"inclusion_proof", proof}});
  }
  bundle["entries"] = std::move(items);
  return bundle;
}

}  // namespace aftersales
