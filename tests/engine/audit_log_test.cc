#include "engine/audit/audit_log.h"

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/crypto.h"
#include "engine/store/forwarding_store.h"
#include "support/audit_tamper.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace aftersales {
namespace {

using nlohmann::json;

const TimePoint kStart = *ParseTime("2026-11-27T06:23:46Z");

// ---------------------------------------------------------------------------
// CanonicalJson

std::string Canon(const json& v) {
  Result<std::string> c = CanonicalJson(v);
  REQUIRE(c.ok());
  return *c;
}

TEST_CASE("CanonicalJson sorts keys and drops whitespace", "[audit]") {
  const json v = json::parse(R"( { "b" : 1, "a" : [ true, false, null, { "z": "x", "y": -5 } ], "c": {} , "d": [] } )");
  CHECK(Canon(v) == R"({"a":[true,false,null,{"y":-5,"z":"x"}],"b":1,"c":{},"d":[]})");
  CHECK(Canon(json(nullptr)) == "null");
  CHECK(Canon(json(0)) == "0");
  CHECK(Canon(json(-0)) == "0");
  CHECK(Canon(json("")) == R"("")");
}

TEST_CASE("CanonicalJson escapes strings as RFC 8785 says", "[audit]") {
  // Only '"', '\\' and U+0000..U+001F are escaped; the short forms where JSON
  // has them, else \u00xx in lower case. '/', DEL, U+2028 and non-ASCII pass.
  const std::string input =
      std::string("q\" b\\ \b\f\n\r\t ") + std::string(1, '\0') + "\x01\x1f\x7f / é € \xE2\x80\xA8 😀";
  const std::string expected = "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0000\\u0001\\u001f\x7f / é € \xE2\x80\xA8 😀\"";
  CHECK(Canon(json(input)) == expected);
}

TEST_CASE("CanonicalJson orders keys by UTF-16 code units", "[audit]") {
  // The property-sorting example of RFC 8785 §3.2.3. U+1F600 (a surrogate
  // pair, D83D DE00) sorts before U+FB33 in UTF-16, after it in UTF-8.
  const json v = {{"\xE2\x82\xAC", "Euro Sign"},
                  {"\r", "Carriage Return"},
                  {"\xEF\xAC\xB3", "Hebrew Letter Dalet With Dagesh"},
                  {"1", "One"},
                  {"\xF0\x9F\x98\x80", "Emoji: Grinning Face"},
                  {"\xC2\x80", "Control"},
                  {"\xC3\xB6", "Latin Small Letter O With Diaeresis"}};
  const std::string expected = std::string("{") + R"("\r":"Carriage Return",)" + R"("1":"One",)" +
                               "\"\xC2\x80\":\"Control\"," + "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\"," +
                               "\"\xE2\x82\xAC\":\"Euro Sign\"," + "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\"," +
                               "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}";
  CHECK(Canon(v) == expected);
}

TEST_CASE("CanonicalJson writes integers in decimal and refuses what it cannot represent", "[audit]") {
  constexpr std::int64_t kMaxSafe = (std::int64_t{1} << 53) - 1;
  CHECK(Canon(json(kMaxSafe)) == "9007199254740991");
  CHECK(Canon(json(-kMaxSafe)) == "-9007199254740991");
  CHECK(Canon(json(std::uint64_t{42})) == "42");

  for (const json& bad : {json(1.5), json(1.0), json::parse("1e2"), json(kMaxSafe + 1), json(-kMaxSafe - 1),
                          json(std::uint64_t{1} << 63), json({{"a", {{"b", 0.25}}}}), json::array({0.0})}) {
    INFO(bad.dump());
    Result<std::string> c = CanonicalJson(bad);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kValidationFailed);
  }
}

