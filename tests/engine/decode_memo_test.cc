// DecodeMemo: found only by key and whole text, bounded by its slots, safe
// to share between threads.
#include <catch2/catch.hpp>

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
