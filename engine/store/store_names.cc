// The wire names of the store's own enums (DeadlineStatus, DeliveryStatus),
// as the API serves them and backends may spell them.
#include <string_view>

#include "engine/store/store.h"

namespace aftersales {

const char* NameOf(DeadlineStatus status) {
  switch (status) {
    case DeadlineStatus::kOpen: return "open";
    case DeadlineStatus::kBreached: return "breached";
    case DeadlineStatus::kDone: return "done";
  }
  return "open";
}

std::optional<DeadlineStatus> ParseDeadlineStatus(std::string_view name) {
  for (auto s : {DeadlineStatus::kOpen, DeadlineStatus::kBreached, DeadlineStatus::kDone}) {
    if (name == NameOf(s)) return s;
  }
  return std::nullopt;
}

const char* NameOf(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kDelivered: return "delivered";
    case DeliveryStatus::kDead: return "dead";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  for (auto s : {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kDead}) {
    if (name == NameOf(s)) return s;
  }
  return std::nullopt;
}

}  // namespace aftersales