TEST_CASE("CanonicalJson refuses invalid UTF-8", "[audit]") {
  for (const std::string& bad : {std::string("\xff"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
                                 std::string("\xE2\x82"), std::string("\xF4\x90\x80\x80")}) {
    CHECK_FALSE(CanonicalJson(json(bad)).ok());
    CHECK_FALSE(CanonicalJson(json{{bad, 1}}).ok());
  }
}

// ---------------------------------------------------------------------------
// The hash of SPEC §7 on hand-written fixtures.

constexpr const char* kFixture1Canonical =
    R"({"action":"order_created","actor":{"id":"cli","role":"admin"},"at":"2026-11-27T06:23:46Z","case_id":null,)"
    R"("data":{"buyer_id":"b-1","currency":"CNY","lines":[{"line_id":"l1","no_reason_return":true,"paid":1000,)"
    R"("qty":2,"sku":"SKU-1"}],"order_id":"o-1","paid_total":1000,"shipping_paid":0},"from_state":null,)"
    R"("prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"to_state":null})";
// SHA-256 of the 64 zeros followed by kFixture1Canonical, computed apart
// from this code base.
constexpr const char* kFixture1Hash = "da0607ecddd512cd989576315158664a28f72fe24f1ea2559c2179a2e0983b9b";
constexpr const char* kFixture2Hash = "60fb0d7500526b480000c613ea228042e1aa96518e9118803c35012404e0064b";

AuditRecord Fixture1Record() {
  AuditRecord r;
  r.at = kStart;
  r.actor_id = "cli";
  r.actor_role = "admin";
  r.action = "order_created";
  r.data = json::parse(R"({"order_id":"o-1","buyer_id":"b-1","currency":"CNY",
      "lines":[{"line_id":"l1","sku":"SKU-1","qty":2,"paid":1000,"no_reason_return":true}],
      "shipping_paid":0,"paid_total":1000})");
  return r;
}

AuditRecord Fixture2Record() {
  AuditRecord r;
  r.at = kStart + 2 * kDay;
  r.actor_id = "system";
  r.actor_role = "system";
  r.case_id = "c-9";
  r.action = "timeout";
  r.from_state = "requested";
  r.to_state = "refunding";
  r.data = {{"deadline", "merchant_response"},
            {"due_at", "2026-11-29T06:23:46Z"},
            {"label", "a\"b\\c\nd\x01\xC3\xA9\xE2\x82\xAC"}};
  return r;
}

TEST_CASE("ComputeHash equals the hash of a hand-computed canonical entry", "[audit]") {
  CHECK(Sha256Hex(std::string(kGenesisHash) + kFixture1Canonical) == kFixture1Hash);

  AuditRow row;
  row.seq = 1;
  row.at = "2026-11-27T06:23:46Z";
  row.actor_id = "cli";
  row.actor_role = "admin";
  row.action = "order_created";
  // Stored data is canonical; the hash must not depend on how it is spaced.
  row.data = Canon(Fixture1Record().data);
  row.prev_hash = kGenesisHash;
  row.hash = "ignored";
  CHECK(AuditLog::ComputeHash(row) == kFixture1Hash);

  row.data = "not json";
  CHECK(AuditLog::ComputeHash(row).empty());
  row.data = R"({"x":1.5})";
  CHECK(AuditLog::ComputeHash(row).empty());
}

// ---------------------------------------------------------------------------
// On a real database: a SQLite file, or a PostgreSQL database of its own
// when AFTERSALES_TEST_POSTGRES is set (support/test_database.h).

class AuditFixture {
 public:
  AuditFixture() : database_(dir_.File("audit.db")) { Reopen(); }

  Store& store() { return *store_; }
  // The file's path or the database's URI, for raw SQL (AuditTamperer).
  const std::string& location() const { return database_.location(); }
  void Close() { store_.reset(); }
  void Reopen() { store_ = database_.OpenStore(); }

  // Appends `records` in one committed transaction; returns the rows.
  std::vector<AuditRow> Append(const std::vector<AuditRecord>& records) {
    Result<std::unique_ptr<WriteTxn>> txn = store_->BeginWrite();
    REQUIRE(txn.ok());
    std::vector<AuditRow> rows;
    for (const AuditRecord& r : records) {
      Result<AuditRow> row = AuditLog::Append(**txn, r);
      INFO(row.status().message());
      REQUIRE(row.ok());
      rows.push_back(*row);
    }
    REQUIRE((*txn)->Commit().ok());
    return rows;
  }

