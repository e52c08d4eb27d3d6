#include "engine/cases/case_queries.h"

#include <algorithm>
#include <set>

#include "engine/cases/case_document.h"
#include "engine/cases/case_work.h"
#include "engine/cases/order_fulfilment.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

constexpr int kTimelineLimit = 100000;

Result<std::optional<Case>> LoadCase(ReadTxn& txn, const std::string& id) {
  AS_ASSIGN_OR_RETURN(auto row, txn.GetCase(id));
  if (!row) return std::optional<Case>();
  AS_ASSIGN_OR_RETURN(auto deadlines, txn.ListedDeadlines(id));
  AS_ASSIGN_OR_RETURN(Case kase, CaseFromRow(*row, deadlines));
  return std::optional<Case>(std::move(kase));
}

// The store's filter for `query` as `actor` may run it; nullopt when the
// answer is empty whatever is stored (a buyer asking for another buyer).
Result<std::optional<CaseFilter>> FilterFor(const Actor& actor, const CaseListQuery& q) {
  CaseFilter f;
  f.states = q.states;
  if (q.actionable_by_caller) {
    const std::vector<State> actionable = CaseQueries::ActionableStates(actor.role);
    if (f.states.empty()) {
      f.states = actionable;
    } else {
      std::vector<State> both;
      for (State s : f.states) {
        if (std::find(actionable.begin(), actionable.end(), s) != actionable.end()) both.push_back(s);
      }
      if (both.empty()) return std::optional<CaseFilter>();
      f.states = std::move(both);
    }
    if (f.states.empty()) return std::optional<CaseFilter>();
  }
  f.search_prefix = q.search;
  f.type = q.type;
  f.assignee = q.assignee_is_caller ? std::optional<std::string>(actor.id) : q.assignee;
  f.unassigned = q.unassigned;
  f.order_id = q.order_id;
  f.buyer_id = q.buyer_id;
  if (actor.role == Role::kBuyer) {
    if (f.buyer_id && *f.buyer_id != actor.external_id) return std::optional<CaseFilter>();
    f.buyer_id = actor.external_id;
  }
  f.breached = q.breached;
  f.due_before = q.due_before;
  if (q.flagged_only) {
    // Filtering by risk would tell a buyer which of their cases are flagged.
    if (!MaySeeRisk(actor)) return Status(Code::kForbidden, "only staff filter cases by risk");
    f.flagged_only = true;
  }
  f.sort_by_due = q.sort_by_due;
  if (q.after) {
    f.has_cursor = true;
    f.cursor_key = q.after->key;
    f.cursor_id = q.after->id;
  }
  f.limit = q.limit + 1;  // one more tells whether there is a next page
  return std::optional<CaseFilter>(std::move(f));
}

}  // namespace

CaseQueries::CaseQueries(Store& store, const Clock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

Result<OrderView> CaseQueries::GetOrder(const Actor& actor, const std::string& order_id) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto order, txn->GetOrder(order_id));
  if (!order || !MaySeeBuyer(actor, order->buyer_id)) return Status::NotFound("order " + order_id);
  AS_ASSIGN_OR_RETURN(auto policy, policies_.ForOrder(*order));
  return LoadOrderView(*txn, *order, *policy);
}

Result<OrderPage> CaseQueries::ListOrders(const Actor& actor, const OrderListQuery& query) {
  OrderFilter filter;
  filter.statuses = query.statuses;
  filter.buyer_id = query.buyer_id;
  if (actor.role == Role::kBuyer) {
    if (filter.buyer_id && *filter.buyer_id != actor.external_id) return OrderPage{};
    filter.buyer_id = actor.external_id;
  } else if (!IsStaff(actor.role)) {
    return Status(Code::kForbidden, "this role does not list orders");
  }
  filter.breached = query.breached;
  filter.ship_before = query.ship_before;
  filter.by_ship_by = query.by_ship_by;
  if (query.after) {
    filter.after_set = true;
    filter.after_key = query.after->key;
    filter.after_id = query.after->id;
  }
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto orders, txn->ListOrders(filter, query.limit + 1));
  OrderPage page;
  if (orders.size() > static_cast<std::size_t>(query.limit)) {
    orders.resize(query.limit);
    const Order& last = orders.back();
    page.next = CaseCursor{query.by_ship_by, query.by_ship_by ? last.ship_by : std::optional<TimePoint>(last.placed_at),
                           last.id};
  }
  // The page's cases and deadlines in a fixed number of statements, never
  // per order.
  std::vector<std::string> ids;
  for (const Order& o : orders) ids.push_back(o.id);
  AS_ASSIGN_OR_RETURN(auto cases, LoadCasesOfOrders(*txn, ids));
  AS_ASSIGN_OR_RETURN(auto listed, txn->ListedOrderDeadlinesOf(ids));
  auto deadlines = GroupRows(std::move(listed), [](const DeadlineRow& d) { return d.order_id; });
  const std::vector<Case> no_cases;
  for (const Order& order : orders) {
    AS_ASSIGN_OR_RETURN(auto policy, policies_.ForOrder(order));
    const auto of_order = cases.find(order.id);
    OrderView view = MakeOrderView(order, of_order == cases.end() ? no_cases : of_order->second, *policy);
    view.deadlines = std::move(deadlines[order.id]);
    page.items.push_back(std::move(view));
  }
  return page;
}

