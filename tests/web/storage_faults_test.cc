// Storage failures under the real HTTP server (SPEC §6: 503 `unavailable`,
// "storage failure: nothing half-written"). A whole return_refund case is
// driven over HTTP while the storage fails at every point in turn: a Store
// write operation (FaultInjectingStore), a file write or sync of SQLite
// itself (FailingVfs, I/O error or full disk), and a database that reached
// its size limit (max_page_count on the server's own writer connection).
// Each time the answer is 503 `unavailable`, the database equals the state
// before the request (also when reopened from its files, as after a crash),
// and the same request succeeds once the storage works again, also when the
// test clock's move fires deadlines (one transaction, see below). The store
// write faults run on PostgreSQL too (compared by a dump of every row); the
// faults in SQLite's file, and the checks of the file, are tagged [sqlite].
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "engine/test_util.h"
#include "support/failing_vfs.h"
#include "support/temp_dir.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// The deadline step moves the test clock past refund_issue's 72 hours.
constexpr std::int64_t kClockAdvanceSeconds = 73 * kHour;
// A step that still fails after this many injected faults never completes.
constexpr std::int64_t kMaxFaultsPerStep = 10000;

// What the steps of one lifecycle share.
struct Journey {
  std::string case_id;
};

// One request of the lifecycle: how to send it, the status it answers when
// it succeeds, and what its successful answer must say.
struct Step {
  std::string name;
  int success_status;
  std::function<HttpResult(WebFixture&, const Journey&)> send;
  std::function<void(const HttpResult&, Journey&)> check;
  // The test clock's move, which fires deadlines in transactions of their
  // own: its faults have a test of their own.
  bool fires_deadlines = false;
};

// Every POST but the clock move carries an Idempotency-Key, so that the
// idempotency record written in the engine's transaction fails with it.
// (The clock route stores its record in a transaction of its own after the
// answer is decided, so a key there would add a write whose failure is not
// the request's.)
httplib::Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

Step CaseAction(const std::string& who, const std::string& action, const json& body, const std::string& state,
                std::int64_t version) {
  return Step{action, 200,
              [=](WebFixture& web, const Journey& j) {
                return web.Post("/api/v1/cases/" + j.case_id + "/actions/" + action, body, web.token(who),
                                Key("lifecycle-" + action));
              },
              [=](const HttpResult& r, Journey&) {
                const json c = r.Json();
                CHECK(c["state"] == state);
                CHECK(c["version"] == version);
              }};
}

// A return_refund case from order to refund, with a comment, an inspection
// and a deadline breach fired by the test clock.
std::vector<Step> ReturnRefundLifecycle() {
  return {
      Step{"create order", 201,
           [](WebFixture& web, const Journey&) {
             return web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration"), Key("lifecycle-order"));
           },
           [](const HttpResult& r, Journey&) { CHECK(r.Json()["id"] == "o1"); }},
      Step{"submit", 201,
           [](WebFixture& web, const Journey&) {
             const json body = {{"order_id", "o1"},
                                {"type", "return_refund"},
                                {"reason", "quality_issue"},
                                {"description", "The lid is cracked"},
                                {"evidence", {"https://img.example/lid.jpg"}},
                                {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}};
             return web.Post("/api/v1/cases", body, web.token("buyer"), Key("lifecycle-submit"));
           },
           [](const HttpResult& r, Journey& j) {
             const json c = r.Json();
             CHECK(c["state"] == "requested");
             CHECK(c["version"] == 1);
             j.case_id = c["id"].get<std::string>();
           }},
      CaseAction("agent", "comment", {{"text", "Checking the photos"}, {"visibility", "buyer"}}, "requested", 1),
      CaseAction("agent", "approve", {{"expected_version", 1}}, "awaiting_return", 2),
      CaseAction("buyer", "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF123"}}, "return_in_transit", 3),
      CaseAction("warehouse", "receive",
                 {{"result", "pass"},
                  {"grade", "A"},
                  {"note", "Box intact"},
                  {"lines", json::array({json{{"line_id", "l1"}, {"received", 1}, {"damaged", 0}}})}},
                 "refunding", 4),
      Step{"refund_issue deadline", 200,
           [](WebFixture& web, const Journey&) {
             return web.Post("/api/v1/test/clock", json{{"advance_seconds", kClockAdvanceSeconds}}, web.token("admin"));
           },
           [](const HttpResult& r, Journey& j) {
             const json moved = r.Json();
             // Moved once, by exactly one request's advance.
             CHECK(moved["now"] == FormatTime(kWebStart + kClockAdvanceSeconds));
             CHECK(moved["fired"] == json::array({json{{"case_id", j.case_id}, {"order_id", "o1"}, {"kind", "refund_issue"}}}));
           },
           true},
      CaseAction("finance", "refund_issued", {{"external_ref", "PAY-1"}}, "refunded", 5),
  };
}

