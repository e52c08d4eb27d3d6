// Order fulfilment supervision (SPEC §10): what of an order is still to
// ship, its shipment status, its order_ship deadline, shipments and the
// refund-before-shipment (not_shipped) cases they meet.
//
// The free functions are pure rules over an order and its cases. ShipWork
// is one command's work on one order inside the command's write
// transaction: it starts, fires and ends the order's order_ship deadline
// and writes the order's audit entries and events (case_id null,
// data.order_id). Not thread-safe: one per command; writers serialize on
// the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/model.h"
#include "domain/status.h"
#include "engine/cases/case_views.h"
#include "engine/store/store.h"
#include "workflows/policy.h"

namespace aftersales {

// A refund before shipment (未发货仅退款, reason not_shipped).
bool IsRefundBeforeShipment(const Case& kase);
// Approved on (refunding, refunded): its units will never ship.
bool KeepsUnitsFromShipping(const Case& kase);
// Not approved yet (requested … escalated): a shipment may take its units.
bool YieldsUnitsToShipment(const Case& kase);

// Units of the line that left in no shipment and that no approved
// refund-before-shipment case keeps: qty − shipped − kept (SPEC §10.1).
std::int64_t ToShipQty(const Order& order, const std::vector<Case>& cases, const OrderLine& line);
// unshipped while a line has units to ship; else shipped when one unit
// left, else refunded.
ShipmentStatus ShipmentStatusOf(const Order& order, const std::vector<Case>& cases);
// The paid amount of the units still to ship: per line floor(paid ×
// to_ship ÷ qty), shipping not included (SPEC §10.4's T).
Money UnshippedGoodsPaid(const Order& order, const std::vector<Case>& cases);

// One line of a shipment request: `qty` units of `line_id`.
using ShipLine = ShippedLine;

// A shipment being posted (POST /orders/{id}/shipments), validated by the
// edge for its types; ShipWork checks the rest.
struct ShipmentRequest {
  std::string carrier;
  std::string tracking_no;
  std::optional<std::vector<ShipLine>> lines;  // none: every unit still to ship
  std::optional<TimePoint> shipped_at;         // an integration's carrier pickup time
};

class ShipWork {
 public:
  // The order `order_id` as this transaction sees it, with its cases;
  // nullopt when there is no such order.
  static Result<std::optional<ShipWork>> Open(WriteTxn& txn, const std::string& order_id);

  Order& order() { return order_; }
  const std::vector<Case>& cases() const { return cases_; }

  // Creation: stores the order (shipped in full when it came shipped),
  // starts order_ship when it is unshipped with a ship_by, and fires it at
  // once when ship_by has passed. The order's policy_version is set here.
  static Result<ShipWork> Create(WriteTxn& txn, Order order, const Actor& actor, const Policy& policy,
                                 TimePoint now);

  // Fires the order's open order_ship deadline if it is due by `now`: the
  // breach (listed until the order leaves unshipped) and, by the policy's
  // rule, the late compensation. Returns whether one fired.
  Result<bool> FireDue(const Policy& policy, TimePoint now);

  // Ships `request` as `actor` (SPEC §10.2's checks in order, then the
  // units, closing the unapproved not_shipped cases that lose one).
  // Returns the new shipment's id.
  Result<std::string> Ship(const Actor& actor, const ShipmentRequest& request, TimePoint now);
  // A delivery report's implied shipment: every unit still to ship, carrier
  // and tracking null. Nothing to ship: nothing happens.
  Status ShipRest(const Actor& actor, TimePoint now);
  // Moves the open order_ship deadline to a new ship_by (the breach, if
  // recorded, stays).
  Status MoveShipBy(const Actor& actor, TimePoint ship_by, TimePoint now);

  // Writes the order's fulfilment columns and ends order_ship when the
  // order has left unshipped.
  Status Settle(TimePoint at);

  // The order's view, its cases and listed deadlines as this transaction
  // sees them; the compensation cap under `policy` (the order's).
  Result<OrderView> View(const Policy& policy);

  // An audit entry about the order (case_id null, data.order_id set) and
  // an outbox event, written at once.
  Status Audit(const Actor& actor, const std::string& action, nlohmann::json data, TimePoint at);
  Status Emit(const std::string& type, nlohmann::json data, TimePoint at);

 private:
  ShipWork(WriteTxn& txn, Order order, std::vector<Case> cases)
      : txn_(&txn), order_(std::move(order)), cases_(std::move(cases)) {}
  Status CloseYieldingCases(const std::string& line_id, std::int64_t units_needed, const std::string& shipment_id,
                            TimePoint now);
  Status StartOrderShip(TimePoint now);

  WriteTxn* txn_;
  Order order_;
  std::vector<Case> cases_;
};

// After a change to a refund-before-shipment case, brings its order's
// shipment status up to date (an approved refund of every unshipped unit
// makes it refunded and ends order_ship). `kase` is the case as written;
// `others` the order's other cases.
Status SettleOrderAfterCase(WriteTxn& txn, const Order& order, const std::vector<Case>& others, const Case& kase,
                            TimePoint at);

// The view of an order read in `txn`: its cases and listed deadlines; the
// compensation cap under `policy` (the order's).
Result<OrderView> LoadOrderView(ReadTxn& txn, const Order& order, const Policy& policy);

}  // namespace aftersales