  AuditVerification Verify() {
    Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
    REQUIRE(txn.ok());
    Result<AuditVerification> v = AuditLog::Verify(**txn);
    REQUIRE(v.ok());
    return *v;
  }

 private:
  testing::TempDir dir_;
  testing::TestDatabase database_;
  std::unique_ptr<Store> store_;
};

// A varied entry: staff and system actors, with and without a case, nested
// data with text references, booleans and negative numbers.
AuditRecord Entry(int i) {
  AuditRecord r;
  r.at = kStart + i * 60;
  r.actor_id = i % 3 == 0 ? "system" : "u_" + std::to_string(1000 + i % 4);
  r.actor_role = i % 3 == 0 ? "system" : (i % 2 == 0 ? "agent" : "manager");
  if (i % 2 == 1) {
    r.case_id = "c-" + std::to_string(i / 2);
    r.from_state = "requested";
    r.to_state = i % 4 == 1 ? "refunding" : "rejected";
  }
  r.action = i % 5 == 0 ? "comment" : "approve";
  r.data = {{"i", i},
            {"amount", i * 137},
            {"delta", -i},
            {"ok", i % 2 == 0},
            {"note", {{"id", "t-" + std::to_string(i)}, {"sha256", Sha256Hex("note " + std::to_string(i))}}},
            {"lines", json::array({{{"line_id", "L1"}, {"qty", 1 + i % 3}}})},
            {"label", "第" + std::to_string(i) + "条 \"quoted\"\n"}};
  return r;
}

std::vector<AuditRow> AppendEntries(AuditFixture& f, int count, int per_txn = 10) {
  std::vector<AuditRow> rows;
  for (int done = 0; done < count;) {
    std::vector<AuditRecord> batch;
    for (int k = 0; k < per_txn && done < count; ++k) batch.push_back(Entry(++done));
    for (AuditRow& row : f.Append(batch)) rows.push_back(std::move(row));
  }
  return rows;
}

// Raw access to the database, as an attacker with it would have: whatever
// guards the table against edits is the attacker's first target, and goes
// first (support/audit_tamper.h).
using RawDb = testing::AuditTamperer;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string InsertSql(const AuditRow& r) {
  const auto opt = [](const std::optional<std::string>& s) { return s ? Quote(*s) : std::string("NULL"); };
  return "INSERT INTO audit (seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, "
         "prev_hash, hash) VALUES (" +
         std::to_string(r.seq) + ", " + Quote(r.at) + ", " + Quote(r.actor_id) + ", " + Quote(r.actor_role) + ", " +
         opt(r.case_id) + ", " + Quote(r.action) + ", " + opt(r.from_state) + ", " + opt(r.to_state) + ", " +
         Quote(r.data) + ", " + Quote(r.prev_hash) + ", " + Quote(r.hash) + ")";
}

// Runs `sql` on the closed database, reopens it and verifies.
AuditVerification TamperAndVerify(AuditFixture& f, const std::vector<std::string>& sql) {
  f.Close();
  {
    RawDb raw(f.location());
    for (const std::string& s : sql) raw.Exec(s);
  }
  f.Reopen();
  return f.Verify();
}

void CheckCaught(const AuditVerification& v, std::int64_t seq, const std::string& phrase) {
  INFO(v.problem);
  CHECK_FALSE(v.ok);
  REQUIRE(v.first_bad_seq.has_value());
  CHECK(*v.first_bad_seq == seq);
  CHECK(v.problem.find(phrase) != std::string::npos);
  CHECK(v.entries == seq - 1);  // everything before it is intact
}

TEST_CASE("An empty audit log verifies", "[audit]") {
  AuditFixture f;
  const AuditVerification v = f.Verify();
  CHECK(v.ok);
  CHECK(v.entries == 0);
  CHECK_FALSE(v.head.has_value());
  CHECK_FALSE(v.first_bad_seq.has_value());
  CHECK(v.problem.empty());
}

