#include "engine/crypto.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace aftersales {
namespace {

// Lowercase hex of raw bytes, written out here so that the test does not
// depend on the code under test.
std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

bool IsLowerHex(const std::string& s) { return s.find_first_not_of("0123456789abcdef") == std::string::npos; }

TEST_CASE("Sha256Hex matches the FIPS 180-2 examples", "[crypto]") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("Sha256Hex hashes embedded NUL bytes", "[crypto]") {
  const std::string with_nul("a\0b", 3);
  CHECK(Sha256Hex(with_nul) != Sha256Hex("ab"));
  CHECK(Sha256Hex(with_nul).size() == 64);
}

TEST_CASE("HmacSha256Hex matches RFC 4231", "[crypto]") {
  SECTION("test case 1") {
    CHECK(HmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("test case 2") {
    CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("test case 6: a key longer than the block size") {
    CHECK(HmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
  SECTION("an empty key is allowed") {
    CHECK(HmacSha256Hex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  }
}

TEST_CASE("RandomHex returns fresh lowercase hex of the asked length", "[crypto]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string r = RandomHex(16);
    CHECK(r.size() == 32);
    CHECK(IsLowerHex(r));
    seen.insert(r);
  }
  CHECK(seen.size() == 100);
  CHECK(RandomHex(0).empty());
}

TEST_CASE("RandomIdHex hands out every id once, across blocks and threads", "[crypto][concurrency]") {
  // 4 threads, 3,000 ids each of 12 and 7 bytes: several 4 KiB blocks per
  // thread, and blocks whose rest is shorter than the id asked for.
  std::vector<std::vector<std::string>> drawn(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < drawn.size(); ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < 3000; ++i) drawn[t].push_back(RandomIdHex(i % 2 == 0 ? 12 : 7));
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> seen;
  std::size_t total = 0;
  bool all_hex_of_their_length = true;
  for (const auto& ids : drawn) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      all_hex_of_their_length = all_hex_of_their_length && IsLowerHex(ids[i]) && ids[i].size() == (i % 2 == 0 ? 24u : 14u);
      seen.insert(ids[i]);
      ++total;
    }
  }
  CHECK(all_hex_of_their_length);
  CHECK(seen.size() == total);
  // Longer than a quarter block: drawn from the generator directly.
  CHECK(RandomIdHex(2000).size() == 4000);
  CHECK(RandomIdHex(0).empty());
}

TEST_CASE("RandomIdHex in a forked child does not repeat its parent's next id", "[crypto]") {
  RandomIdHex(12);  // the buffer now holds bytes not yet handed out
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string id = RandomIdHex(12);
    const bool written = ::write(fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  std::string from_child(24, '\0');
  std::size_t got = 0;
  while (got < from_child.size()) {
    const ssize_t n = ::read(fds[0], &from_child[got], from_child.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(got == from_child.size());
  CHECK(WIFEXITED(status));
  CHECK(from_child != RandomIdHex(12));
}

TEST_CASE("ConstantTimeEquals compares exactly", "[crypto]") {
  CHECK(ConstantTimeEquals("", ""));
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "ab"));
  CHECK_FALSE(ConstantTimeEquals("", "a"));
  CHECK_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("VerifyPassword accepts PBKDF2-HMAC-SHA256 known vectors", "[crypto]") {
  // RFC 7914 §11 and the widely published PBKDF2-HMAC-SHA256 vectors for
  // P = "password", S = "salt".
  const std::string salt = Hex("salt");
  CHECK(VerifyPassword(
      "password", "pbkdf2-sha256$1$" + salt + "$120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
  CHECK(VerifyPassword(
      "password", "pbkdf2-sha256$2$" + salt + "$ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"));
  CHECK(VerifyPassword(
      "password", "pbkdf2-sha256$4096$" + salt + "$c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"));
  // RFC 7914 §11: P = "passwd", S = "salt", c = 1 (first 32 bytes of the 64).
  CHECK(VerifyPassword(
      "passwd", "pbkdf2-sha256$1$" + salt + "$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"));
  CHECK_FALSE(VerifyPassword(
      "Password", "pbkdf2-sha256$1$" + salt + "$120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
}

TEST_CASE("HashPassword round-trips and salts every hash", "[crypto]") {
  constexpr int kFewIterations = 1000;  // the real count is slow on purpose
  const std::string stored = HashPassword("correct horse battery staple", kFewIterations);
  CHECK(stored.rfind("pbkdf2-sha256$1000$", 0) == 0);
  CHECK(stored.size() == std::string("pbkdf2-sha256$1000$").size() + 32 + 1 + 64);
  CHECK(VerifyPassword("correct horse battery staple", stored));
  CHECK_FALSE(VerifyPassword("correct horse battery stapl", stored));
  CHECK_FALSE(VerifyPassword("", stored));
  CHECK(HashPassword("correct horse battery staple", kFewIterations) != stored);

  const std::string empty = HashPassword("", kFewIterations);
  CHECK(VerifyPassword("", empty));
  CHECK_FALSE(VerifyPassword(" ", empty));
}

TEST_CASE("HashPassword uses the default iteration count", "[crypto]") {
  const std::string stored = HashPassword("pw");
  CHECK(stored.rfind("pbkdf2-sha256$" + std::to_string(kPasswordIterations) + "$", 0) == 0);
  CHECK(VerifyPassword("pw", stored));
}

TEST_CASE("VerifyPassword refuses malformed stored strings", "[crypto]") {
  const std::string good = HashPassword("pw", 10);
  REQUIRE(VerifyPassword("pw", good));
  const auto parts_at = [&](int n) {
    std::size_t pos = 0;
    for (int i = 0; i < n; ++i) pos = good.find('$', pos) + 1;
    return pos;
  };
  const std::string salt = good.substr(parts_at(2), 32);
  const std::string hash = good.substr(parts_at(3));

  CHECK_FALSE(VerifyPassword("pw", ""));
  CHECK_FALSE(VerifyPassword("pw", "pw"));
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha1$10$" + salt + "$" + hash));                // other scheme
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$" + salt));                           // too few parts
  CHECK_FALSE(VerifyPassword("pw", good + "$00"));                                         // too many parts
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$x$" + salt + "$" + hash));               // iterations not a number
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$0$" + salt + "$" + hash));               // zero iterations
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$-10$" + salt + "$" + hash));             // negative
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$010$" + salt + "$" + hash));             // leading zero
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10 $" + salt + "$" + hash));             // trailing junk
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$99999999999$" + salt + "$" + hash));     // absurd count
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$$" + hash));                          // empty salt
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$" + salt.substr(1) + "$" + hash));    // odd hex
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$zz" + salt.substr(2) + "$" + hash));  // not hex
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$" + salt + "$" + hash.substr(2)));    // short hash
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$" + salt + "$" + hash + "00"));       // long hash
  std::string flipped = hash;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  CHECK_FALSE(VerifyPassword("pw", "pbkdf2-sha256$10$" + salt + "$" + flipped));  // wrong hash
}

}  // namespace
}  // namespace aftersales
