// RetryLostRaces: runs a command whose write lost a race again. A store
// that runs writes side by side (PgStore's keyed writes) reports a
// serialization failure or a deadlock as server_busy: PostgreSQL rolled the
// transaction back, nothing was written, and the command, run again from
// its own BeginKeyedWrite, reads what the winner committed. By the lock
// order of PgStore (db/README.md) neither should happen; this bounds what
// happens if one does. After kWriteAttempts lost races the last server_busy
// is returned (503, to be retried by the client with its Idempotency-Key).
//
// `command` must begin, write and commit its own transaction on each call,
// and have no effect outside it. Thread-safe as `command` is.
#pragma once

#include "domain/status.h"

namespace aftersales {

constexpr int kWriteAttempts = 3;

namespace write_retry {
inline const Status& StatusOf(const Status& s) { return s; }
template <class T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
}  // namespace write_retry

template <class Command>
auto RetryLostRaces(Command command) -> decltype(command()) {
  auto result = command();
  for (int attempt = 1; attempt < kWriteAttempts && write_retry::StatusOf(result).code() == Code::kServerBusy;
       ++attempt) {
    result = command();
  }
  return result;
}

}  // namespace aftersales
