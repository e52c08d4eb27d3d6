// The orders aggregate of the store seam (engine/store/store.h): the paid
// orders the shop imports (SPEC §6.3).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/case_store.h"

namespace aftersales {

// The warehouse queue's filters (SPEC §10.5). Empty / nullopt mean "any".
struct OrderFilter {
  std::vector<ShipmentStatus> statuses;
  std::optional<std::string> buyer_id;
  std::optional<bool> breached;            // has a breached order_ship deadline
  std::optional<TimePoint> ship_before;    // ship_by < it
  bool by_ship_by = true;                  // else by placed_at; then id
  // Keyset paging: after this sort key and id (ship_by null sorts last).
  bool after_set = false;
  std::optional<TimePoint> after_key;
  std::string after_id;
};

class OrderReads {
 public:
  virtual ~OrderReads() = default;
  virtual Result<std::optional<Order>> GetOrder(const std::string& id) = 0;
  // Orders matching `filter` in its order, at most `limit`, lines and
  // shipments included.
  virtual Result<std::vector<Order>> ListOrders(const OrderFilter& filter, int limit) = 0;
  // The order's deadlines (order_ship) with status open or breached.
  virtual Result<std::vector<DeadlineRow>> ListedOrderDeadlines(const std::string& order_id) = 0;
  // ListedOrderDeadlines of each order in one statement, grouped by
  // order_id as CaseReads' batch reads are.
  virtual Result<std::vector<DeadlineRow>> ListedOrderDeadlinesOf(const std::vector<std::string>& order_ids) = 0;
  // How many orders `buyer_id` placed in [from, to] (the abuse signals).
  virtual Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) = 0;
};

class OrderWrites {
 public:
  virtual ~OrderWrites() = default;
  // already_exists when the id is taken.
  virtual Status InsertOrder(const Order& order) = 0;
  // Writes what shipping changes: delivered_at, ship_by, shipments,
  // shipment_status (and the shipped_at they give). not_found when absent.
  virtual Status UpdateOrderFulfilment(const Order& order) = 0;
};

}  // namespace aftersales
