#include "reliability/request_log.h"

#include <stdexcept>

namespace aftersales::reliability {

using nlohmann::json;

namespace {

constexpr RequestKind kKinds[] = {RequestKind::kOrder, RequestKind::kSubmit, RequestKind::kAction, RequestKind::kClock,
                                  RequestKind::kRead};

RequestKind ParseKind(const std::string& name) {
  for (RequestKind kind : kKinds) {
    if (name == NameOf(kind)) return kind;
  }
  throw std::runtime_error("unknown request kind '" + name + "' in the request log");
}

}  // namespace

const char* NameOf(RequestKind kind) {
  switch (kind) {
    case RequestKind::kOrder:
      return "order";
    case RequestKind::kSubmit:
      return "submit";
    case RequestKind::kAction:
      return "action";
    case RequestKind::kClock:
      return "clock";
    case RequestKind::kRead:
      return "read";
  }
  return "?";
}

json ToJson(const LoggedRequest& r) {
  json j{{"tag", r.tag},       {"client", r.client},   {"kind", NameOf(r.kind)},
         {"action", r.action}, {"actor", r.actor},     {"method", r.method},
         {"path", r.path},     {"body", r.body},       {"key", r.idempotency_key},
         {"case", r.case_id},  {"invalid", r.invalid}, {"retry", r.retry},
         {"status", r.status}, {"code", r.code},       {"replayed", r.replayed},
         {"answer", r.answer}};
  // Written only when set, so that the logs of the SQLite tests stay as they were.
  if (r.gateway) j["gateway"] = true;
  if (r.sent_ms != 0) j["sent_ms"] = r.sent_ms;
  if (r.answered_ms != 0) j["answered_ms"] = r.answered_ms;
  if (!r.race.empty()) {
    j["race"] = r.race;
    j["race_limit"] = r.race_limit;
  }
  return j;
}

LoggedRequest FromJson(const json& j) {
  LoggedRequest r;
  r.tag = j.at("tag").get<std::string>();
  r.client = j.at("client").get<int>();
  r.kind = ParseKind(j.at("kind").get<std::string>());
  r.action = j.at("action").get<std::string>();
  r.actor = j.at("actor").get<std::string>();
  r.method = j.at("method").get<std::string>();
  r.path = j.at("path").get<std::string>();
  r.body = j.at("body").get<std::string>();
  r.idempotency_key = j.at("key").get<std::string>();
  r.case_id = j.at("case").get<std::string>();
  r.invalid = j.at("invalid").get<std::string>();
  r.retry = j.at("retry").get<bool>();
  r.status = j.at("status").get<int>();
  r.code = j.at("code").get<std::string>();
  r.replayed = j.at("replayed").get<bool>();
  r.answer = j.at("answer");
  r.gateway = j.value("gateway", false);
  r.sent_ms = j.value("sent_ms", std::int64_t{0});
  r.answered_ms = j.value("answered_ms", std::int64_t{0});
  r.race = j.value("race", std::string());
  r.race_limit = j.value("race_limit", 0);
  return r;
}

RequestLog::RequestLog(const std::string& path) : out_(path, std::ios::app) {
  if (!out_) throw std::runtime_error("cannot open the request log " + path);
}

void RequestLog::Append(const LoggedRequest& request) {
  const std::string line = ToJson(request).dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line;
  out_.flush();
}

void RequestLog::Mark(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  out_ << json{{"marker", name}}.dump() << "\n";
  out_.flush();
}

LogContents ReadRequestLog(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the request log " + path);
  LogContents contents;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) throw std::runtime_error(path + ":" + std::to_string(number) + ": not a JSON object");
    if (j.contains("marker")) {
      contents.markers[j["marker"].get<std::string>()] = contents.requests.size();
      continue;
    }
    try {
      contents.requests.push_back(FromJson(j));
    } catch (const json::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return contents;
}

}  // namespace aftersales::reliability
