// The Merkle tree of RFC 9162 (Certificate Transparency v2) §2.1 over a
// stream of leaves: its root hash (MTH) and inclusion proofs (audit paths),
// computed in one pass with memory for O(log n) hashes plus the hashes the
// requested proofs need, so that a log of millions of entries never has to
// be held in memory.
//
//   leaf hash  = SHA-256(0x00 || leaf data)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
//
// The audit log's tree takes as leaf data the 32 raw bytes of each entry's
// `hash`, in seq order (leaf index = seq - 1); see engine/audit_checkpoint.h.
// Values and pure functions; a MerkleTreeBuilder belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/status.h"

namespace aftersales {

using MerkleHash = std::array<unsigned char, 32>;

// SHA-256(0x00 || data).
MerkleHash MerkleLeafHash(std::string_view data);
// SHA-256(0x01 || left || right).
MerkleHash MerkleNodeHash(const MerkleHash& left, const MerkleHash& right);
// The root of the empty tree, SHA-256("").
MerkleHash MerkleEmptyRoot();

// Lowercase hex of `hash`.
std::string MerkleHex(const MerkleHash& hash);
// The hash 64 lowercase hex digits spell; nullopt for anything else.
std::optional<MerkleHash> MerkleHashFromHex(std::string_view hex);

// RFC 9162 §2.1.3.2: whether `audit_path` proves that the leaf whose leaf
// hash is `leaf_hash` is leaf `leaf_index` of the tree of `tree_size`
// leaves whose root is `root`. False for an index outside the tree.
bool VerifyMerkleInclusion(std::int64_t leaf_index, std::int64_t tree_size, const MerkleHash& leaf_hash,
                           const std::vector<MerkleHash>& audit_path, const MerkleHash& root);

// Builds the tree leaf by leaf. Root() is the root of the leaves appended so
// far; proofs are gathered on the way for the leaves asked for beforehand.
class MerkleTreeBuilder {
 public:
  MerkleTreeBuilder() = default;

  // Asks for the audit paths of `leaf_indices` in the tree of `tree_size`
  // leaves, to be read with InclusionProof() once exactly `tree_size`
  // leaves were appended. Call before the first Append. Errors:
  // validation_failed (a second call, a call after Append, an index
  // outside the tree).
  Status RequestProofs(std::int64_t tree_size, const std::vector<std::int64_t>& leaf_indices);

  // Appends a leaf given by its data (hashed as a leaf here).
  void Append(std::string_view leaf_data);
  // Appends a leaf given by its leaf hash.
  void AppendLeafHash(const MerkleHash& leaf_hash);

  // Leaves appended so far.
  std::int64_t size() const { return size_; }
  // The root hash of the leaves appended so far (MerkleEmptyRoot() for none).
  MerkleHash Root() const;

  // The audit path of `leaf_index`, nearest the leaf first, as RFC 9162
  // §2.1.3.1 defines it. Errors: validation_failed (not requested, or the
  // tree does not have the requested size now).
  Result<std::vector<MerkleHash>> InclusionProof(std::int64_t leaf_index) const;

 private:
  // A complete subtree of 2^level leaves starting at leaf index << level.
  using SubtreeId = std::pair<int, std::int64_t>;  // (level, index)

  // The complete subtrees whose hashes make up the hash of the node that
  // covers leaves [begin, end) in a tree of proof_tree_size_ leaves, left
  // to right.
  static std::vector<SubtreeId> Pieces(std::int64_t begin, std::int64_t end);
  // Appends to `path` the RFC 9162 PATH(m, D[begin:end]) as lists of pieces.
  void CollectPath(std::int64_t m, std::int64_t begin, std::int64_t end,
                   std::vector<std::vector<SubtreeId>>* path) const;
  // Records `hash` when the complete subtree (level, index) is wanted.
  void Keep(int level, std::int64_t index, const MerkleHash& hash);
  // The hash of the node made of `pieces` (all kept).
  Result<MerkleHash> NodeOf(const std::vector<SubtreeId>& pieces) const;

  std::int64_t size_ = 0;
  // Complete subtrees not yet merged: strictly decreasing levels, left to right.
  std::vector<std::pair<int, MerkleHash>> frontier_;

  bool proofs_requested_ = false;
  std::int64_t proof_tree_size_ = 0;
  std::map<std::int64_t, std::vector<std::vector<SubtreeId>>> proof_plans_;  // by leaf index
  std::set<SubtreeId> wanted_;
  std::map<SubtreeId, MerkleHash> kept_;
};

}  // namespace aftersales
