#include "engine/audit/merkle_tree.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "engine/crypto.h"

namespace aftersales {
namespace {

constexpr unsigned char kLeafPrefix = 0x00;
constexpr unsigned char kNodePrefix = 0x01;

// SHA-256 of the concatenation of `parts`.
MerkleHash Sha256Of(std::initializer_list<std::string_view> parts) {
  MerkleHash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, Sha256Algorithm(), nullptr) == 1;
  for (std::string_view part : parts) ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  // OpenSSL fails here only when it cannot allocate; an all-zero hash then
  // matches no real root, so every check that depends on it fails safely.
  if (!ok) out.fill(0);
  return out;
}

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

// The largest power of two strictly below n (n >= 2).
std::int64_t SplitPoint(std::int64_t n) {
  std::int64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

}  // namespace

MerkleHash MerkleLeafHash(std::string_view data) {
  const char prefix = static_cast<char>(kLeafPrefix);
  return Sha256Of({std::string_view(&prefix, 1), data});
}

MerkleHash MerkleNodeHash(const MerkleHash& left, const MerkleHash& right) {
  const char prefix = static_cast<char>(kNodePrefix);
  return Sha256Of({std::string_view(&prefix, 1), View(left), View(right)});
}

MerkleHash MerkleEmptyRoot() { return Sha256Of({}); }

std::string MerkleHex(const MerkleHash& hash) { return HexEncode(View(hash)); }

std::optional<MerkleHash> MerkleHashFromHex(std::string_view hex) {
  std::optional<std::string> raw = HexDecode(hex);
  if (!raw || raw->size() != MerkleHash().size()) return std::nullopt;
  MerkleHash out{};
  std::memcpy(out.data(), raw->data(), out.size());
  return out;
}

bool VerifyMerkleInclusion(std::int64_t leaf_index, std::int64_t tree_size, const MerkleHash& leaf_hash,
                           const std::vector<MerkleHash>& audit_path, const MerkleHash& root) {
  // RFC 9162 §2.1.3.2, step by step.
  if (leaf_index < 0 || tree_size < 1 || leaf_index >= tree_size) return false;
  std::int64_t fn = leaf_index;
  std::int64_t sn = tree_size - 1;
  MerkleHash r = leaf_hash;
  for (const MerkleHash& p : audit_path) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = MerkleNodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

Status MerkleTreeBuilder::RequestProofs(std::int64_t tree_size, const std::vector<std::int64_t>& leaf_indices) {
  if (proofs_requested_) return Status::Invalid("proofs", "proofs were requested already");
  if (size_ != 0) return Status::Invalid("proofs", "proofs must be requested before the first leaf");
  if (tree_size < 1) return Status::Invalid("tree_size", "a proof needs a tree of at least one leaf");
  for (std::int64_t m : leaf_indices) {
    if (m < 0 || m >= tree_size) {
      return Status::Invalid(
          "leaf_index", "leaf " + std::to_string(m) + " is outside a tree of " + std::to_string(tree_size) + " leaves");
    }
  }
  proofs_requested_ = true;
  proof_tree_size_ = tree_size;
  for (std::int64_t m : leaf_indices) {
    if (proof_plans_.count(m)) continue;
    std::vector<std::vector<SubtreeId>> plan;
    CollectPath(m, 0, tree_size, &plan);
    for (const auto& node : plan) wanted_.insert(node.begin(), node.end());
    proof_plans_.emplace(m, std::move(plan));
  }
  return Status::Ok();
}

void MerkleTreeBuilder::Append(std::string_view leaf_data) { AppendLeafHash(MerkleLeafHash(leaf_data)); }

void MerkleTreeBuilder::AppendLeafHash(const MerkleHash& leaf_hash) {
  const std::int64_t index = size_++;
  Keep(0, index, leaf_hash);
  frontier_.emplace_back(0, leaf_hash);
  // Two complete subtrees of one size side by side make one of twice that.
  while (frontier_.size() >= 2 && frontier_[frontier_.size() - 2].first == frontier_.back().first) {
    const int level = frontier_.back().first + 1;
    const MerkleHash merged = MerkleNodeHash(frontier_[frontier_.size() - 2].second, frontier_.back().second);
    frontier_.pop_back();
    frontier_.back() = {level, merged};
    Keep(level, (size_ >> level) - 1, merged);
  }
}

MerkleHash MerkleTreeBuilder::Root() const {
  if (frontier_.empty()) return MerkleEmptyRoot();
  // RFC 9162 splits at the largest power of two: the frontier's subtrees
  // are those splits, so the root folds them from the right.
  MerkleHash root = frontier_.back().second;
  for (auto it = frontier_.rbegin() + 1; it != frontier_.rend(); ++it) root = MerkleNodeHash(it->second, root);
  return root;
}

Result<std::vector<MerkleHash>> MerkleTreeBuilder::InclusionProof(std::int64_t leaf_index) const {
  auto plan = proof_plans_.find(leaf_index);
  if (plan == proof_plans_.end()) {
    return Status::Invalid("leaf_index", "no proof was requested for leaf " + std::to_string(leaf_index));
  }
  if (size_ != proof_tree_size_) {
    return Status::Invalid("tree_size", "the tree has " + std::to_string(size_) +
                                            " leaves, the proof was requested for " + std::to_string(proof_tree_size_));
  }
  std::vector<MerkleHash> path;
  path.reserve(plan->second.size());
  for (const auto& node : plan->second) {
    Result<MerkleHash> hash = NodeOf(node);
    if (!hash.ok()) return hash.status();
    path.push_back(*hash);
  }
  return path;
}

std::vector<MerkleTreeBuilder::SubtreeId> MerkleTreeBuilder::Pieces(std::int64_t begin, std::int64_t end) {
  // A node of an RFC 9162 tree is a complete subtree, or lies on the right
  // edge and starts at a multiple of a power of two at least its size: its
  // hash folds the complete subtrees of its size's binary digits, largest
  // first.
  std::vector<SubtreeId> pieces;
  while (begin < end) {
    int level = 0;
    while ((std::int64_t{2} << level) <= end - begin && begin % (std::int64_t{2} << level) == 0) ++level;
    pieces.emplace_back(level, begin >> level);
    begin += std::int64_t{1} << level;
  }
  return pieces;
}

void MerkleTreeBuilder::CollectPath(std::int64_t m, std::int64_t begin, std::int64_t end,
                                    std::vector<std::vector<SubtreeId>>* path) const {
  if (end - begin <= 1) return;
  const std::int64_t k = SplitPoint(end - begin);
  if (m < begin + k) {
    CollectPath(m, begin, begin + k, path);
    path->push_back(Pieces(begin + k, end));
  } else {
    CollectPath(m, begin + k, end, path);
    path->push_back(Pieces(begin, begin + k));
  }
}

void MerkleTreeBuilder::Keep(int level, std::int64_t index, const MerkleHash& hash) {
  if (wanted_.count({level, index})) kept_[{level, index}] = hash;
}

Result<MerkleHash> MerkleTreeBuilder::NodeOf(const std::vector<SubtreeId>& pieces) const {
  if (pieces.empty()) return Status::Internal("an empty node in a proof plan");
  std::vector<MerkleHash> hashes;
  for (const SubtreeId& id : pieces) {
    auto it = kept_.find(id);
    if (it == kept_.end()) return Status::Internal("a subtree of a proof was not kept");
    hashes.push_back(it->second);
  }
  MerkleHash node = hashes.back();
  for (auto it = hashes.rbegin() + 1; it != hashes.rend(); ++it) node = MerkleNodeHash(*it, node);
  return node;
}

}  // namespace aftersales