WebFixture::Options LifecycleOptions() {
  WebFixture::Options options;
  options.test_clock = true;
  options.server.connections.workers = 4;  // requests are sequential; fewer threads start faster
  return options;
}

void ExpectUnavailable(const HttpResult& r) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == 503);
  CHECK(r.Code() == "unavailable");
}

void ExpectSuccess(const Step& step, const HttpResult& r, Journey& j) {
  INFO(step.name << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == step.success_status);
  CHECK(r.Header("Idempotent-Replayed").empty());  // 5xx answers are never replayed
  step.check(r, j);
}

// What a completed lifecycle left behind, independent of generated ids.
struct Outcome {
  std::int64_t audit_entries = 0;
  std::vector<std::string> timeline;  // the case's audit actions, oldest first

  bool operator==(const Outcome& o) const { return audit_entries == o.audit_entries && timeline == o.timeline; }
};

Outcome OutcomeOf(WebFixture& web, const Journey& j) {
  Outcome out;
  const HttpResult verified = web.Get("/api/v1/audit/verify", web.token("admin"));
  REQUIRE(verified.status == 200);
  CHECK(verified.Json()["ok"] == true);
  out.audit_entries = verified.Json()["entries"].get<std::int64_t>();
  const HttpResult timeline = web.Get("/api/v1/cases/" + j.case_id + "/timeline", web.token("agent"));
  REQUIRE(timeline.status == 200);
  const json entries = timeline.Json()["items"];
  for (const json& entry : entries) out.timeline.push_back(entry["action"].get<std::string>());
  return out;
}

// Runs every step without faults; returns the outcome.
Outcome RunCleanly(WebFixture& web, const std::vector<Step>& steps, Journey& j) {
  for (const Step& step : steps) ExpectSuccess(step, step.send(web, j), j);
  return OutcomeOf(web, j);
}

// Runs one statement on `db` and returns the first column of its first row
// as text ("" when there is none).
std::string QueryText(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    FAIL("cannot prepare " << sql << ": " << sqlite3_errmsg(db));
  }
  const int rc = sqlite3_step(stmt);
  std::string out;
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) FAIL(sql << " failed: " << sqlite3_errstr(rc));
  return out;
}

std::int64_t QueryInt(sqlite3* db, const std::string& sql) { return std::stoll(QueryText(db, sql)); }

// PRAGMA integrity_check of the database file at `path` through a new
// read-only connection: "ok", or SQLite's first complaint.
std::string IntegrityOf(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open " + path;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    result = QueryText(db, "PRAGMA integrity_check");
  }
  sqlite3_close(db);
  return result;
}

// What a restart would find now: the database file and its WAL copied as
// they are on disk (a crashed process leaves exactly these) into `scratch`
// and opened afresh, so that SQLite recovers the WAL from the file alone.
// The copies of an earlier call in the same `scratch` are replaced (files
// are unlinked, not truncated, and the directory is kept: both are much
// cheaper on ext4).
struct Reopened {
  std::string integrity;
  std::string dump;
};

