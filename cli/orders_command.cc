#include "cli/orders_command.h"

#include <vector>

#include "cli/cli_common.h"
#include "engine/audit/audit_log.h"
#include "engine/cases/order_import.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "orders import";
// Progress is reported every this many orders, for files with more.
constexpr std::size_t kProgressEvery = 1000;
// Problems printed before the rest are only counted.
constexpr std::size_t kMaxPrintedProblems = 100;

std::string Where(const std::string& file, std::size_t line) {
  return line == 0 ? file : file + ":" + std::to_string(line);
}

void PrintProblems(std::ostream& err, const std::string& file, const std::vector<ImportProblem>& problems) {
  for (std::size_t i = 0; i < problems.size() && i < kMaxPrintedProblems; ++i) {
    err << Where(file, problems[i].line) << ": " << problems[i].message << "\n";
  }
  if (problems.size() > kMaxPrintedProblems) {
    err << "... and " << problems.size() - kMaxPrintedProblems << " more\n";
  }
  err << "nothing imported (" << problems.size() << (problems.size() == 1 ? " problem" : " problems") << ")\n";
}

}  // namespace

int RunOrdersImport(const OrdersImportOptions& options, const Clock& clock, std::ostream& out, std::ostream& err) {
  Result<std::string> text = ReadWholeFile(options.file);
  if (!text.ok()) {
    PrintError(err, kCommand, text.status());
    return kExitUnusable;
  }
  const TimePoint now = clock.Now();
  const OrderFileFormat format = DetectOrderFileFormat(options.file, *text);
  OrderImportResult parsed = ParseOrders(format, *text, now);
  if (!parsed.ok()) {
    PrintProblems(err, options.file, parsed.problems);
    return kExitFailed;
  }
  if (parsed.orders.empty()) {
    out << "no orders in " << options.file << "; nothing imported\n";
    return kExitOk;
  }

  Result<std::unique_ptr<SqliteStore>> store = OpenOrCreateStore(options.db_path, err);
  if (!store.ok()) {
    PrintError(err, kCommand, store.status());
    return kExitUnusable;
  }
  Result<std::unique_ptr<WriteTxn>> begun = (*store)->BeginWrite();
  if (!begun.ok()) {
    PrintError(err, kCommand, begun.status());
    return kExitUnusable;
  }
  WriteTxn& txn = **begun;

  // Every order is checked against the database before anything is written.
  std::vector<ImportProblem> problems;
  for (const ImportedOrder& imported : parsed.orders) {
    Result<std::optional<Order>> existing = txn.GetOrder(imported.order.id);
    if (!existing.ok()) {
      PrintError(err, kCommand, existing.status());
      return kExitUnusable;
    }
    if (existing->has_value()) {
      problems.push_back({imported.line, "order '" + imported.order.id + "' already exists in the database"});
    }
  }
  if (!problems.empty()) {
    PrintProblems(err, options.file, problems);
    return kExitFailed;
  }

  const std::size_t total = parsed.orders.size();
  std::size_t lines = 0;
  std::optional<std::int64_t> first_seq;
  std::int64_t last_seq = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const ImportedOrder& imported = parsed.orders[i];
    Status inserted = txn.InsertOrder(imported.order);
    if (!inserted.ok()) {
      err << Where(options.file, imported.line) << ": " << inserted.message() << "\n";
      err << "nothing imported\n";
      return inserted.code() == Code::kAlreadyExists ? kExitFailed : kExitUnusable;
    }
    AuditRecord record;
    record.at = now;
    record.actor_id = CliActor().id;
    record.actor_role = NameOf(CliActor().role);
    record.action = "order_created";
    record.data = OrderAuditData(imported.order);
    Result<AuditRow> entry = AuditLog::Append(txn, record);
    if (!entry.ok()) {
      PrintError(err, kCommand, entry.status());
      err << "nothing imported\n";
      return kExitUnusable;
    }
    if (!first_seq) first_seq = entry->seq;
    last_seq = entry->seq;
    lines += imported.order.lines.size();
    if (total > kProgressEvery && (i + 1) % kProgressEvery == 0) {
      err << "  " << i + 1 << " of " << total << " orders written\n";
    }
  }
  Status committed = txn.Commit();
  if (!committed.ok()) {
    PrintError(err, kCommand, committed);
    err << "nothing imported\n";
    return kExitUnusable;
  }
  out << "imported " << total << (total == 1 ? " order" : " orders") << " (" << lines
      << (lines == 1 ? " line" : " lines") << ") from " << options.file << "; audit entries " << *first_seq << " to "
      << last_seq << "\n";
  return kExitOk;
}

}  // namespace aftersales
