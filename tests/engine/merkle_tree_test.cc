// The RFC 9162 Merkle tree: the published Certificate Transparency test
// vectors, and roots and audit paths against the RFC's recursive
// definitions, written out again here, for every leaf of every size 1..17.
#include "engine/audit/merkle_tree.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "engine/crypto.h"

namespace aftersales {
namespace {

// The CT reference leaves (certificate-transparency merkle_tree_test.cc,
// transparency-dev/merkle testonly) and the roots of their first n.
const std::vector<std::string> kReferenceLeavesHex = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kReferenceRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // empty tree
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::string Bytes(const std::string& hex) {
  std::optional<std::string> raw = HexDecode(hex);
  REQUIRE(raw.has_value());
  return *raw;
}

MerkleHash Hash(const std::string& hex) {
  std::optional<MerkleHash> h = MerkleHashFromHex(hex);
  REQUIRE(h.has_value());
  return *h;
}

std::vector<std::string> Hexes(const std::vector<MerkleHash>& hashes) {
  std::vector<std::string> out;
  for (const MerkleHash& h : hashes) out.push_back(MerkleHex(h));
  return out;
}

// ---- RFC 9162 §2.1.1 and §2.1.3.1, recursively, as the RFC writes them ----

std::int64_t LargestPowerOfTwoBelow(std::int64_t n) {
  std::int64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

MerkleHash ReferenceRoot(const std::vector<std::string>& d, std::size_t begin, std::size_t end) {
  if (end == begin) return MerkleEmptyRoot();
  if (end - begin == 1) return MerkleLeafHash(d[begin]);
  const auto k = static_cast<std::size_t>(LargestPowerOfTwoBelow(static_cast<std::int64_t>(end - begin)));
  return MerkleNodeHash(ReferenceRoot(d, begin, begin + k), ReferenceRoot(d, begin + k, end));
}

std::vector<MerkleHash> ReferencePath(std::size_t m, const std::vector<std::string>& d, std::size_t begin,
                                      std::size_t end) {
  if (end - begin <= 1) return {};
  const auto k = static_cast<std::size_t>(LargestPowerOfTwoBelow(static_cast<std::int64_t>(end - begin)));
  std::vector<MerkleHash> path;
  if (m < k) {
    path = ReferencePath(m, d, begin, begin + k);
    path.push_back(ReferenceRoot(d, begin + k, end));
  } else {
    path = ReferencePath(m - k, d, begin + k, end);
    path.push_back(ReferenceRoot(d, begin, begin + k));
  }
  return path;
}

// 32-byte leaves like the audit log's (distinct entry hashes).
std::vector<std::string> EntryLikeLeaves(int n) {
  std::vector<std::string> leaves;
  for (int i = 0; i < n; ++i) leaves.push_back(Sha256Raw("entry " + std::to_string(i)));
  return leaves;
}

TEST_CASE("merkle: the empty tree and the CT reference roots", "[merkle]") {
  CHECK(MerkleHex(MerkleTreeBuilder().Root()) == kReferenceRoots[0]);
  MerkleTreeBuilder tree;
  for (std::size_t n = 1; n <= kReferenceLeavesHex.size(); ++n) {
    tree.Append(Bytes(kReferenceLeavesHex[n - 1]));
    INFO("size " << n);
    CHECK(tree.size() == static_cast<std::int64_t>(n));
    CHECK(MerkleHex(tree.Root()) == kReferenceRoots[n]);
  }
  // The leaf and node prefixes: the root of one leaf is its leaf hash; of
  // two, the node hash of both.
  CHECK(MerkleHex(MerkleLeafHash("")) == kReferenceRoots[1]);
  CHECK(MerkleHex(MerkleNodeHash(MerkleLeafHash(""), MerkleLeafHash(Bytes("00")))) == kReferenceRoots[2]);
}

TEST_CASE("merkle: the CT reference audit paths", "[merkle]") {
  struct Vector {
    std::int64_t leaf;
    std::int64_t size;
    std::vector<std::string> path;
  };
  // certificate-transparency cpp/merkletree/merkle_tree_test.cc (0-based leaves).
  const std::vector<Vector> vectors = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Vector& v : vectors) {
    INFO("leaf " << v.leaf << " of " << v.size);
    MerkleTreeBuilder tree;
    REQUIRE(tree.RequestProofs(v.size, {v.leaf}).ok());
    for (std::int64_t i = 0; i < v.size; ++i) tree.Append(Bytes(kReferenceLeavesHex[static_cast<std::size_t>(i)]));
    Result<std::vector<MerkleHash>> path = tree.InclusionProof(v.leaf);
    REQUIRE(path.ok());
    CHECK(Hexes(*path) == v.path);
    CHECK(VerifyMerkleInclusion(v.leaf, v.size,
                                MerkleLeafHash(Bytes(kReferenceLeavesHex[static_cast<std::size_t>(v.leaf)])), *path,
                                Hash(kReferenceRoots[static_cast<std::size_t>(v.size)])));
  }
}

TEST_CASE("merkle: every leaf of every size 1..17 proves against the root, as the RFC defines both", "[merkle]") {
  constexpr int kMaxSize = 17;
  const std::vector<std::string> leaves = EntryLikeLeaves(kMaxSize);
  for (int n = 1; n <= kMaxSize; ++n) {
    std::vector<std::int64_t> all;
    for (int m = 0; m < n; ++m) all.push_back(m);
    MerkleTreeBuilder tree;
    REQUIRE(tree.RequestProofs(n, all).ok());
    for (int i = 0; i < n; ++i) tree.Append(leaves[static_cast<std::size_t>(i)]);
    const MerkleHash root = tree.Root();
    INFO("size " << n);
    REQUIRE(MerkleHex(root) == MerkleHex(ReferenceRoot(leaves, 0, static_cast<std::size_t>(n))));
    for (int m = 0; m < n; ++m) {
      INFO("leaf " << m);
      Result<std::vector<MerkleHash>> path = tree.InclusionProof(m);
      REQUIRE(path.ok());
      CHECK(Hexes(*path) == Hexes(ReferencePath(static_cast<std::size_t>(m), leaves, 0, static_cast<std::size_t>(n))));
      const MerkleHash leaf = MerkleLeafHash(leaves[static_cast<std::size_t>(m)]);
      CHECK(VerifyMerkleInclusion(m, n, leaf, *path, root));

      // Nothing else proves: another leaf, index or root, an index outside the
      // tree, or a changed path. (The tree size alone is not bound by a path:
      // the root is what binds it.)
      const MerkleHash other_leaf = MerkleLeafHash(leaves[static_cast<std::size_t>((m + 1) % n)]);
      if (n > 1) CHECK_FALSE(VerifyMerkleInclusion(m, n, other_leaf, *path, root));
      if (n > 1) CHECK_FALSE(VerifyMerkleInclusion((m + 1) % n, n, leaf, *path, root));
      CHECK_FALSE(VerifyMerkleInclusion(m, n, leaf, *path, MerkleLeafHash("not the root")));
      CHECK_FALSE(VerifyMerkleInclusion(n, n, leaf, *path, root));
      CHECK_FALSE(VerifyMerkleInclusion(-1, n, leaf, *path, root));
      if (!path->empty()) {
        std::vector<MerkleHash> changed = *path;
        changed.front()[0] ^= 1;
        CHECK_FALSE(VerifyMerkleInclusion(m, n, leaf, changed, root));
        std::vector<MerkleHash> shorter(path->begin(), path->end() - 1);
        CHECK_FALSE(VerifyMerkleInclusion(m, n, leaf, shorter, root));
      }
      std::vector<MerkleHash> longer = *path;
      longer.push_back(root);
      CHECK_FALSE(VerifyMerkleInclusion(m, n, leaf, longer, root));
    }
  }
}

TEST_CASE("merkle: the root while growing equals the root of each prefix", "[merkle]") {
  const std::vector<std::string> leaves = EntryLikeLeaves(70);
  MerkleTreeBuilder tree;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    INFO("size " << n);
    CHECK(MerkleHex(tree.Root()) == MerkleHex(ReferenceRoot(leaves, 0, n)));
  }
}

TEST_CASE("merkle: proofs in a larger tree match the reference for a sample of leaves", "[merkle]") {
  constexpr int kSize = 1000;
  const std::vector<std::string> leaves = EntryLikeLeaves(kSize);
  const std::vector<std::int64_t> sample = {0, 1, 2, 255, 256, 511, 512, 767, 998, 999};
  MerkleTreeBuilder tree;
  REQUIRE(tree.RequestProofs(kSize, sample).ok());
  for (const std::string& leaf : leaves) tree.Append(leaf);
  for (std::int64_t m : sample) {
    INFO("leaf " << m);
    Result<std::vector<MerkleHash>> path = tree.InclusionProof(m);
    REQUIRE(path.ok());
    CHECK(Hexes(*path) == Hexes(ReferencePath(static_cast<std::size_t>(m), leaves, 0, kSize)));
    CHECK(VerifyMerkleInclusion(m, kSize, MerkleLeafHash(leaves[static_cast<std::size_t>(m)]), *path, tree.Root()));
  }
}

TEST_CASE("merkle: proofs are read only at the size they were asked for", "[merkle]") {
  const std::vector<std::string> leaves = EntryLikeLeaves(5);
  MerkleTreeBuilder tree;
  CHECK_FALSE(tree.RequestProofs(5, {5}).ok());
  CHECK_FALSE(tree.RequestProofs(0, {}).ok());
  REQUIRE(tree.RequestProofs(5, {1, 4}).ok());
  CHECK_FALSE(tree.RequestProofs(5, {2}).ok());  // once only
  for (int i = 0; i < 4; ++i) tree.Append(leaves[static_cast<std::size_t>(i)]);
  CHECK_FALSE(tree.InclusionProof(1).ok());  // 4 leaves, asked for 5
  tree.Append(leaves[4]);
  CHECK(tree.InclusionProof(1).ok());
  CHECK(tree.InclusionProof(4).ok());
  CHECK_FALSE(tree.InclusionProof(2).ok());  // not asked for
}

TEST_CASE("merkle: hashes read back from hex, and nothing else does", "[merkle]") {
  const MerkleHash h = MerkleLeafHash("x");
  CHECK(MerkleHashFromHex(MerkleHex(h)) == h);
  CHECK_FALSE(MerkleHashFromHex("").has_value());
  CHECK_FALSE(MerkleHashFromHex(MerkleHex(h).substr(2)).has_value());
  std::string upper = MerkleHex(h);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != MerkleHex(h)) CHECK_FALSE(MerkleHashFromHex(upper).has_value());
  CHECK_FALSE(MerkleHashFromHex(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace aftersales