Reopened ReopenCopy(const std::string& path, const TempDir& scratch) {
  const std::string copy = scratch.File("copy.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix);
  std::filesystem::copy_file(path, copy);
  if (std::filesystem::exists(path + "-wal")) std::filesystem::copy_file(path + "-wal", copy + "-wal");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    FAIL("cannot open the copy of " << path);
  }
  // The copy is only read: no checkpoint into its file when it closes.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  Reopened out;
  out.integrity = QueryText(db, "PRAGMA integrity_check");  // recovers the WAL first
  sqlite3_close(db);
  out.dump = DumpDatabase(copy);
  return out;
}

// What a failed request must have left of the database, beyond every
// connection seeing the state before it.
enum class AfterRestart {
  kAsBefore,  // a restart now finds the state before the request
  kIntact,    // a restart now finds an intact database
};

// Checks that a failed request left the database at `path` as `before`
// (`scratch` holds the copies of ReopenCopy).
void ExpectUnchanged(const std::string& path, const std::string& before, AfterRestart after_restart,
                     const TempDir& scratch) {
  CHECK(DumpDatabase(path) == before);
  CHECK(IntegrityOf(path) == "ok");
  const Reopened reopened = ReopenCopy(path, scratch);
  CHECK(reopened.integrity == "ok");
  if (after_restart == AfterRestart::kAsBefore) CHECK(reopened.dump == before);
}

// The lifecycle with the store failing at every write operation in turn.
// Round r starts from a fresh server and fails the r-th write of each
// swept step (the steps with fewer writes run cleanly); the failed request
// must answer 503 and leave the database as it was, and the same request,
// sent again once the fault is cleared, must succeed. So every write of the
// lifecycle fails once, each on a state that no earlier fault changed, in
// max(writes per step) servers instead of one per write.
TEST_CASE("a store failure at any write of a return answers 503 over HTTP and writes nothing", "[web][faults]") {
  const std::vector<Step> steps = ReturnRefundLifecycle();
  WebFixture::Options options = LifecycleOptions();
  options.fault_injection = true;

  Outcome clean;
  std::vector<std::int64_t> writes_of_step;
  {
    WebFixture web(options);
    Journey j;
    for (const Step& step : steps) {
      web.faults().Clear();
      ExpectSuccess(step, step.send(web, j), j);
      writes_of_step.push_back(web.faults().writes());
    }
    clean = OutcomeOf(web, j);
  }
  std::int64_t swept_writes = 0;
  std::int64_t rounds = 0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (steps[k].fires_deadlines) continue;
    REQUIRE(writes_of_step[k] > 0);
    swept_writes += writes_of_step[k];
    rounds = std::max(rounds, writes_of_step[k]);
  }

  std::int64_t injected = 0;
  for (std::int64_t r = 1; r <= rounds; ++r) {
    WebFixture web(options);
    Journey j;
    for (const Step& step : steps) {
      INFO("step " << step.name << ", failing its write " << r);
      const std::string before = web.database().Dump();
      if (!step.fires_deadlines) web.faults().FailAt(r);
      HttpResult answer = step.send(web, j);
      if (web.faults().fired()) {
        ++injected;
        ExpectUnavailable(answer);
        CHECK(web.database().Dump() == before);
        web.faults().Clear();
        answer = step.send(web, j);
      }
      web.faults().Clear();
      ExpectSuccess(step, answer, j);
    }
    CHECK(OutcomeOf(web, j) == clean);
  }
  CHECK(injected == swept_writes);
}

// A way to make storage fail at its n-th operation of some kind.
struct Injector {
  std::function<void(std::int64_t n)> fail_at;
  std::function<bool()> fired;
  std::function<void()> clear;
};

Injector StoreWrites(FaultInjectingStore& store) {
  return {[&store](std::int64_t n) { store.FailAt(n); }, [&store] { return store.fired(); },
          [&store] { store.Clear(); }};
}

Injector FileOperations(FailingVfs& vfs, FailingVfs::Fault fault) {
  return {[&vfs, fault](std::int64_t n) { vfs.FailAt(fault, n); }, [&vfs] { return vfs.fired(); },
          [&vfs] { vfs.Clear(); }};
}

