#include "engine/cases/order_fulfilment.h"

#include <algorithm>
#include <map>
#include <regex>

#include "domain/utf8.h"
#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/cases/case_work.h"
#include "engine/cases/late_compensation.h"
#include "engine/webhooks/outbox_event.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCarrierChars = 64;

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }
json TextOrNull(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json LinesJson(const std::vector<ShippedLine>& lines) {
  json out = json::array();
  for (const auto& l : lines) out.push_back({{"line_id", l.line_id}, {"qty", l.qty}});
  return out;
}

// Units of the line that approved refund-before-shipment cases keep.
std::int64_t KeptQty(const std::vector<Case>& cases, const std::string& line_id) {
  std::int64_t n = 0;
  for (const auto& c : cases) {
    if (!KeepsUnitsFromShipping(c)) continue;
    for (const auto& l : c.lines) {
      if (l.line_id == line_id) n += l.qty;
    }
  }
  return n;
}

// Units of the line that live refund-before-shipment cases hold, approved
// or not: a shipment takes units no such case holds first.
std::int64_t HeldByRefundsQty(const std::vector<Case>& cases, const std::string& line_id) {
  std::int64_t n = 0;
  for (const auto& c : cases) {
    if (!IsRefundBeforeShipment(c) || !c.HoldsUnits()) continue;
    for (const auto& l : c.lines) {
      if (l.line_id == line_id) n += l.qty;
    }
  }
  return n;
}

std::size_t CodePoints(const std::string& s) {
  std::size_t pos = 0, n = 0;
  char32_t cp = 0;
  while (pos < s.size() && DecodeUtf8(s, &pos, &cp)) ++n;
  return n;
}

bool IsTrackingNo(const std::string& s) {
  static const std::regex kTracking("[A-Za-z0-9._-]{1,64}");
  return std::regex_match(s, kTracking);
}

std::optional<std::int64_t> OpenOrderShipId(const std::vector<DeadlineRow>& listed) {
  for (const auto& d : listed) {
    if (d.kind == DeadlineKind::kOrderShip && d.status == DeadlineStatus::kOpen) return d.id;
  }
  return std::nullopt;
}

}  // namespace

bool IsRefundBeforeShipment(const Case& kase) { return kase.reason == "not_shipped"; }

bool KeepsUnitsFromShipping(const Case& kase) {
  return IsRefundBeforeShipment(kase) && (kase.state == State::kRefunding || kase.state == State::kRefunded);
}

bool YieldsUnitsToShipment(const Case& kase) {
  if (!IsRefundBeforeShipment(kase)) return false;
  switch (kase.state) {
    case State::kRequested:
    case State::kPendingApproval:
    case State::kNegotiating:
    case State::kRejected:
    case State::kEscalated: return true;
    default: return false;
  }
}

std::int64_t ToShipQty(const Order& order, const std::vector<Case>& cases, const OrderLine& line) {
  return std::max<std::int64_t>(0, line.qty - order.ShippedQty(line.line_id) - KeptQty(cases, line.line_id));
}

ShipmentStatus ShipmentStatusOf(const Order& order, const std::vector<Case>& cases) {
  for (const auto& l : order.lines) {
    if (ToShipQty(order, cases, l) > 0) return ShipmentStatus::kUnshipped;
  }
  for (const auto& l : order.lines) {
    if (order.ShippedQty(l.line_id) > 0) return ShipmentStatus::kShipped;
  }
  return ShipmentStatus::kRefunded;
}

Money UnshippedGoodsPaid(const Order& order, const std::vector<Case>& cases) {
  Money t = 0;
  for (const auto& l : order.lines) {
    if (l.qty > 0) t += l.paid * ToShipQty(order, cases, l) / l.qty;
  }
  return t;
}

// ---------------------------------------------------------------------------

Result<std::optional<ShipWork>> ShipWork::Open(WriteTxn& txn, const std::string& order_id) {
  AS_ASSIGN_OR_RETURN(auto order, txn.GetOrder(order_id));
  if (!order) return std::optional<ShipWork>();
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(txn, order_id));
  return std::optional<ShipWork>(ShipWork(txn, std::move(*order), std::move(cases)));
}

Result<ShipWork> ShipWork::Create(WriteTxn& txn, Order order, const Actor& actor, const Policy& policy,
                                  TimePoint now) {
  order.policy_version = policy.version;
  if (!order.shipments.empty()) {
    // Created shipped (SPEC §10.1): one shipment of everything.
    order.shipments.front().id = "shp_" + order.id + "_1";
    order.shipments.front().by = actor.id;
    order.ship_by.reset();
    order.shipment_status = ShipmentStatus::kShipped;
  } else {
    if (!order.ship_by) order.ship_by = policy.DefaultShipBy(order.paid_at);
    order.shipment_status = ShipmentStatus::kUnshipped;
  }
  AS_RETURN_IF_ERROR(txn.InsertOrder(order));
  ShipWork work(txn, std::move(order), {});
  if (work.order_.shipment_status == ShipmentStatus::kUnshipped && work.order_.ship_by) {
    AS_RETURN_IF_ERROR(work.StartOrderShip(now));
  }
  return work;
}

