#include "web/report_routes.h"

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "engine/reports/report_catalog.h"
#include "engine/reports/report_common.h"

namespace aftersales {
namespace {

constexpr RoleSet kReportReaders = Bit(Role::kManager) | Bit(Role::kAdmin);

// What a report route reads from its query.
struct ReportQuery {
  ReportRange range;
  bool csv = false;
  std::optional<std::string> user_id;
};

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// Refuses unknown and repeated parameters, then reads the period, currency,
// format and user. Errors: validation_failed naming the parameter.
Result<ReportQuery> ParseReportQuery(const httplib::Request& req, const ReportInfo& info) {
  std::set<std::string> known = {"from", "to", "period", "format"};
  if (info.money) known.insert("currency");
  if (info.per_user) known.insert("user_id");
  for (const auto& [name, value] : req.params) {
    if (!known.count(name)) return Status::Invalid(name, "unknown query parameter");
    if (req.get_param_value_count(name.c_str()) > 1) {
      return Status::Invalid(name, "query parameter given more than once");
    }
  }
  ReportQuery q;
  auto range = ParseReportRange(Param(req, "from"), Param(req, "to"), Param(req, "currency"), Param(req, "period"));
  if (!range.ok()) return range.status();
  q.range = std::move(*range);
  const std::string format = Param(req, "format");
  if (!format.empty() && format != "json" && format != "csv") return Status::Invalid("format", "must be json or csv");
  q.csv = format == "csv";
  if (req.has_param("user_id")) q.user_id = req.get_param_value("user_id");
  return q;
}

ApiReply Serve(const WebServices& s, const ReportInfo& info, const httplib::Request& req) {
  auto query = ParseReportQuery(req, info);
  if (!query.ok()) return ApiReply::Error(query.status());
  auto report = ReportRunner(s.store, s.policies, s.clock).Run(info, query->range, query->user_id);
  if (!report.ok()) return ApiReply::Error(report.status());
  if (!query->csv) return ApiReply::Json(200, std::move(*report));
  ApiReply reply = ApiReply::Text(200, ReportCsv(info, *report), "text/csv; charset=utf-8");
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + info.name + ".csv\"");
  return reply;
}

}  // namespace

std::vector<Route> BuildReportRoutes(const WebServices& services) {
  std::vector<Route> routes;
  for (const ReportInfo& info : ReportCatalog()) {
    Route r;
    r.method = "GET";
    r.pattern = "/api/v1/reports/" + info.name;
    r.access = Access::kAuthenticated;
    r.roles = kReportReaders;
    // A copy of the services (references to what the caller keeps alive);
    // the catalog entry is static.
    r.handler = [services, &info](ApiRequest& q) { return Serve(services, info, q.http); };
    routes.push_back(std::move(r));
  }
  return routes;
}

}  // namespace aftersales