// Fails each operation of `step` in turn. A request that met a fault wrote
// nothing, so the same request is sent again on the same state with the
// fault one operation later: each attempt gets one operation further than
// the one before, and the first that meets no fault must succeed. Returns
// how many faults were injected. Each failed request must leave the
// database's rows as they were (on either backend); with `file_checks`
// (SQLite only) also the file intact and a restart finding what
// `file_checks` says (ExpectUnchanged).
std::int64_t FailEachOperation(WebFixture& web, const Step& step, Journey& j, const Injector& faults,
                               std::optional<AfterRestart> file_checks) {
  const std::string before = web.database().Dump();
  const TempDir scratch;
  for (std::int64_t n = 1;; ++n) {
    INFO("step " << step.name << ", failing operation " << n);
    REQUIRE(n <= kMaxFaultsPerStep);
    faults.fail_at(n);
    const HttpResult answer = step.send(web, j);
    const bool fired = faults.fired();
    faults.clear();
    if (!fired) {
      ExpectSuccess(step, answer, j);
      return n - 1;
    }
    ExpectUnavailable(answer);
    if (file_checks) {
      ExpectUnchanged(web.db_path(), before, *file_checks, scratch);
    } else {
      CHECK(web.database().Dump() == before);
    }
  }
}

// The lifecycle with SQLite's file operations of the kind `fault` failing
// in turn at every step but the clock move (see the test of the clock).
void FailEveryFileOperation(FailingVfs::Fault fault, AfterRestart after_restart) {
  const std::vector<Step> steps = ReturnRefundLifecycle();
  Outcome clean;
  {
    WebFixture web(LifecycleOptions());
    Journey j;
    clean = RunCleanly(web, steps, j);
  }

  FailingVfs vfs;  // before the store opens its connections
  WebFixture web(LifecycleOptions());
  const Injector faults = FileOperations(vfs, fault);
  Journey j;
  for (const Step& step : steps) {
    if (step.fires_deadlines) {
      ExpectSuccess(step, step.send(web, j), j);
      continue;
    }
    CHECK(FailEachOperation(web, step, j, faults, after_restart) > 0);
  }
  CHECK(OutcomeOf(web, j) == clean);
  CHECK(IntegrityOf(web.db_path()) == "ok");
}

TEST_CASE("an I/O error at any file write of a return answers 503 and leaves nothing half-written",
          "[web][faults][sqlite]") {
  FailEveryFileOperation(FailingVfs::Fault::kWriteIoError, AfterRestart::kAsBefore);
}

TEST_CASE("a full disk at any file write of a return answers 503 and leaves nothing half-written",
          "[web][faults][sqlite]") {
  FailEveryFileOperation(FailingVfs::Fault::kDiskFull, AfterRestart::kAsBefore);
}

TEST_CASE("a failed sync at any commit of a return answers 503 and the service goes on", "[web][faults][sqlite]") {
  FailEveryFileOperation(FailingVfs::Fault::kSyncIoError, AfterRestart::kIntact);
}

// When the WAL's sync fails at COMMIT, SQLite rolls back in memory, but the
// WAL file may already hold the whole transaction with its commit frame; a
// restart would recover it, and the change the client was told was not made
// would appear. The store empties the WAL at once (db/group_commit.h).
TEST_CASE("after a failed sync at commit a restart finds the state before the request", "[web][faults][sqlite]") {
  FailEveryFileOperation(FailingVfs::Fault::kSyncIoError, AfterRestart::kAsBefore);
}

// POST /test/clock moves the clock and fires each due deadline in one
// transaction (engine/test_clock.h): a failure anywhere in it answers 503
// with nothing written, so the same request sent again moves the clock
// once. Here the store's writes fail, on either backend; the test below
// does it again with the checks of the SQLite file, and fails the file's
// own writes and syncs.
TEST_CASE("a store write failure while the test clock fires deadlines answers 503 and writes nothing",
          "[web][faults]") {
  const std::vector<Step> steps = ReturnRefundLifecycle();
  const auto clock = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.fires_deadlines; });
  REQUIRE(clock != steps.end());
  WebFixture::Options options = LifecycleOptions();
  options.fault_injection = true;
  WebFixture web(options);
  Journey j;
  for (auto step = steps.begin(); step != clock; ++step) ExpectSuccess(*step, step->send(web, j), j);
  CHECK(FailEachOperation(web, *clock, j, StoreWrites(web.faults()), std::nullopt) > 0);
}

