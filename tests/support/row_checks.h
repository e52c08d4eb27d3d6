// Field-by-field comparisons of the store's rows (engine/store/), one
// CHECK per field so that a failure names the field: for the storage tests
// and for a copy of a database (`aftersales migrate`).
#pragma once

#include <catch2/catch.hpp>

#include "engine/store/store.h"

namespace aftersales::testing {

inline void CheckSame(const Order& a, const Order& b) {
  CHECK(a.id == b.id);
  CHECK(a.buyer_id == b.buyer_id);
  CHECK(a.currency == b.currency);
  CHECK(a.placed_at == b.placed_at);
  CHECK(a.paid_at == b.paid_at);
  CHECK(a.ship_by == b.ship_by);
  CHECK(a.delivered_at == b.delivered_at);
  CHECK(a.shipping_paid == b.shipping_paid);
  CHECK(a.shipment_status == b.shipment_status);
  CHECK(a.policy_version == b.policy_version);
  CHECK(a.created_at == b.created_at);
  CHECK(a.shipments.size() == b.shipments.size());
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].line_id == b.lines[i].line_id);
    CHECK(a.lines[i].sku == b.lines[i].sku);
    CHECK(a.lines[i].title == b.lines[i].title);
    CHECK(a.lines[i].qty == b.lines[i].qty);
    CHECK(a.lines[i].paid == b.lines[i].paid);
    CHECK(a.lines[i].no_reason_return == b.lines[i].no_reason_return);
  }
}

inline void CheckSame(const CaseRow& a, const CaseRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.order_id == b.order_id);
  CHECK(a.buyer_id == b.buyer_id);
  CHECK(a.type == b.type);
  CHECK(a.state == b.state);
  CHECK(a.version == b.version);
  CHECK(a.assignee == b.assignee);
  CHECK(a.policy_version == b.policy_version);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.next_due_at == b.next_due_at);
  CHECK(a.breached == b.breached);
  CHECK(a.risk_flagged == b.risk_flagged);
  CHECK(a.return_tracking_no == b.return_tracking_no);
  CHECK(a.replacement_tracking_no == b.replacement_tracking_no);
  CHECK(a.doc == b.doc);
}

inline void CheckSame(const DeadlineRow& a, const DeadlineRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.case_id == b.case_id);
  CHECK(a.kind == b.kind);
  CHECK(a.started_at == b.started_at);
  CHECK(a.due_at == b.due_at);
  CHECK(a.status == b.status);
  CHECK(a.closed_at == b.closed_at);
}

inline void CheckSame(const Text& a, const Text& b) {
  CHECK(a.id == b.id);
  CHECK(a.case_id == b.case_id);
  CHECK(a.kind == b.kind);
  CHECK(a.visibility == b.visibility);
  CHECK(a.author_id == b.author_id);
  CHECK(a.body == b.body);
  CHECK(a.sha256 == b.sha256);
  CHECK(a.created_at == b.created_at);
}

inline void CheckSame(const UserRow& a, const UserRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.role == b.role);
  CHECK(a.approval_limit == b.approval_limit);
  CHECK(a.external_id == b.external_id);
  CHECK(a.disabled == b.disabled);
  CHECK(a.password_hash == b.password_hash);
  CHECK(a.created_at == b.created_at);
}

inline void CheckSame(const AuditRow& a, const AuditRow& b) {
  CHECK(a.seq == b.seq);
  CHECK(a.at == b.at);
  CHECK(a.actor_id == b.actor_id);
  CHECK(a.actor_role == b.actor_role);
  CHECK(a.case_id == b.case_id);
  CHECK(a.action == b.action);
  CHECK(a.from_state == b.from_state);
  CHECK(a.to_state == b.to_state);
  CHECK(a.data == b.data);
  CHECK(a.prev_hash == b.prev_hash);
  CHECK(a.hash == b.hash);
}

inline void CheckSame(const WebhookRow& a, const WebhookRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.url == b.url);
  CHECK(a.events == b.events);
  CHECK(a.secret == b.secret);
  CHECK(a.created_at == b.created_at);
  CHECK(a.disabled == b.disabled);
}

inline void CheckSame(const DeliveryRow& a, const DeliveryRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.webhook_id == b.webhook_id);
  CHECK(a.outbox_id == b.outbox_id);
  CHECK(a.event_id == b.event_id);
  CHECK(a.event_type == b.event_type);
  CHECK(a.status == b.status);
  CHECK(a.attempts == b.attempts);
  CHECK(a.next_attempt_at == b.next_attempt_at);
  CHECK(a.last_status == b.last_status);
  CHECK(a.last_error == b.last_error);
  CHECK(a.started_at == b.started_at);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
}

}  // namespace aftersales::testing
