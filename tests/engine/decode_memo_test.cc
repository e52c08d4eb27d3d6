// DecodeMemo: found only by key and whole text, bounded by its slots, safe
// to share between threads.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/decode_memo.h"

namespace aftersales {
namespace {

TEST_CASE("a decode memo answers only for the key and the text it remembered", "[engine]") {
  DecodeMemo<int, 32> memo;
  CHECK(memo.Find("o1", "[]") == nullptr);
  memo.Remember("o1", "[1]", std::make_shared<const int>(1));
  REQUIRE(memo.Find("o1", "[1]") != nullptr);
  CHECK(*memo.Find("o1", "[1]") == 1);
  CHECK(memo.Find("o1", "[1] ") == nullptr);  // another text of the same key
  CHECK(memo.Find("o1", "[2]") == nullptr);
  CHECK(memo.Find("o2", "[1]") == nullptr);  // the same text of another key
  // A newer text takes the key's slot.
  memo.Remember("o1", "[2]", std::make_shared<const int>(2));
  CHECK(memo.Find("o1", "[1]") == nullptr);
  CHECK(*memo.Find("o1", "[2]") == 2);
  // More keys than slots: each answers its own value or nothing, never another's.
  for (int i = 0; i < 200; ++i) memo.Remember("k" + std::to_string(i), "t", std::make_shared<const int>(i));
  int found = 0;
  for (int i = 0; i < 200; ++i) {
    auto v = memo.Find("k" + std::to_string(i), "t");
    if (v == nullptr) continue;
    CHECK(*v == i);
    ++found;
  }
  CHECK(found > 0);
  CHECK(found <= 32);
}

// Keys "k0", "k1", ... whose slots `match` accepts, the first `n` of them.
template <class Memo, class Match>
std::vector<std::string> KeysWhere(std::size_t n, Match match) {
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < n && i < 1000000; ++i) {
    const std::string key = "k" + std::to_string(i);
    if (match(Memo::SlotsOf(key))) keys.push_back(key);
  }
  REQUIRE(keys.size() == n);
  return keys;
}

TEST_CASE("a decode memo keeps two keys of one slot, and evicts the one used longer ago", "[engine]") {
  using Memo = DecodeMemo<int, 32>;
  const auto home = Memo::SlotsOf("k0");
  CHECK(home[0] != home[1]);
  // Two keys whose first slot is the same: both stay.
  const auto pair = KeysWhere<Memo>(2, [&](const std::array<std::size_t, 2>& s) { return s[0] == home[0]; });
  Memo memo;
  memo.Remember(pair[0], "t", std::make_shared<const int>(0));
  memo.Remember(pair[1], "t", std::make_shared<const int>(1));
  REQUIRE(memo.Find(pair[0], "t") != nullptr);
  REQUIRE(memo.Find(pair[1], "t") != nullptr);
  CHECK(*memo.Find(pair[0], "t") == 0);
  CHECK(*memo.Find(pair[1], "t") == 1);

  // Three keys with the same two slots: the third takes the slot of the
  // one found or written longer ago.
  const auto three = KeysWhere<Memo>(3, [&](const std::array<std::size_t, 2>& s) { return s == home; });
  Memo lru;
  lru.Remember(three[0], "t", std::make_shared<const int>(0));
  lru.Remember(three[1], "t", std::make_shared<const int>(1));
  REQUIRE(lru.Find(three[0], "t") != nullptr);  // three[0] is now the more recently used
  lru.Remember(three[2], "t", std::make_shared<const int>(2));
  CHECK(lru.Find(three[1], "t") == nullptr);
  REQUIRE(lru.Find(three[0], "t") != nullptr);
  REQUIRE(lru.Find(three[2], "t") != nullptr);
  CHECK(*lru.Find(three[0], "t") == 0);
  CHECK(*lru.Find(three[2], "t") == 2);
  // The other way round: the key found last stays, the older one goes,
  // whichever of the two slots it is in.
  Memo lru2;
  lru2.Remember(three[0], "t", std::make_shared<const int>(0));
  lru2.Remember(three[1], "t", std::make_shared<const int>(1));
  REQUIRE(lru2.Find(three[1], "t") != nullptr);  // three[1] is now the more recently used
  lru2.Remember(three[2], "t", std::make_shared<const int>(2));
  CHECK(lru2.Find(three[0], "t") == nullptr);
  CHECK(lru2.Find(three[1], "t") != nullptr);
  CHECK(lru2.Find(three[2], "t") != nullptr);
  // A newer text of a key takes that key's own slot, not the other key's.
  lru.Remember(three[0], "u", std::make_shared<const int>(10));
  CHECK(lru.Find(three[0], "t") == nullptr);
  REQUIRE(lru.Find(three[0], "u") != nullptr);
  REQUIRE(lru.Find(three[2], "t") != nullptr);
}

TEST_CASE("a decode memo is shared by threads", "[engine][concurrency]") {
  DecodeMemo<std::string, 64> memo;
  std::atomic<int> wrong{0}, hits{0};  // Catch2's assertions are for one thread: counted here
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&memo, &wrong, &hits, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "k" + std::to_string(i % 100);
        const std::string text = std::to_string(t) + ":" + std::to_string(i);
        memo.Remember(key, text, std::make_shared<const std::string>(text));
        if (auto v = memo.Find(key, text)) {
          ++hits;
          if (*v != text) ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(hits > 0);
}

}  // namespace
}  // namespace aftersales
