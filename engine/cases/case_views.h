// What the engine answers about orders and cases, for one caller: typed
// views that api/case_json.h turns into the JSON of SPEC §3 and §6. Each
// view holds only what that caller may see (texts filtered, risk hidden
// from buyers) and what the caller may do (allowed_actions). Plain values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/model.h"
#include "engine/store/store.h"
#include "workflows/policy.h"

namespace aftersales {

using TextsById = std::map<std::string, Text>;

// Whether `actor` may read `text` (SPEC §4: buyers see buyer-visible texts
// and their own; staff see all).
bool MaySeeText(const Actor& actor, const Text& text);
// Whether `actor` may see a case's abuse signals (`risk`): staff, as for
// internal texts; never a buyer.
bool MaySeeRisk(const Actor& actor);
// Whether `actor` may see cases and orders of `buyer_id` (SPEC §2).
bool MaySeeBuyer(const Actor& actor, const std::string& buyer_id);

struct CaseView {
  Case kase;
  TextsById texts;  // the texts of the case the caller may read
  std::vector<Action> allowed_actions;
  nlohmann::json return_address;  // the policy's, once a return is due; else null
  bool shows_risk = false;        // staff see `risk`; buyers never
  // The most the case may be agreed or refunded now (Ledger::CaseCap): set
  // by GET /cases/{id} alone, which reads the order for it.
  std::optional<Money> refundable_amount;
};

struct OrderView {
  Order order;
  std::map<std::string, std::int64_t> returnable_qty;  // by line id
  std::map<std::string, std::int64_t> to_ship_qty;     // by line id (SPEC §10.1)
  std::vector<DeadlineRow> deadlines;                  // order_ship, open or breached
  Money refundable_amount = 0;
  Money compensation_cap = 0;        // SPEC §11.2, under the current policy
  Money compensation_remaining = 0;  // never below 0
  std::vector<std::string> case_ids;
};

// Where the next page of a case list starts: the sort key and id of the
// last case of this page (keyset paging).
struct CaseCursor {
  bool by_due = true;
  std::optional<std::int64_t> key;  // due sort: none for cases without a deadline
  std::string id;
};

// A page of the warehouse queue (SPEC §10.5); the cursor's by_due stands
// for "by ship_by".
struct OrderPage {
  std::vector<OrderView> items;
  std::optional<CaseCursor> next;
};

struct CasePage {
  std::vector<CaseView> items;
  std::optional<CaseCursor> next;
};

// One audit entry of a case's timeline, as the caller may see it.
struct TimelineEntry {
  AuditRow entry;
  bool hide_risk = false;   // the submit entry's abuse signals, for a buyer
  std::vector<Text> texts;  // the texts it refers to that the caller may read
};

struct Timeline {
  std::vector<TimelineEntry> items;
};

// What a command answers.
// What a bulk extension (SPEC §13.3) answers.
struct ExtensionView {
  std::string extension_id;
  DeadlineKind kind = DeadlineKind::kMerchantResponse;
  std::int64_t moved = 0;
};

// A bulk extension's preview (DeadlineExtensions::Preview): what would move.
struct ExtensionPreview {
  struct Move {
    std::string case_id;   // empty for an order's deadline
    std::string order_id;  // set for an order's deadline
    DeadlineKind kind = DeadlineKind::kMerchantResponse;
    TimePoint from_due_at = 0;
    TimePoint to_due_at = 0;
  };
  DeadlineKind kind = DeadlineKind::kMerchantResponse;
  std::optional<State> state;
  TimePoint due_before = 0;
  std::int64_t hours = 0;
  std::int64_t moving = 0;   // open, not yet due, due before due_before
  std::int64_t due_now = 0;  // open and already due: fired, not moved
  std::vector<Move> first;   // the first moves, by old due_at
};

using CommandResult = std::variant<CaseView, OrderView, ExtensionView>;

// The view of `kase` for `viewer`: the texts of `texts` the viewer may
// read, the viewer's allowed actions under the case's `policy`. The view
// holds `kase` (move it in when it is not needed after).
CaseView MakeCaseView(Case kase, const Actor& viewer, TextsById texts, const Policy& policy, TimePoint now);
// The view of `order` with every case on it (`cases`); the compensation
// cap under `policy`.
OrderView MakeOrderView(const Order& order, const std::vector<Case>& cases, const Policy& policy);

}  // namespace aftersales