TEST_CASE("Append chains entries and a long chain verifies", "[audit]") {
  AuditFixture f;
  constexpr int kEntries = 250;
  const std::vector<AuditRow> rows = AppendEntries(f, kEntries, 25);
  REQUIRE(rows.size() == kEntries);
  std::set<std::string> hashes;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const AuditRow& row = rows[i];
    CHECK(row.seq == static_cast<std::int64_t>(i + 1));
    CHECK(row.prev_hash == (i == 0 ? std::string(kGenesisHash) : rows[i - 1].hash));
    CHECK(row.hash.size() == 64);
    CHECK(row.hash == AuditLog::ComputeHash(row));
    CHECK(row.at == FormatTime(kStart + static_cast<TimePoint>(i + 1) * 60));
    CHECK(row.data == Canon(Entry(static_cast<int>(i + 1)).data));
    hashes.insert(row.hash);
  }
  CHECK(hashes.size() == rows.size());

  f.Close();
  f.Reopen();
  const AuditVerification v = f.Verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.entries == kEntries);
  REQUIRE(v.head.has_value());
  CHECK(v.head->seq == kEntries);
  CHECK(v.head->hash == rows.back().hash);
}

TEST_CASE("Verify checks a chain many times longer than what it holds in memory", "[audit][concurrency]") {
  // Verify reads and checks on two threads, a few hundred rows apart: a
  // long chain goes through the hand-off many times, its rows reusing the
  // same memory. Every entry is still checked, in order, once.
  AuditFixture f;
  constexpr int kEntries = 3001;
  const std::vector<AuditRow> rows = AppendEntries(f, kEntries, 500);
  std::vector<std::int64_t> ticks;
  ScanProgress progress;
  progress.every = 1000;
  progress.report = [&](std::int64_t done) { ticks.push_back(done); };
  {
    Result<std::unique_ptr<ReadTxn>> txn = f.store().BeginRead();
    REQUIRE(txn.ok());
    Result<AuditVerification> v = AuditLog::Verify(**txn, progress);
    REQUIRE(v.ok());
    INFO(v->problem);
    CHECK(v->ok);
    CHECK(v->entries == kEntries);
    REQUIRE(v->head.has_value());
    CHECK(v->head->hash == rows.back().hash);
  }
  CHECK(ticks == std::vector<std::int64_t>{1000, 2000, 3000});

  // A bad entry anywhere is the one reported, whatever the rows read past it.
  for (const int bad : {257, 1024, 2999, kEntries}) {
    INFO("edited entry " << bad);
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET actor_id = 'mallory' WHERE seq = " + std::to_string(bad)}), bad,
                "seq " + std::to_string(bad) + ": hash mismatch");
    TamperAndVerify(f, {"UPDATE audit SET actor_id = " + Quote(rows[bad - 1].actor_id) + " WHERE seq = " +
                        std::to_string(bad)});
    REQUIRE(f.Verify().ok);
  }
  CheckCaught(TamperAndVerify(f, {"DELETE FROM audit WHERE seq = 2500"}), 2500, "seq 2500 missing");
}

// A read whose scan of the log fails after `rows` rows, as a damaged page
// of the file does; a scan its caller stops before then ends well.
class ScanFailingAfter : public ForwardingReads<ReadTxn> {
 public:
  ScanFailingAfter(std::unique_ptr<ReadTxn> inner, int rows) : ForwardingReads(std::move(inner)), rows_(rows) {}

  Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) override {
    int passed = 0;
    bool caller_stopped = false;
    Status scanned = ForwardingReads::ScanAudit([&](const AuditRow& row) {
      if (passed == rows_) return false;
      ++passed;
      caller_stopped = !fn(row);
      return !caller_stopped;
    });
    if (!scanned.ok() || caller_stopped) return scanned;
    return Status::Unavailable("database disk image is malformed (injected)");
  }

 private:
  int rows_;
};

Result<AuditVerification> VerifyFailingAfter(AuditFixture& f, int rows, const ScanProgress& progress = {}) {
  Result<std::unique_ptr<ReadTxn>> txn = f.store().BeginRead();
  REQUIRE(txn.ok());
  ScanFailingAfter failing(std::move(*txn), rows);
  return AuditLog::Verify(failing, progress);
}