Result<CaseView> CaseQueries::GetCase(const Actor& actor, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto kase, LoadCase(*txn, case_id));
  if (!kase || !MaySeeBuyer(actor, kase->buyer_id)) return Status::NotFound("case " + case_id);
  AS_ASSIGN_OR_RETURN(TextsById texts, LoadTexts(*txn, case_id));
  AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(kase->policy_version));
  CaseView view = MakeCaseView(std::move(*kase), actor, std::move(texts), *policy, clock_.Now());
  // The cap an offer or a grant meets (the ledger's, as the actions check it).
  AS_ASSIGN_OR_RETURN(view.refundable_amount, RefundableOfCase(*txn, view.kase, *policy));
  return view;
}

std::vector<State> CaseQueries::ActionableStates(Role role) {
  std::set<State> states;
  for (const Workflow* workflow : Workflow::All()) {
    for (const TransitionRow& row : workflow->rows()) {
      if (row.any_non_terminal || (row.who & Bit(role)) == 0) continue;
      if (row.action == Action::kComment || row.action == Action::kAssign || row.action == Action::kTimeout) continue;
      states.insert(row.from);
    }
  }
  return {states.begin(), states.end()};
}

Result<CasePage> CaseQueries::ListCases(const Actor& actor, const CaseListQuery& query) {
  AS_ASSIGN_OR_RETURN(auto filter, FilterFor(actor, query));
  CasePage page;
  if (!filter) return page;
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto rows, txn->ListCases(*filter));
  if (rows.size() > static_cast<std::size_t>(query.limit)) {
    rows.resize(query.limit);
    const CaseRow& last = rows.back();
    page.next = CaseCursor{query.sort_by_due,
                           query.sort_by_due ? last.next_due_at : std::optional<std::int64_t>(last.created_at), last.id};
  }
  // The page's deadlines and texts in one statement each, never per case.
  AS_ASSIGN_OR_RETURN(std::vector<Case> cases, DecodeCases(*txn, rows));
  std::vector<std::string> ids;
  for (const CaseRow& row : rows) ids.push_back(row.id);
  AS_ASSIGN_OR_RETURN(auto texts, LoadTextsOfCases(*txn, ids));
  const TimePoint now = clock_.Now();
  for (Case& kase : cases) {
    AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(kase.policy_version));
    TextsById of_case = std::move(texts[kase.id]);
    page.items.push_back(MakeCaseView(std::move(kase), actor, std::move(of_case), *policy, now));
  }
  return page;
}

Result<Timeline> CaseQueries::GetTimeline(const Actor& actor, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto row, txn->GetCase(case_id));
  if (!row || !MaySeeBuyer(actor, row->buyer_id)) return Status::NotFound("case " + case_id);
  AuditFilter f;
  f.case_id = case_id;
  f.limit = kTimelineLimit;
  AS_ASSIGN_OR_RETURN(auto entries, txn->ListAudit(f));
  AS_ASSIGN_OR_RETURN(TextsById texts, LoadTexts(*txn, case_id));
  const bool buyer = !IsStaff(actor.role);
  Timeline timeline;
  for (auto& e : entries) {
    const nlohmann::json data = nlohmann::json::parse(e.data, nullptr, false);
    if (buyer) {
      if (e.action == "assign" || e.action == "deadline_breached" || e.action == "deadline_extended") continue;
      const bool others_internal_comment =
          e.action == "comment" && data.is_object() && data.contains("input") &&
          data["input"].value("visibility", "") != "buyer" && e.actor_id != actor.id;
      if (others_internal_comment) continue;
    }
    TimelineEntry item;
    // The abuse signals are staff-only (docs/reports.md).
    item.hide_risk = buyer && e.action == "submit";
    if (data.is_object() && data.contains("texts")) {
      for (const auto& id : data["texts"]) {
        auto it = texts.find(id.get<std::string>());
        if (it != texts.end() && MaySeeText(actor, it->second)) item.texts.push_back(it->second);
      }
    }
    item.entry = std::move(e);
    timeline.items.push_back(std::move(item));
  }
  return timeline;
}

}  // namespace aftersales
