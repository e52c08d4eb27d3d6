#include "engine/reports/report_catalog.h"

#include "engine/reports/case_reports.h"
#include "engine/reports/compensation_report.h"
#include "engine/reports/staff_reports.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

using nlohmann::json;

std::vector<std::string> ScorecardColumns() {
  std::vector<std::string> columns = {"rank", "user_id", "name", "role", "points", "band", "events"};
  for (const auto& kind : ScoredEventKinds()) columns.push_back("count_" + kind);
  for (const auto& kind : ScoredEventKinds()) columns.push_back("points_" + kind);
  return columns;
}

// The scorecard's items with by_kind flattened into count_<kind> and
// points_<kind>.
json FlatScorecardItems(const json& items) {
  json flat = json::array();
  for (const json& item : items) {
    json row = item;
    row.erase("by_kind");
    for (const json& k : item.value("by_kind", json::array())) {
      const std::string kind = k.value("kind", "");
      row["count_" + kind] = k.value("count", json(nullptr));
      row["points_" + kind] = k.value("points", json(nullptr));
    }
    flat.push_back(std::move(row));
  }
  return flat;
}

// The compensation report's two lists as one table, each row naming its
// section (by_reason, by_agent).
json CompensationRows(const json& report) {
  json rows = json::array();
  for (const char* section : {"by_reason", "by_agent"}) {
    for (const json& item : report.value(section, json::array())) {
      json row = item;
      row["section"] = section;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace

const std::vector<ReportInfo>& ReportCatalog() {
  static const std::vector<ReportInfo> kReports = {
      {"agents",
       true,
       false,
       {"user_id", "name", "role", "decisions", "approvals", "rejections", "offers", "median_first_response_seconds",
        "sla_breaches", "overturned", "refunded_amount", "score"}},
      {"sla",
       false,
       false,
       {"deadline", "count", "open", "breached", "breach_rate", "extended", "median_seconds_to_act", "p90_seconds_to_act"}},
      {"reasons", true, false, {"reason", "sku", "cases", "units", "refunded_amount"}},
      {"warehouse", false, false, {"grade", "inspected", "passed", "failed", "fail_rate"}},
      {"finance",
       true,
       false,
       {"currency", "approved", "refunds_issued", "refunded_amount", "refunds_failed", "awaiting_refund",
        "median_approval_to_refund_seconds", "p90_approval_to_refund_seconds"}},
      {"scorecard", false, true, ScorecardColumns()},
      {"compensation",
       true,
       false,
       {"section", "reason", "user_id", "name", "role", "cases", "compensated", "approved", "amount", "cash",
        "voucher", "points"}},
  };
  return kReports;
}

const ReportInfo* FindReport(const std::string& name) {
  for (const ReportInfo& r : ReportCatalog()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string ReportCsv(const ReportInfo& info, const json& report) {
  if (!report.is_object()) return ItemsToCsv(json::array(), info.csv_columns);
  if (info.name == "compensation") return ItemsToCsv(CompensationRows(report), info.csv_columns);
  const json items = report.value("items", json::array());
  return ItemsToCsv(info.name == "scorecard" ? FlatScorecardItems(items) : items, info.csv_columns);
}

ReportRunner::ReportRunner(Store& store, PolicyRegistry& policies, const Clock& clock)
    : store_(store), policies_(policies), clock_(clock) {}

Result<json> ReportRunner::Run(const ReportInfo& info, const ReportRange& range,
                               const std::optional<std::string>& user_id) {
  if (info.name == "agents") return StaffReports(store_, policies_, clock_).Agents(range);
  if (info.name == "scorecard") return StaffReports(store_, policies_, clock_).Scorecard(range, user_id);
  if (info.name == "compensation") return CompensationReport(store_, range);
  CaseReports cases(store_);
  if (info.name == "sla") return cases.Sla(range);
  if (info.name == "reasons") return cases.Reasons(range);
  if (info.name == "warehouse") return cases.Warehouse(range);
  if (info.name == "finance") return cases.Finance(range);
  return Status::NotFound("report " + info.name);
}

}  // namespace aftersales
