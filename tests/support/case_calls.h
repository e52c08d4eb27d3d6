// The one place where the tests of roles and limits (role_matrix.h,
// tests/engine/role_matrix_test.cc, tests/engine/limit_edges_test.cc) call
// the engine: through api/json_api.h, the JSON door the HTTP layer takes
// too. Each call answers an `Answer`, the shape an HTTP client sees:
// status, SPEC §6 code, and the case (success) or the problem's extra
// members (failure). When that door changes, only this file changes.
// Stateless functions; as thread-safe as the JsonApi they call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/json_api.h"
#include "engine/store/store.h"

namespace aftersales::testing {

// What a caller learns from one call.
struct Answer {
  int status = 0;       // 200 (201 for a submit or an order), else SPEC §6's status
  std::string code;     // SPEC §6's code; empty on success
  nlohmann::json body;  // the case or order; on failure the problem's extra members (state, allowed_actions)
  std::string message;  // the problem's detail
  bool ok() const { return status >= 200 && status < 300; }
};

inline Answer AnswerOf(const Result<nlohmann::json>& r, int success_status) {
  Answer a;
  if (r.ok()) {
    a.status = success_status;
    a.body = *r;
    return a;
  }
  a.status = HttpStatusOf(r.status().code());
  a.code = CodeName(r.status().code());
  a.body = r.status().extra();
  a.message = r.status().message();
  return a;
}

// POST /cases/{id}/actions/{action} with `body`, as `actor`.
inline Answer EngineAct(JsonApi& cases, const Actor& actor, const std::string& case_id, const std::string& action,
                        const nlohmann::json& body) {
  return AnswerOf(cases.Apply(actor, case_id, action, body), 200);
}

// POST /cases with `body`, as `actor`.
inline Answer EngineSubmit(JsonApi& cases, const Actor& actor, const nlohmann::json& body) {
  return AnswerOf(cases.Submit(actor, body), 201);
}

// POST /orders with `body`, as `actor`.
inline Answer EngineCreateOrder(JsonApi& cases, const Actor& actor, const nlohmann::json& body) {
  return AnswerOf(cases.CreateOrder(actor, body), 201);
}

// GET /cases/{id}, as `actor` (allowed_actions are the actor's).
inline Answer EngineView(JsonApi& cases, const Actor& actor, const std::string& case_id) {
  return AnswerOf(cases.GetCase(actor, case_id), 200);
}

// GET /cases/{id}/timeline, as `actor` (a buyer's leaves internal entries and texts out).
inline Answer EngineTimeline(JsonApi& cases, const Actor& actor, const std::string& case_id) {
  return AnswerOf(cases.Timeline(actor, case_id), 200);
}

// Everything an action could change, as text, read from the store: the
// case's row (state, version, assignee, deadlines summary, its document),
// its listed deadlines, how many texts it has, the audit log's head and
// the number of outbox events. Equal texts before and after a refused
// action show it changed nothing.
inline std::string EngineFingerprint(Store& store, const std::string& case_id) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return "<no read: " + txn.status().message() + ">";
  ReadTxn& r = **txn;
  std::string out;
  auto row = r.GetCase(case_id);
  if (!row.ok() || !row->has_value()) return "<no case " + case_id + ">";
  const CaseRow& c = **row;
  out += std::string(NameOf(c.state)) + " v" + std::to_string(c.version) + " " + c.assignee.value_or("-") + " " +
         std::to_string(c.updated_at) + " " + std::to_string(c.next_due_at.value_or(0)) + " " +
         (c.breached ? "breached " : "") + c.doc;
  auto deadlines = r.ListedDeadlines(case_id);
  if (deadlines.ok()) {
    for (const auto& d : *deadlines) out += " " + std::string(NameOf(d.kind)) + "@" + std::to_string(d.due_at) + ":" + NameOf(d.status);
  }
  auto texts = r.TextsOfCase(case_id);
  if (texts.ok()) out += " texts " + std::to_string(texts->size());
  auto head = r.AuditHead();
  if (head.ok() && head->has_value()) out += " audit " + std::to_string((*head)->seq) + " " + (*head)->hash;
  auto outbox = r.CountOutboxAfter(0);
  if (outbox.ok()) out += " outbox " + std::to_string(*outbox);
  return out;
}

}  // namespace aftersales::testing
