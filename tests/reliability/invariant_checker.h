// RunChecks: the invariants a reliability run holds the server to, checked
// against the client log (what was acknowledged or refused), the database
// file (what is stored) and, for a live server, the HTTP API and the
// webhook receiver's file:
//  - every acknowledged request is stored exactly as answered (its audit
//    entry, state, version and refunds), and a refused one left no trace;
//    nothing was applied twice (each request's tag is stored at most once);
//  - every case's history is one unbroken chain (versions step by one,
//    each entry starts where the last ended, the case is where it ends);
//  - the ledger (SPEC §3): units and amounts per line, refunds per case
//    and per order, released units hold no refunds, shipping held once;
//  - deadlines: none fired twice, breaches and firings match the deadline
//    rows, and on a live server none is left open past due, before and
//    after a test-clock move;
//  - the outbox: every event matches a committed change, every delivered
//    event was committed, signatures verify, and (final check) every
//    committed event reached the receiver;
//  - no 5xx answers, and every request made invalid on purpose refused as
//    AllowedRefusals says; behind a load balancer, the proxy's 5xx only
//    under a killed server and 503 only while the database was down, which
//    must have been answered 503 promptly and recovered from;
//  - races: no more of a race's requests stored than the race allows.
// Each check counts its instances; a violation names the request, case or
// event. Thread-safety: call from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "reliability/request_log.h"
#include "reliability/run_fixture.h"

namespace aftersales::reliability {

struct CheckOptions {
  std::string db_path;
  // Only the requests logged before this marker count (the backup).
  std::string until_marker;
  // A server is running on `db_path` at `base_url`: check through the API
  // too, move the test clock once, and check the webhook receiver's file.
  std::string base_url;
  std::string received_path;
  // The last check of a run: wait up to `delivery_wait_seconds` for every
  // committed event to reach the receiver; compare every order as served.
  bool final = false;
  double delivery_wait_seconds = 60;
  // No request may have gone unanswered (no server was killed).
  bool every_request_answered = false;

  // The scale-out test: servers behind a load balancer, some killed, the
  // database restarted. A proxy's 5xx (LoggedRequest::gateway) is allowed
  // only for a request in flight when a server was killed (`kills_ms`,
  // wall milliseconds), and is then an unanswered request; a 503 only for a
  // request in flight while the database was down (`outages_ms`, from and
  // to) or up to `outage_grace_seconds` after it came back. With outages:
  // the outage must have been answered 503, promptly, and requests
  // acknowledged again after it.
  std::vector<std::int64_t> kills_ms;
  std::vector<std::pair<std::int64_t, std::int64_t>> outages_ms;
  double outage_grace_seconds = 5;
};

class CheckReport {
 public:
  void Pass(const std::string& invariant, std::int64_t instances = 1) { passes_[invariant] += instances; }
  void Fail(const std::string& invariant, const std::string& detail);
  void Figure(const std::string& name, std::int64_t value) { figures_[name] = std::to_string(value); }
  void Figure(const std::string& name, const std::string& text) { figures_[name] = text; }

  bool ok() const { return violation_count_ == 0; }
  std::int64_t violations() const { return violation_count_; }
  // "N invariants, M instances checked, V violated".
  std::string Summary() const;
  // One line per invariant with its instances and violations, the first
  // violations of each in full, then the figures.
  void Print(std::ostream& out) const;

 private:
  std::map<std::string, std::int64_t> passes_;
  std::map<std::string, std::vector<std::string>> failures_;
  std::map<std::string, std::string> figures_;
  std::int64_t violation_count_ = 0;
};

CheckReport RunChecks(const CheckOptions& options, const RunFixture& fixture, const LogContents& log);

}  // namespace aftersales::reliability
