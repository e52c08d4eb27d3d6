// A Command is one action's input, parsed and type-checked (SPEC §4's
// "Action bodies hold exactly these fields"). Free text (notes, comments,
// descriptions, evidence) is carried as plain strings here; the engine moves
// it into the erasable texts table. Plain value; no behaviour.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"

namespace aftersales {

struct ReceivedLine {
  std::string line_id;
  std::int64_t received = 0;
  std::int64_t damaged = 0;
};

struct Command {
  Action action = Action::kComment;
  std::optional<std::int64_t> expected_version;
  std::optional<std::string> note;
  // reject
  std::optional<std::string> reason_code;
  // offer, arbitrate
  std::optional<Money> amount;
  std::optional<bool> return_required;
  std::optional<std::string> decision;  // grant | uphold
  // receive
  std::optional<std::string> result;  // pass | fail
  std::optional<std::string> grade;
  std::optional<bool> restock;
  std::optional<std::vector<ReceivedLine>> lines;
  // ship_return, ship_replacement
  std::optional<std::string> carrier;
  std::optional<std::string> tracking_no;
  std::optional<std::string> sku;
  // carrier_update
  std::optional<std::string> shipment;  // return | replacement
  std::optional<std::string> status;    // delivered
  std::optional<TimePoint> at;
  // refund_issued, refund_failed
  std::optional<std::string> external_ref;
  std::optional<std::string> error;
  // comment
  std::optional<std::string> text;
  std::optional<std::string> visibility;  // internal | buyer
  // assign: present with a null value means "unassign"
  bool has_assignee = false;
  std::optional<std::string> assignee;
  // modify
  std::optional<Money> requested_amount;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> evidence;
  // timeout (the engine's own)
  DeadlineKind deadline = DeadlineKind::kMerchantResponse;
  TimePoint due_at = 0;
};

// Who acts. `limit` is the approval limit in minor units (agents and
// supervisors; managers and the system have none).
struct Actor {
  std::string id;
  Role role = Role::kBuyer;
  std::optional<Money> limit;
  std::string external_id;  // buyers: the buyer_id they own
};

}  // namespace aftersales
