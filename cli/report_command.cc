#include "cli/report_command.h"

#include "cli/cli_common.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_catalog.h"
#include "engine/reports/report_common.h"
#include "engine/reports/staff_event_log.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "report";

// The options this report does not take, as a usage error.
Status CheckOptions(const ReportOptions& o, const ReportInfo& info) {
  if (!o.currency.empty() && !info.money) {
    return Status::Invalid("--currency", "the " + info.name + " report has no money figures");
  }
  if (o.user_id && !info.per_user) return Status::Invalid("--user", "only the scorecard takes --user");
  if (o.recompute && info.name != "scorecard") {
    return Status::Invalid("--recompute", "only the scorecard takes --recompute");
  }
  if (o.format != "json" && o.format != "csv") return Status::Invalid("--format", "--format must be json or csv");
  return Status::Ok();
}

int Recompute(SqliteStore& store, std::ostream& out, std::ostream& err) {
  auto txn = store.BeginRead();
  if (!txn.ok()) {
    PrintError(err, kCommand, txn.status());
    return kExitUnusable;
  }
  auto check = VerifyStaffEvents(**txn);
  if (!check.ok()) {
    PrintError(err, kCommand, check.status());
    return kExitUnusable;
  }
  if (!check->ok) {
    out << "staff events DIFFER from the audit log: " << check->difference << "\n";
    return kExitFailed;
  }
  out << "staff events match the audit log (" << check->events << (check->events == 1 ? " event" : " events")
      << " from " << check->entries << (check->entries == 1 ? " entry" : " entries") << ")\n";
  return kExitOk;
}

}  // namespace

int RunReport(const ReportOptions& options, const Clock& clock, std::ostream& out, std::ostream& err) {
  const ReportInfo* info = FindReport(options.name);
  if (info == nullptr) {
    PrintError(err, kCommand, Status::Invalid("NAME", "no report '" + options.name + "'"));
    return kExitUnusable;
  }
  Status usable = CheckOptions(options, *info);
  if (!usable.ok()) {
    PrintError(err, kCommand, usable);
    return kExitUnusable;
  }
  auto range = ParseReportRange(options.from, options.to, options.currency, options.period);
  if (!range.ok()) {
    PrintError(err, kCommand, range.status());
    return kExitUnusable;
  }
  auto store = OpenExistingStore(options.db_path);
  if (!store.ok()) {
    PrintError(err, kCommand, store.status());
    return kExitUnusable;
  }
  if (options.recompute) return Recompute(**store, out, err);
  // An upgraded database gets its report tables first, as `serve` does.
  if (Status completed = CompleteReportTables(**store, err, kCommand); !completed.ok()) {
    PrintError(err, kCommand, completed);
    return kExitUnusable;
  }

  // Reports read the stored policies; no policy is initialised.
  PolicyRegistry policies(**store);
  auto report = ReportRunner(**store, policies, clock).Run(*info, *range, options.user_id);
  if (!report.ok()) {
    PrintError(err, kCommand, report.status());
    // No such user (--user) is a finding; a malformed option or storage, a usage or run failure.
    return report.status().code() == Code::kNotFound ? kExitFailed : kExitUnusable;
  }
  if (options.format == "csv") {
    out << ReportCsv(*info, *report);
  } else {
    out << report->dump(2) << "\n";
  }
  return kExitOk;
}

}  // namespace aftersales