TEST_CASE("Verify reports a bad entry even when the scan fails past it, and the scan's error otherwise", "[audit][concurrency]") {
  AuditFixture f;
  AppendEntries(f, 1500, 500);
  SECTION("the scan fails with every entry before it intact: its error") {
    Result<AuditVerification> v = VerifyFailingAfter(f, 1200);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().message().find("malformed (injected)") != std::string::npos);
  }
  SECTION("a bad entry before the failure: the bad entry, as a scan that stopped there") {
    // The check runs behind the scan, so the scan reaches the failure first.
    TamperAndVerify(f, {"UPDATE audit SET actor_id = 'mallory' WHERE seq = 257"});
    for (const int fail_after : {258, 300, 1200}) {
      INFO("the scan fails after row " << fail_after);
      Result<AuditVerification> v = VerifyFailingAfter(f, fail_after);
      INFO(v.status().message());
      REQUIRE(v.ok());
      CheckCaught(*v, 257, "seq 257: hash mismatch");
    }
  }
}

TEST_CASE("an exception thrown while checking reaches Verify's caller", "[audit][concurrency]") {
  AuditFixture f;
  AppendEntries(f, 700, 350);
  ScanProgress progress;
  progress.every = 600;
  progress.report = [](std::int64_t) { throw std::runtime_error("the progress display failed"); };
  Result<std::unique_ptr<ReadTxn>> txn = f.store().BeginRead();
  REQUIRE(txn.ok());
  CHECK_THROWS_WITH(AuditLog::Verify(**txn, progress), "the progress display failed");
  // The same transaction and log still verify afterwards.
  Result<AuditVerification> v = AuditLog::Verify(**txn);
  REQUIRE(v.ok());
  CHECK(v->ok);
  CHECK(v->entries == 700);
}

TEST_CASE("Appended fixtures get the hand-computed hashes", "[audit]") {
  AuditFixture f;
  const std::vector<AuditRow> rows = f.Append({Fixture1Record(), Fixture2Record()});
  CHECK(rows[0].hash == kFixture1Hash);
  CHECK(rows[1].prev_hash == kFixture1Hash);
  CHECK(rows[1].hash == kFixture2Hash);
  CHECK(f.Verify().ok);
}

TEST_CASE("A rolled-back Append leaves no entry and no gap", "[audit]") {
  AuditFixture f;
  AppendEntries(f, 3);
  {
    Result<std::unique_ptr<WriteTxn>> txn = f.store().BeginWrite();
    REQUIRE(txn.ok());
    REQUIRE(AuditLog::Append(**txn, Entry(99)).ok());
    // Destroyed without Commit.
  }
  const std::vector<AuditRow> next = f.Append({Entry(4)});
  CHECK(next[0].seq == 4);
  const AuditVerification v = f.Verify();
  CHECK(v.ok);
  CHECK(v.entries == 4);
}

TEST_CASE("Append refuses a float in data and writes nothing", "[audit]") {
  AuditFixture f;
  AppendEntries(f, 2);
  Result<std::unique_ptr<WriteTxn>> txn = f.store().BeginWrite();
  REQUIRE(txn.ok());
  for (const json& data : {json{{"amount", 12.5}}, json{{"nested", {{"rate", 1.0}}}}, json{{"list", {1, 2.5}}}}) {
    AuditRecord r = Entry(3);
    r.data = data;
    Result<AuditRow> row = AuditLog::Append(**txn, r);
    REQUIRE_FALSE(row.ok());
    CHECK(row.status().code() == Code::kValidationFailed);
  }
  Result<std::optional<AuditRow>> head = (*txn)->AuditHead();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->seq == 2);
}

TEST_CASE("Append refuses an entry without action or actor", "[audit]") {
  AuditFixture f;
  Result<std::unique_ptr<WriteTxn>> txn = f.store().BeginWrite();
  REQUIRE(txn.ok());
  AuditRecord no_action = Entry(1);
  no_action.action.clear();
  CHECK(AuditLog::Append(**txn, no_action).status().code() == Code::kValidationFailed);
  AuditRecord no_actor = Entry(1);
  no_actor.actor_id.clear();
  CHECK(AuditLog::Append(**txn, no_actor).status().code() == Code::kValidationFailed);
}

