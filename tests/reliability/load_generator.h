// RunLoad: the clients of a reliability run. `clients` threads create
// orders and submit cases of all three types, then walk cases through their
// workflows (SPEC §4) with actions of every kind, each by a role that may
// take it; one more thread moves the test clock (SPEC §6.9) so that
// deadlines fire. With `invalid_requests` (the soak) a share of the
// requests is wrong on purpose: malformed or unknown-field bodies, wrong
// roles, wrong states, stale versions, bad tokens, unknown cases and
// actions; each must be refused with the statuses AllowedRefusals names.
//
// Every request carries a unique tag (as its note, or as the description of
// a submit) and is appended to the RequestLog with its answer, so that the
// checks can find in the database exactly what each acknowledgement
// promised. Requests that got no answer in an earlier round (the server was
// killed under them) and carried an Idempotency-Key are sent again first,
// unchanged, as a client would after a crash.
//
// The run ends after `seconds`, or as soon as the server stops answering
// (the crash test kills it). Behind a load balancer (the scale-out test) it
// goes on whatever happens to the servers behind it, sends again what
// their deaths and outages left open, and can run races: several clients
// at once on one order or case. Optionally it samples the server's resident
// memory and takes one `aftersales backup` while the clients run, writing
// the marker "backup" into the log just before the backup starts.
//
// Thread-safety: RunLoad runs its own threads and returns when they are
// done; call it from one thread.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reliability/request_log.h"
#include "reliability/run_fixture.h"

namespace aftersales::reliability {

struct LoadOptions {
  std::string base_url;
  std::string run_id;  // prefixes tags and order ids; unique per load process of a run
  int clients = 6;
  double seconds = 30;
  std::uint64_t seed = 1;
  bool invalid_requests = false;
  // Mean seconds between test-clock moves; each moves 1 to 60 hours.
  double clock_every_seconds = 0.4;
  // Created once the clients are about to start (the crash test kills the
  // server only after that).
  std::string ready_file;
  // One backup while the clients run, `backup_after_seconds` after they start.
  double backup_after_seconds = -1;
  std::string backup_file;
  std::string aftersales_bin;
  std::string db_path;
  // The server's pid, for memory samples (0: none).
  int server_pid = 0;
  // Behind a load balancer (the scale-out test): a 5xx without problem+json
  // is the proxy's (LoggedRequest::gateway), and a client sends a request
  // again, unchanged, up to kMaxAttempts times in all, when its answer left
  // it open (no answer, the proxy's 5xx, idempotency_in_progress: only with
  // an Idempotency-Key) or said nothing was changed (503, 429), as a client
  // would. Clock moves and requests invalid on purpose are never resent.
  bool behind_proxy = false;
  // Races, one every `race_every_seconds` (0: none), each `racers` requests
  // at once, each on a connection of its own: on a fresh order, submits
  // for the same units; then approvals of every case that won, all at
  // once (their refunds race on the one order); then refund_issued against
  // refund_failed on every case that got a refund (LoggedRequest::race).
  double race_every_seconds = 0;
  int racers = 4;
};

// Attempts of one request in all, behind a proxy (LoadOptions::behind_proxy):
// about 10 s of them, which outlasts a restart of the database.
constexpr int kMaxAttempts = 12;

struct LoadReport {
  std::int64_t sent = 0;
  std::int64_t acknowledged = 0;
  std::int64_t refused = 0;     // 4xx
  std::int64_t unanswered = 0;  // no answer at all
  std::int64_t server_errors = 0;
  std::int64_t resent = 0;          // requests of earlier rounds sent again
  std::int64_t gateway_errors = 0;  // the proxy's 5xx (behind_proxy)
  std::int64_t transient = 0;       // 503 and 429: nothing changed, try again
  std::int64_t resent_now = 0;      // attempts after the first, in this run (behind_proxy)
  std::int64_t races = 0;
  std::int64_t races_contested = 0;  // at least one racer won and one was refused
  bool server_gone = false;
  std::vector<std::pair<double, long>> rss_kib;  // (seconds since start, VmRSS)
  // Answers the clients could not make sense of; any fails the run.
  std::vector<std::string> problems;
  int backup_exit_code = -1;  // -1: no backup taken
  std::string backup_output;
};

LoadReport RunLoad(const LoadOptions& options, const RunFixture& fixture, RequestLog& log, const LogContents& earlier);

// The statuses that may answer a request made invalid in the way named
// (LoggedRequest::invalid). Empty for an unknown name.
std::set<int> AllowedRefusals(const std::string& invalid);

// The non-terminal states (SPEC §4).
const std::vector<std::string>& OpenStates();

}  // namespace aftersales::reliability