// The same with the checks of the SQLite file (intact, and what a restart
// finds), and with the file's own writes and syncs failing. (After a failed
// sync only an intact restart is asked for: see "after a failed sync at
// commit a restart finds the state before the request".)
TEST_CASE("a storage failure while the test clock fires deadlines answers 503 and writes nothing",
          "[web][faults][sqlite]") {
  const std::vector<Step> steps = ReturnRefundLifecycle();
  const auto clock = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.fires_deadlines; });
  REQUIRE(clock != steps.end());
  auto run_up_to_clock = [&](WebFixture& web, Journey& j) {
    for (auto step = steps.begin(); step != clock; ++step) ExpectSuccess(*step, step->send(web, j), j);
  };
  SECTION("a store write fails") {
    WebFixture::Options options = LifecycleOptions();
    options.fault_injection = true;
    WebFixture web(options);
    Journey j;
    run_up_to_clock(web, j);
    CHECK(FailEachOperation(web, *clock, j, StoreWrites(web.faults()), AfterRestart::kAsBefore) > 0);
  }
  struct FileFault {
    const char* name;
    FailingVfs::Fault fault;
    AfterRestart after_restart;
  };
  for (const FileFault& f : {FileFault{"a file write fails", FailingVfs::Fault::kWriteIoError, AfterRestart::kAsBefore},
                             FileFault{"the disk is full", FailingVfs::Fault::kDiskFull, AfterRestart::kAsBefore},
                             FileFault{"a sync fails", FailingVfs::Fault::kSyncIoError, AfterRestart::kIntact}}) {
    SECTION(f.name) {
      FailingVfs vfs;
      WebFixture web(LifecycleOptions());
      Journey j;
      run_up_to_clock(web, j);
      CHECK(FailEachOperation(web, *clock, j, FileOperations(vfs, f.fault), f.after_restart) > 0);
    }
  }
}

// The read-write SQLite connections opened in this process while it lives,
// seen through an auto-extension (SQLite calls it for every new
// connection), so that a test can reach a server's own writer connection.
// One at a time; not for connections opened before it.
class ReadWriteConnections {
 public:
  ReadWriteConnections() {
    std::lock_guard<std::mutex> lock(mu_);
    opened_.clear();
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&Remember));
  }
  ~ReadWriteConnections() {
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&Remember));
    std::lock_guard<std::mutex> lock(mu_);
    opened_.clear();
  }
  ReadWriteConnections(const ReadWriteConnections&) = delete;
  ReadWriteConnections& operator=(const ReadWriteConnections&) = delete;

  // The only read-write connection opened on `path`; null when there is
  // none or more than one.
  sqlite3* Only(const std::string& path) const {
    const std::string wanted = std::filesystem::weakly_canonical(path).string();
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3* found = nullptr;
    for (const auto& [file, db] : opened_) {
      if (file != wanted) continue;
      if (found != nullptr) return nullptr;
      found = db;
    }
    return found;
  }

 private:
  static int Remember(sqlite3* db, const char**, const sqlite3_api_routines*) {
    if (sqlite3_db_readonly(db, "main") != 0) return SQLITE_OK;
    try {  // no exception may cross SQLite's C frames
      std::error_code ignored;
      const std::string file = std::filesystem::weakly_canonical(sqlite3_db_filename(db, "main"), ignored).string();
      std::lock_guard<std::mutex> lock(mu_);
      opened_.emplace_back(file, db);
      return SQLITE_OK;
    } catch (const std::exception&) {
      return SQLITE_NOMEM;
    }
  }

  static inline std::mutex mu_;
  static inline std::vector<std::pair<std::string, sqlite3*>> opened_;
};