TEST_CASE("Verify catches an edit of any column", "[audit]") {
  struct Edit {
    const char* what;
    std::string set;
    const char* phrase;
  };
  // Entry 7 has a case (odd i); entry 8 has none.
  const Edit edits[] = {
      {"at", "at = '2026-01-01T00:00:00Z'", "seq 7: hash mismatch (entry edited)"},
      {"actor_id", "actor_id = 'mallory'", "seq 7: hash mismatch"},
      {"actor_role", "actor_role = 'admin'", "seq 7: hash mismatch"},
      {"case_id changed", "case_id = 'c-other'", "seq 7: hash mismatch"},
      {"case_id cleared", "case_id = NULL", "seq 7: hash mismatch"},
      {"action", "action = 'refund_issued'", "seq 7: hash mismatch"},
      {"from_state", "from_state = 'refunded'", "seq 7: hash mismatch"},
      {"to_state cleared", "to_state = NULL", "seq 7: hash mismatch"},
      {"data value", "data = replace(data, '\"amount\":959', '\"amount\":1')", "seq 7: hash mismatch"},
      {"data replaced", "data = '{}'", "seq 7: hash mismatch"},
      {"data not JSON", "data = 'oops'", "seq 7: data is not valid JSON"},
      {"data with a float", "data = '{\"amount\":9.5}'", "seq 7: data is not canonical"},
      {"data re-spaced", "data = replace(data, ',', ', ')", "seq 7: data is not in canonical form"},
      {"prev_hash", "prev_hash = '" + std::string(kGenesisHash) + "'", "seq 7: prev_hash does not match"},
      {"hash", "hash = '" + Sha256Hex("forged") + "'", "seq 7: hash mismatch"},
      {"hash upper-cased", "hash = upper(hash)", "seq 7: hash mismatch"},
  };
  for (const Edit& edit : edits) {
    INFO(edit.what);
    AuditFixture f;
    AppendEntries(f, 12);
    REQUIRE(f.Verify().ok);
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET " + edit.set + " WHERE seq = 7"}), 7, edit.phrase);
  }
}

TEST_CASE("Verify catches edits of null columns, of seq and of the head", "[audit]") {
  AuditFixture f;
  AppendEntries(f, 12);
  SECTION("a null column given a value") {
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET case_id = 'c-1', from_state = 'requested' WHERE seq = 8"}), 8,
                "seq 8: hash mismatch");
  }
  SECTION("the seq column") {
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET seq = 1000 WHERE seq = 7"}), 7, "seq 7 missing");
  }
  SECTION("the last entry") {
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET actor_id = 'mallory' WHERE seq = 12"}), 12, "seq 12: hash");
  }
}

TEST_CASE("Verify catches a deleted entry", "[audit]") {
  AuditFixture f;
  AppendEntries(f, 12);
  SECTION("in the middle") { CheckCaught(TamperAndVerify(f, {"DELETE FROM audit WHERE seq = 5"}), 5, "seq 5 missing"); }
  SECTION("the first") { CheckCaught(TamperAndVerify(f, {"DELETE FROM audit WHERE seq = 1"}), 1, "seq 1 missing"); }
  SECTION("a run, renumbered to hide the gap") {
    CheckCaught(
        TamperAndVerify(f, {"DELETE FROM audit WHERE seq IN (5, 6)", "UPDATE audit SET seq = seq + 1000 WHERE seq > 6",
                            "UPDATE audit SET seq = seq - 1002 WHERE seq > 1000"}),
        5, "seq 5: prev_hash does not match");
  }
}

