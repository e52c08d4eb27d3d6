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

  bool acknowledged() const { return status >= 200 && status < 300; }
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