Status ShipWork::StartOrderShip(TimePoint now) {
  DeadlineRow row;
  row.order_id = order_.id;
  row.kind = DeadlineKind::kOrderShip;
  row.started_at = now;
  row.due_at = *order_.ship_by;
  row.status = DeadlineStatus::kOpen;
  return txn_->InsertDeadline(row).status();
}

Result<bool> ShipWork::FireDue(const Policy& policy, TimePoint now) {
  AS_ASSIGN_OR_RETURN(auto listed, txn_->ListedOrderDeadlines(order_.id));
  const auto open = std::find_if(listed.begin(), listed.end(), [&](const DeadlineRow& d) {
    return d.kind == DeadlineKind::kOrderShip && d.status == DeadlineStatus::kOpen && d.due_at <= now;
  });
  if (open == listed.end()) return false;
  const TimePoint due = open->due_at;
  // As if the engine had been running at due_at, but never before the order
  // existed (an order created after its ship_by breaches at creation).
  const TimePoint at = std::max(due, order_.created_at);
  AS_RETURN_IF_ERROR(txn_->SetDeadlineStatus(open->id, DeadlineStatus::kBreached, at));

  // SPEC §10.4: a penalty on the goods still to ship, submitted after the
  // breach entry, which names it.
  const Money late_goods = UnshippedGoodsPaid(order_, cases_);
  std::optional<std::string> compensation_case;
  if (LateCompensationDue(policy, late_goods)) compensation_case = NewCaseId();
  const json compensation_id = compensation_case ? json(*compensation_case) : json(nullptr);
  const Actor system = Actor::System();
  // The breach entry precedes the compensation's submit entry (SPEC v3.1).
  AS_RETURN_IF_ERROR(Audit(system, "deadline_breached",
                           {{"deadline", "order_ship"},
                            {"due_at", FormatTime(due)},
                            {"order_id", order_.id},
                            {"assignee", nullptr},
                            {"compensation_case_id", compensation_id}},
                           at));
  AS_RETURN_IF_ERROR(Emit("sla.breached",
                          {{"case_id", nullptr},
                           {"order_id", order_.id},
                           {"deadline", "order_ship"},
                           {"due_at", FormatTime(due)},
                           {"assignee", nullptr}},
                          now));
  if (compensation_case) {
    AS_RETURN_IF_ERROR(SubmitLateCompensation(*txn_, order_, policy, late_goods, at, *compensation_case).status());
  }
  return true;
}

Status ShipWork::CloseYieldingCases(const std::string& line_id, std::int64_t units_needed,
                                    const std::string& shipment_id, TimePoint now) {
  // Newest first (created_at, then id): the last request yields first.
  std::vector<Case*> yielding;
  for (auto& c : cases_) {
    if (!YieldsUnitsToShipment(c)) continue;
    if (std::any_of(c.lines.begin(), c.lines.end(), [&](const CaseLine& l) { return l.line_id == line_id; })) {
      yielding.push_back(&c);
    }
  }
  std::sort(yielding.begin(), yielding.end(), [](const Case* a, const Case* b) {
    return a->created_at != b->created_at ? a->created_at > b->created_at : a->id > b->id;
  });
  for (Case* c : yielding) {
    if (units_needed <= 0) break;
    for (const auto& l : c->lines) {
      if (l.line_id == line_id) units_needed -= l.qty;
    }
    // The case closes whole (SPEC v3.1), in this transaction.
    AS_ASSIGN_OR_RETURN(auto opened, CaseWork::Open(*txn_, c->id));
    if (!opened) return Status::Internal("case " + c->id + " vanished");
    CaseWork& work = *opened;
    const State from = work.kase().state;
    Case& k = work.kase();
    k.state = State::kClosed;
    k.close_reason = "shipped_before_refund";
    k.offer.reset();
    k.deadlines.clear();
    k.version += 1;
    k.updated_at = now;
    work.Audit(Actor::System(), "order_shipment", from, State::kClosed,
               {{"shipment_id", shipment_id}, {"version", k.version}}, now);
    work.EmitChange("order_shipment", now);
    AS_RETURN_IF_ERROR(work.Write(now));
    *c = work.kase();
  }
  return Status::Ok();
}