TEST_CASE("Verify catches an inserted entry", "[audit]") {
  AuditFixture f;
  const std::vector<AuditRow> rows = AppendEntries(f, 12);

  SECTION("a forged entry, correctly chained to its predecessor, pushed in at seq 4") {
    AuditRow forged;
    forged.seq = 4;
    forged.at = rows[2].at;
    forged.actor_id = "u_1001";
    forged.actor_role = "manager";
    forged.case_id = "c-1";
    forged.action = "approve";
    forged.from_state = "requested";
    forged.to_state = "refunding";
    forged.data = R"({"amount":99999})";
    forged.prev_hash = rows[2].hash;
    forged.hash = AuditLog::ComputeHash(forged);
    // The forged entry itself checks out; the one it displaced does not.
    CheckCaught(TamperAndVerify(f, {"UPDATE audit SET seq = seq + 1000 WHERE seq >= 4",
                                    "UPDATE audit SET seq = seq - 999 WHERE seq > 1000", InsertSql(forged)}),
                5, "seq 5: prev_hash does not match");
  }
  SECTION("a copy of an entry replayed at the end") {
    AuditRow replay = rows[3];
    replay.seq = 13;
    CheckCaught(TamperAndVerify(f, {InsertSql(replay)}), 13, "seq 13: prev_hash does not match");
  }
  SECTION("an entry chained to the head but with a made-up hash") {
    AuditRow extra = rows[11];
    extra.seq = 13;
    extra.prev_hash = rows[11].hash;
    extra.hash = Sha256Hex("made up");
    CheckCaught(TamperAndVerify(f, {InsertSql(extra)}), 13, "seq 13: hash mismatch");
  }
  SECTION("an entry before the first") {
    AuditRow zero = rows[0];
    zero.seq = 0;
    const AuditVerification v = TamperAndVerify(f, {InsertSql(zero)});
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == 0);
    CHECK(v.entries == 0);
  }
}

TEST_CASE("Verify catches swapped entries", "[audit]") {
  AuditFixture f;
  AppendEntries(f, 12);
  const auto swap_sql = [](int a, int b) {
    return std::vector<std::string>{"UPDATE audit SET seq = -1 WHERE seq = " + std::to_string(a),
                                    "UPDATE audit SET seq = " + std::to_string(a) + " WHERE seq = " + std::to_string(b),
                                    "UPDATE audit SET seq = " + std::to_string(b) + " WHERE seq = -1"};
  };
  SECTION("far apart") { CheckCaught(TamperAndVerify(f, swap_sql(3, 8)), 3, "seq 3: prev_hash does not match"); }
  SECTION("neighbours") { CheckCaught(TamperAndVerify(f, swap_sql(10, 11)), 10, "seq 10: prev_hash"); }
  SECTION("the first two") { CheckCaught(TamperAndVerify(f, swap_sql(1, 2)), 1, "seq 1: prev_hash"); }
}

TEST_CASE("ToJson serves the SPEC §7 shape", "[audit]") {
  AuditFixture f;
  const std::vector<AuditRow> rows = f.Append({Fixture1Record(), Fixture2Record()});
  const json first = AuditLog::ToJson(rows[0]);
  std::set<std::string> keys;
  for (const auto& item : first.items()) keys.insert(item.key());
  CHECK(keys == std::set<std::string>{"seq", "at", "actor", "case_id", "action", "from_state", "to_state", "data",
                                      "prev_hash", "hash"});
  CHECK(first["seq"] == 1);
  CHECK(first["at"] == "2026-11-27T06:23:46Z");
  CHECK(first["actor"] == json({{"id", "cli"}, {"role", "admin"}}));
  CHECK(first["case_id"].is_null());
  CHECK(first["from_state"].is_null());
  CHECK(first["to_state"].is_null());
  CHECK(first["data"] == Fixture1Record().data);
  CHECK(first["prev_hash"] == kGenesisHash);
  CHECK(first["hash"] == kFixture1Hash);

  const json second = AuditLog::ToJson(rows[1]);
  CHECK(second["case_id"] == "c-9");
  CHECK(second["from_state"] == "requested");
  CHECK(second["to_state"] == "refunding");
  CHECK(second["data"]["label"] == "a\"b\\c\nd\x01\xC3\xA9\xE2\x82\xAC");

  // The served entry without `hash` is what the hash covers.
  json unhashed = second;
  unhashed.erase("hash");
  CHECK(Sha256Hex(std::string(kFixture1Hash) + Canon(unhashed)) == kFixture2Hash);
}

}  // namespace
}  // namespace aftersales
