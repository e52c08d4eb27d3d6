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

namespace aftersales {

class OrderReads {
 public:
  virtual ~OrderReads() = default;
  virtual Result<std::optional<Order>> GetOrder(const std::string& id) = 0;
  // How many orders `buyer_id` placed in [from, to] (the abuse signals).
  virtual Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) = 0;
};

class OrderWrites {
 public:
  virtual ~OrderWrites() = default;
  // already_exists when the id is taken.
  virtual Status InsertOrder(const Order& order) = 0;
  virtual Status UpdateOrderDelivery(const std::string& order_id, std::optional<TimePoint> delivered_at) = 0;
};

}  // namespace aftersales
