#include "engine/reports/compensation_report.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "engine/cases/case_document.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kPage = 200;

// The compensation reasons of the latest stored policy (the shipped
// default's when none is stored yet).
Result<std::vector<std::string>> CompensationReasons(ReadTxn& txn) {
  AS_ASSIGN_OR_RETURN(auto row, txn.LatestPolicy());
  if (!row) return DefaultPolicy().compensation_reasons;
  const json doc = json::parse(row->doc, nullptr, false);
  if (doc.is_discarded()) return Status::Internal("stored policy version " + std::to_string(row->version) + " is not JSON");
  AS_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(doc));
  return policy.compensation_reasons;
}

// Every compensation case, by created_at (keyset pages).
Result<std::vector<Case>> CompensationCases(ReadTxn& txn, const ReportRange& range) {
  std::vector<Case> out;
  CaseFilter filter;
  filter.type = CaseType::kCompensation;
  filter.sort_by_due = false;
  filter.limit = kPage;
  for (;;) {
    AS_ASSIGN_OR_RETURN(auto rows, txn.ListCases(filter));
    for (const auto& row : rows) {
      if (!range.Contains(row.created_at)) continue;
      AS_ASSIGN_OR_RETURN(Case kase, CaseFromRow(row, {}));
      out.push_back(std::move(kase));
    }
    if (static_cast<int>(rows.size()) < kPage) return out;
    filter.has_cursor = true;
    filter.cursor_key = rows.back().created_at;
    filter.cursor_id = rows.back().id;
  }
}

struct ReasonFigures {
  std::int64_t cases = 0;
  std::int64_t compensated = 0;
  Money amount = 0;
  std::map<CompensationForm, Money> by_form;
};

struct AgentFigures {
  std::int64_t approved = 0;
  Money amount = 0;
};

}  // namespace

Result<json> CompensationReport(Store& store, const ReportRange& range) {
  AS_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  std::optional<std::string> currency = range.currency;
  if (!currency) {
    AS_ASSIGN_OR_RETURN(currency, txn->MostCommonCaseCurrency());
  }
  AS_ASSIGN_OR_RETURN(auto reasons, CompensationReasons(*txn));
  AS_ASSIGN_OR_RETURN(auto cases, CompensationCases(*txn, range));

  std::vector<std::string> order = reasons;
  std::map<std::string, ReasonFigures> by_reason;
  std::map<std::string, AgentFigures> by_agent;
  for (const Case& c : cases) {
    if (!by_reason.count(c.reason) && std::find(order.begin(), order.end(), c.reason) == order.end()) {
      order.push_back(c.reason);  // a reason only older policies list
    }
    ReasonFigures& r = by_reason[c.reason];
    ++r.cases;
    const bool counted = currency && c.currency == *currency;
    if (c.state == State::kCompensated) ++r.compensated;
    if (counted && c.compensation) {
      r.amount += c.compensated_amount;
      r.by_form[c.compensation->form] += c.compensated_amount;
    }
    if (c.agreed_amount && c.compensation && c.compensation->agreed_by) {
      AgentFigures& a = by_agent[*c.compensation->agreed_by];
      ++a.approved;
      if (counted) a.amount += c.compensated_amount;
    }
  }
  std::sort(order.begin() + static_cast<std::ptrdiff_t>(reasons.size()), order.end());

  json reason_items = json::array();
  for (const std::string& reason : order) {
    ReasonFigures& r = by_reason[reason];
    reason_items.push_back({{"reason", reason},
                            {"cases", r.cases},
                            {"compensated", r.compensated},
                            {"amount", r.amount},
                            {"cash", r.by_form[CompensationForm::kCash]},
                            {"voucher", r.by_form[CompensationForm::kVoucher]},
                            {"points", r.by_form[CompensationForm::kPoints]}});
  }
  std::vector<std::pair<std::string, AgentFigures>> agents(by_agent.begin(), by_agent.end());
  std::stable_sort(agents.begin(), agents.end(),
                   [](const auto& a, const auto& b) { return a.second.amount > b.second.amount; });
  json agent_items = json::array();
  for (const auto& [user_id, figures] : agents) {
    json name = nullptr, role = "system";
    if (user_id != "system") {
      AS_ASSIGN_OR_RETURN(auto user, txn->GetUser(user_id));
      name = user ? json(user->name) : json(nullptr);
      role = user ? json(NameOf(user->role)) : json(nullptr);
    } else {
      name = "system";
    }
    agent_items.push_back({{"user_id", user_id},
                           {"name", name},
                           {"role", role},
                           {"approved", figures.approved},
                           {"amount", figures.amount}});
  }
  return json{{"currency", currency ? json(*currency) : json(nullptr)},
              {"by_reason", std::move(reason_items)},
              {"by_agent", std::move(agent_items)}};
}

}  // namespace aftersales
