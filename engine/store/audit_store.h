// The audit log of the store seam (engine/store/store.h): SPEC §7's
// append-only, hash-chained entries, stored one column per key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

// One audit entry exactly as SPEC §7 stores it.
struct AuditRow {
  std::int64_t seq = 0;
  std::string at;  // RFC 3339, as served
  std::string actor_id;
  std::string actor_role;
  std::optional<std::string> case_id;
  std::string action;
  std::optional<std::string> from_state;
  std::optional<std::string> to_state;
  std::string data;  // canonical JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditFilter {
  std::optional<std::string> case_id;
  std::optional<std::string> actor_id;
  std::optional<std::string> action;
  std::optional<std::string> from;  // RFC 3339 UTC as stored; inclusive
  std::optional<std::string> to;    // inclusive
  std::int64_t after_seq = 0;
  std::optional<std::int64_t> before_seq;  // only entries with seq < before_seq
  bool newest_first = false;               // by seq descending, else ascending
  int limit = 100;
};

class AuditReads {
 public:
  virtual ~AuditReads() = default;
  // The last audit entry, or nullopt when the log is empty.
  virtual Result<std::optional<AuditRow>> AuditHead() = 0;
  // The entries the filter names, by seq in its direction, at most `limit`.
  virtual Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) = 0;
  // Calls `fn` for every entry in seq order; stops early when fn returns false.
  // The row passed to `fn` is valid only during that call (a backend may
  // reuse one row for the whole scan): copy what must outlive it.
  virtual Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) = 0;
  // Calls `fn` with the seq and `hash` of every entry with from_seq <= seq
  // <= to_seq, in seq order (a key range scan that reads nothing else);
  // stops early when fn returns false. For Merkle trees over the log.
  virtual Status AuditHashes(std::int64_t from_seq, std::int64_t to_seq,
                             const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) = 0;
};

// Where the chain ends: what the next entry links to (seq + 1, prev_hash).
struct AuditLink {
  std::int64_t seq = 0;
  std::string hash;
};

class AuditWrites {
 public:
  virtual ~AuditWrites() = default;
  // The seq and hash of the last entry (nullopt when the log is empty), as
  // the next AppendAudit of this transaction must chain them; reads nothing
  // else of the entry. The appenders' order is the backend's to keep.
  virtual Result<std::optional<AuditLink>> AuditChainHead() = 0;
  // Appends an entry; the caller has chained it (seq = head + 1).
  virtual Status AppendAudit(const AuditRow& row) = 0;
};

}  // namespace aftersales