Result<std::string> ShipWork::Ship(const Actor& actor, const ShipmentRequest& request, TimePoint now) {
  std::vector<FieldError> errors;
  const std::size_t carrier_chars = CodePoints(request.carrier);
  if (carrier_chars < 1 || carrier_chars > kMaxCarrierChars) errors.push_back({"carrier", "must be 1 to 64 characters"});
  if (!IsTrackingNo(request.tracking_no)) errors.push_back({"tracking_no", "must match [A-Za-z0-9._-]{1,64}"});
  if (request.lines) {
    if (request.lines->empty()) errors.push_back({"lines", "must name at least one line (leave it out to ship all)"});
    std::map<std::string, int> seen;
    for (std::size_t i = 0; i < request.lines->size(); ++i) {
      const auto& l = (*request.lines)[i];
      const std::string field = "lines[" + std::to_string(i) + "]";
      if (!order_.FindLine(l.line_id)) errors.push_back({field + ".line_id", "no line " + l.line_id + " on the order"});
      if (++seen[l.line_id] > 1) errors.push_back({field + ".line_id", "line " + l.line_id + " appears twice"});
      if (l.qty < 1) errors.push_back({field + ".qty", "must be at least 1"});
    }
  }
  if (request.shipped_at) {
    if (actor.role != Role::kIntegration) {
      errors.push_back({"shipped_at", "only an integration reports the carrier's pickup time"});
    } else if (*request.shipped_at < order_.paid_at || *request.shipped_at > now) {
      errors.push_back({"shipped_at", "must lie between paid_at and now"});
    }
  }
  AS_RETURN_IF_ERROR(ValidationErrors(errors));

  // What ships: the lines asked for, or every unit still to ship.
  std::vector<ShippedLine> lines;
  if (request.lines) {
    lines = *request.lines;
    for (const auto& l : lines) {
      const OrderLine& line = *order_.FindLine(l.line_id);
      const std::int64_t unshipped = line.qty - order_.ShippedQty(l.line_id);
      if (l.qty > unshipped) {
        return Status(Code::kQuantityExceedsUnshipped,
                      "line " + l.line_id + ": " + std::to_string(unshipped) + " unit(s) are not shipped yet");
      }
    }
    for (const auto& l : lines) {
      const std::int64_t to_ship = ToShipQty(order_, cases_, *order_.FindLine(l.line_id));
      if (l.qty > to_ship) {
        return Status(Code::kOrderRefunded, "line " + l.line_id + ": only " + std::to_string(to_ship) +
                                                " unit(s) may ship; the others are refunded before shipment");
      }
    }
  } else {
    bool any_unshipped = false;
    for (const auto& l : order_.lines) {
      if (l.qty - order_.ShippedQty(l.line_id) > 0) any_unshipped = true;
      const std::int64_t to_ship = ToShipQty(order_, cases_, l);
      if (to_ship > 0) lines.push_back({l.line_id, to_ship});
    }
    if (!any_unshipped) return Status(Code::kQuantityExceedsUnshipped, "every unit of the order has shipped");
    if (lines.empty()) return Status(Code::kOrderRefunded, "the units not shipped are refunded before shipment");
  }

  OrderShipment shipment;
  shipment.id = "shp_" + order_.id + "_" + std::to_string(order_.shipments.size() + 1);
  shipment.carrier = request.carrier;
  shipment.tracking_no = request.tracking_no;
  shipment.lines = lines;
  shipment.shipped_at = request.shipped_at.value_or(now);
  shipment.by = actor.id;
  // Units come first from those no refund-before-shipment case holds; the
  // rest from unapproved ones, which close.
  for (const auto& l : lines) {
    const OrderLine& line = *order_.FindLine(l.line_id);
    const std::int64_t free =
        line.qty - order_.ShippedQty(l.line_id) - HeldByRefundsQty(cases_, l.line_id);
    if (l.qty > free) AS_RETURN_IF_ERROR(CloseYieldingCases(l.line_id, l.qty - free, shipment.id, now));
  }
  order_.shipments.push_back(shipment);
  AS_RETURN_IF_ERROR(Settle(now));
  json data = {{"order_id", order_.id},
               {"shipment_id", shipment.id},
               {"carrier", TextOrNull(shipment.carrier)},
               {"tracking_no", TextOrNull(shipment.tracking_no)},
               {"lines", LinesJson(shipment.lines)},
               {"shipment_status", NameOf(order_.shipment_status)}};
  if (request.shipped_at) data["shipped_at"] = FormatTime(*request.shipped_at);
  AS_RETURN_IF_ERROR(Audit(actor, "order_shipment", data, now));
  AS_RETURN_IF_ERROR(Emit("order.shipment_created", data, now));
  return shipment.id;
}

