// AuditLog: the append-only, hash-chained record of SPEC §7.
//
// hash = lowercase hex SHA-256 of the ASCII prev_hash followed by the
// canonical JSON (RFC 8785: sorted keys, no spaces, integers only) of the
// entry without `hash`, i.e. of {seq, at, actor:{id, role}, case_id, action,
// from_state, to_state, data, prev_hash}. The first prev_hash is 64 zeros.
// Entries are appended inside the caller's write transaction, so an entry
// exists exactly when its change does. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

// What happened, before it is chained.
struct AuditRecord {
  TimePoint at = 0;
  std::string actor_id;
  std::string actor_role;
  std::optional<std::string> case_id;
  std::string action;
  std::optional<std::string> from_state;
  std::optional<std::string> to_state;
  nlohmann::json data = nlohmann::json::object();  // never a token, password or secret
};

// An entry by `actor` at `at` that concerns no case (users, webhooks, …).
AuditRecord AuditRecordOf(const Actor& actor, TimePoint at, std::string action, nlohmann::json data);

struct AuditVerification {
  bool ok = true;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;          // empty when ok
  std::optional<AuditRow> head;  // the last entry checked
};

// How far a long scan of the log got, for progress lines: `report` is
// called with the number of entries done, every `every` entries.
struct ScanProgress {
  std::int64_t every = 100000;
  std::function<void(std::int64_t done)> report;

  void Tick(std::int64_t done) const {
    if (report && every > 0 && done % every == 0) report(done);
  }
};

constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// RFC 8785 canonical JSON of `value`. Floating-point numbers are refused
// (validation_failed): SPEC §7 allows integers only.
Result<std::string> CanonicalJson(const nlohmann::json& value);

class AuditLog {
 public:
  // Chains `record` after the current head in `txn` and appends it.
  // Returns the stored row. Errors: unavailable, validation_failed (a float
  // in data). On error the caller must roll back.
  static Result<AuditRow> Append(WriteTxn& txn, const AuditRecord& record);
  // The hash SPEC §7 defines for `row` (its own `hash` is ignored).
  static std::string ComputeHash(const AuditRow& row);
  // Recomputes every hash and checks seq continuity and prev_hash links,
  // ticking `progress` with the entries checked.
  static Result<AuditVerification> Verify(ReadTxn& txn, const ScanProgress& progress = {});
  // The entry as served: {seq, at, actor:{id, role}, case_id, action,
  // from_state, to_state, data, prev_hash, hash}.
  static nlohmann::json ToJson(const AuditRow& row);
};

}  // namespace aftersales
