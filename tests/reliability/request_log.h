// RequestLog: the client log of a reliability run, one JSON object per
// line, appended by every load thread and by every load process of a run
// (rounds add to the same file). A line records one request and what came
// back: nothing (status 0: the server died or hung), a refusal, or an
// acknowledgement whose answer the checks later look for in the database.
// A marker line ({"marker": NAME}) records a moment: every request above
// it was answered before it (the backup taken during the soak).
//
// Thread-safety: Append and Mark may be called from any thread; each line
// is written whole and flushed. ReadRequestLog is for one thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aftersales::reliability {

// What a request was for, which decides what the checks look for.
enum class RequestKind { kOrder, kSubmit, kAction, kClock, kRead };

const char* NameOf(RequestKind kind);

struct LoggedRequest {
  std::string tag;  // unique per request; the note or description it carries
  int client = 0;
  RequestKind kind = RequestKind::kAction;
  std::string action;  // kAction only
  std::string actor;   // the user name whose token was sent ("" for none or a bad one)
  std::string method;
  std::string path;
  std::string body;             // as sent
  std::string idempotency_key;  // "" when none was sent
  std::string case_id;          // the case it addressed (kAction) or made (kSubmit, once answered)
  // "" for a request meant to succeed (it may still be refused by a race);
  // otherwise what makes it invalid, which must be refused.
  std::string invalid;
  bool retry = false;  // a resend, after a restart, of a request that got no answer
  int status = 0;
  std::string code;  // problem+json code of a refusal
  bool replayed = false;
  // The parts of the answer the checks compare: for a case id, state,
  // version and refunds; for a clock move now and fired; for an order id.
  nlohmann::json answer;
  // Behind a proxy (the scale-out test): a 5xx that the proxy made, not a
  // server (no problem+json): the server it went to died under it, so the
  // request may or may not have been applied.
  bool gateway = false;
  // Wall time, milliseconds since the epoch, when the request was sent and
  // when its answer (or its failure) came; 0 in logs that predate them.
  std::int64_t sent_ms = 0;
  std::int64_t answered_ms = 0;
  // A race (several clients sending at once what at most `race_limit` of
  // them may win): the race's name, shared by its requests; "" otherwise.
  std::string race;
  int race_limit = 0;

  bool acknowledged() const { return status >= 200 && status < 300; }
  // Whether this answer leaves open whether the request was applied: no
  // answer, the proxy's 5xx, or the key still held by an earlier attempt.
  bool ambiguous() const { return status == 0 || gateway || code == "idempotency_in_progress"; }
  // A refusal that applies to every later attempt too: a 4xx other than
  // idempotency_in_progress and rate_limited.
  bool definitive_refusal() const { return status >= 400 && status < 500 && !ambiguous() && code != "rate_limited"; }
  // The server said this attempt changed nothing, but another may succeed:
  // 503 (storage unavailable, server busy) or 429.
  bool transient_refusal() const { return !gateway && (status == 503 || status == 429); }
};

nlohmann::json ToJson(const LoggedRequest& r);
LoggedRequest FromJson(const nlohmann::json& j);

class RequestLog {
 public:
  // Opens `path` for appending (created when missing). Throws
  // std::runtime_error when it cannot.
  explicit RequestLog(const std::string& path);

  void Append(const LoggedRequest& request);
  void Mark(const std::string& name);

 private:
  std::mutex mu_;
  std::ofstream out_;
};

struct LogContents {
  std::vector<LoggedRequest> requests;
  // Marker name -> how many requests precede it.
  std::map<std::string, std::size_t> markers;
};

// Reads a whole log. Throws std::runtime_error on an unreadable file or a
// line that is not a log record.
LogContents ReadRequestLog(const std::string& path);

}  // namespace aftersales::reliability