Status ShipWork::ShipRest(const Actor& actor, TimePoint now) {
  std::vector<ShippedLine> lines;
  for (const auto& l : order_.lines) {
    const std::int64_t to_ship = ToShipQty(order_, cases_, l);
    if (to_ship > 0) lines.push_back({l.line_id, to_ship});
  }
  if (lines.empty()) return Status::Ok();
  OrderShipment shipment;
  shipment.id = "shp_" + order_.id + "_" + std::to_string(order_.shipments.size() + 1);
  shipment.lines = lines;
  shipment.shipped_at = now;
  shipment.by = actor.id;
  for (const auto& l : lines) {
    const OrderLine& line = *order_.FindLine(l.line_id);
    const std::int64_t free = line.qty - order_.ShippedQty(l.line_id) - HeldByRefundsQty(cases_, l.line_id);
    if (l.qty > free) AS_RETURN_IF_ERROR(CloseYieldingCases(l.line_id, l.qty - free, shipment.id, now));
  }
  order_.shipments.push_back(shipment);
  AS_RETURN_IF_ERROR(Settle(now));
  const json data = {{"order_id", order_.id},       {"shipment_id", shipment.id},
                     {"carrier", nullptr},          {"tracking_no", nullptr},
                     {"lines", LinesJson(lines)},   {"shipment_status", NameOf(order_.shipment_status)}};
  AS_RETURN_IF_ERROR(Audit(actor, "order_shipment", data, now));
  return Emit("order.shipment_created", data, now);
}

Status ShipWork::MoveShipBy(const Actor& actor, TimePoint ship_by, TimePoint now) {
  const std::optional<TimePoint> old = order_.ship_by;
  order_.ship_by = ship_by;
  AS_ASSIGN_OR_RETURN(auto listed, txn_->ListedOrderDeadlines(order_.id));
  const bool breached = std::any_of(listed.begin(), listed.end(), [](const DeadlineRow& d) {
    return d.kind == DeadlineKind::kOrderShip && d.status == DeadlineStatus::kBreached;
  });
  if (const auto open = OpenOrderShipId(listed)) {
    AS_RETURN_IF_ERROR(txn_->SetDeadlineDue(*open, ship_by));
  } else if (!breached) {
    // An order that was not supervised is from now on.
    AS_RETURN_IF_ERROR(StartOrderShip(now));
  }
  AS_RETURN_IF_ERROR(txn_->UpdateOrderFulfilment(order_));
  return Audit(actor, "order_ship_by_changed",
               {{"order_id", order_.id}, {"from", TimeOrNull(old)}, {"to", FormatTime(ship_by)}}, now);
}

Status ShipWork::Settle(TimePoint at) {
  order_.shipment_status = ShipmentStatusOf(order_, cases_);
  AS_RETURN_IF_ERROR(txn_->UpdateOrderFulfilment(order_));
  if (order_.shipment_status == ShipmentStatus::kUnshipped) return Status::Ok();
  // order_ship ends when the order leaves unshipped; a breach stays known.
  AS_ASSIGN_OR_RETURN(auto listed, txn_->ListedOrderDeadlines(order_.id));
  for (const auto& d : listed) AS_RETURN_IF_ERROR(txn_->SetDeadlineStatus(d.id, DeadlineStatus::kDone, at));
  return Status::Ok();
}

Result<OrderView> ShipWork::View(const Policy& policy) {
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(*txn_, order_.id));
  cases_ = std::move(cases);
  return LoadOrderView(*txn_, order_, policy);
}

Status ShipWork::Audit(const Actor& actor, const std::string& action, json data, TimePoint at) {
  return AuditLog::Append(*txn_, AuditRecordOf(actor, at, action, std::move(data))).status();
}

Status ShipWork::Emit(const std::string& type, json data, TimePoint at) {
  return txn_->InsertOutbox(MakeOutboxEvent(type, std::nullopt, data, at)).status();
}

Status SettleOrderAfterCase(WriteTxn& txn, const Order& order, const std::vector<Case>& others, const Case& kase,
                            TimePoint at) {
  std::vector<Case> all = others;
  all.push_back(kase);
  const ShipmentStatus status = ShipmentStatusOf(order, all);
  if (status == order.shipment_status) return Status::Ok();
  AS_ASSIGN_OR_RETURN(auto work, ShipWork::Open(txn, order.id));
  if (!work) return Status::Internal("order " + order.id + " vanished");
  return work->Settle(at);
}

Result<OrderView> LoadOrderView(ReadTxn& txn, const Order& order, const Policy& policy) {
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(txn, order.id));
  OrderView view = MakeOrderView(order, cases, policy);
  AS_ASSIGN_OR_RETURN(view.deadlines, txn.ListedOrderDeadlines(order.id));
  return view;
}

}  // namespace aftersales