TEST_CASE("a full database answers writes with 503 but serves reads and takes writes again once space is back",
          "[web][faults][sqlite]") {
  ReadWriteConnections connections;  // before the store opens its writer
  WebFixture web(LifecycleOptions());
  const std::vector<Step> steps = ReturnRefundLifecycle();
  Journey j;
  for (std::size_t k = 0; k < 3; ++k) ExpectSuccess(steps[k], steps[k].send(web, j), j);  // order, submit, comment

  const std::string agent = web.token("agent");
  const std::vector<std::string> reads = {"/api/v1/cases/" + j.case_id, "/api/v1/cases",
                                          "/api/v1/cases/" + j.case_id + "/timeline"};
  std::vector<std::string> answers;
  for (const std::string& path : reads) {
    const HttpResult r = web.Get(path, agent);
    REQUIRE(r.status == 200);
    answers.push_back(r.body);
  }

  // The writers need several new pages each: texts of up to 4000
  // characters are stored one per row, and no page has that much room left
  // (there are no free pages, checked below).
  const std::string long_text(4000, 'x');
  json evidence = json::array();
  for (char c : {'a', 'b', 'c', 'd', 'e'}) evidence.push_back("https://img.example/" + std::string(2000, c) + ".jpg");
  const json comment = {{"text", long_text}, {"note", long_text}};
  json second_case = {{"order_id", "o1"}, {"type", "return_refund"}, {"reason", "no_reason"}};
  second_case["description"] = long_text;
  second_case["evidence"] = evidence;
  second_case["lines"] = json::array({json{{"line_id", "l2"}, {"qty", 1}}});
  auto send_comment = [&] {
    return web.Post("/api/v1/cases/" + j.case_id + "/actions/comment", comment, agent, Key("full-comment"));
  };
  auto send_second_case = [&] {
    return web.Post("/api/v1/cases", second_case, web.token("buyer"), Key("full-submit"));
  };

  // max_page_count belongs to a connection: set it on the server's writer,
  // between requests (the store uses it only while serving one).
  sqlite3* writer = connections.Only(web.db_path());
  REQUIRE(writer != nullptr);
  const std::int64_t unlimited = QueryInt(writer, "PRAGMA max_page_count");
  const std::int64_t pages = QueryInt(writer, "PRAGMA page_count");
  REQUIRE(QueryInt(writer, "PRAGMA freelist_count") == 0);
  REQUIRE(QueryInt(writer, "PRAGMA max_page_count = " + std::to_string(pages + 1)) == pages + 1);

  const std::string before = DumpDatabase(web.db_path());
  ExpectUnavailable(send_comment());
  ExpectUnavailable(send_second_case());
  ExpectUnavailable(send_comment());  // the writer's earlier error does not change the answer
  ExpectUnchanged(web.db_path(), before, AfterRestart::kAsBefore, TempDir());
  CHECK(QueryInt(writer, "PRAGMA page_count") <= pages + 1);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    INFO("GET " << reads[i]);
    const HttpResult r = web.Get(reads[i], agent);
    CHECK(r.status == 200);
    CHECK(r.body == answers[i]);
  }

  // Space given back: the same requests now succeed.
  REQUIRE(QueryInt(writer, "PRAGMA max_page_count = " + std::to_string(unlimited)) == unlimited);
  const HttpResult commented = send_comment();
  CHECK(commented.status == 200);
  CHECK(commented.Header("Idempotent-Replayed").empty());
  const HttpResult submitted = send_second_case();
  CHECK(submitted.status == 201);
  CHECK(QueryInt(writer, "PRAGMA page_count") > pages + 1);
  const HttpResult listed = web.Get("/api/v1/cases", agent);
  REQUIRE(listed.status == 200);
  CHECK(listed.Json()["items"].size() == 2);
  const HttpResult timeline = web.Get("/api/v1/cases/" + j.case_id + "/timeline", agent);
  REQUIRE(timeline.status == 200);
  CHECK(timeline.body.find(long_text) != std::string::npos);
  CHECK(IntegrityOf(web.db_path()) == "ok");
}

}  // namespace
}  // namespace aftersales::testing
