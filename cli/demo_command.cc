#include "cli/demo_command.h"

#include <iomanip>
#include <iostream>

#include <unistd.h>

#include "cli/cli_common.h"
#include "demo/demo_seeder.h"
#include "engine/policy_registry.h"
#include "workflows/policy.h"

namespace aftersales {

int RunDemo(const std::string& db_path) {
  auto store = OpenOrCreateStore(db_path, std::cerr);
  if (!store.ok()) {
    PrintError(std::cerr, "demo", store.status());
    return kExitUnusable;
  }
  const SystemClock wall;
  // The demo's story ends now: its clock starts kSpan in the past.
  ManualClock clock(wall.Now() - DemoSeeder::kSpan);
  PolicyRegistry policies(**store);
  Status init = policies.Initialize(DefaultPolicy(), clock.Now());
  if (!init.ok()) {
    PrintError(std::cerr, "demo", init);
    return kExitUnusable;
  }
  DemoSeeder seeder(**store, clock, policies);
  std::cerr << "Creating demo data in " << db_path << " (password hashing takes a few seconds)\n";
  const bool tty = isatty(STDERR_FILENO) == 1;
  int last_quarter = -1;
  auto summary = seeder.Seed([&](int done, int total) {
    if (!tty) {  // a log file gets a line per quarter, not a redrawn bar
      const int quarter = total > 0 ? done * 4 / total : 4;
      if (quarter != last_quarter) std::cerr << "  " << done << "/" << total << " steps\n";
      last_quarter = quarter;
      return;
    }
    const int width = 30;
    const int filled = total > 0 ? done * width / total : width;
    std::cerr << "\r  [" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done << "/" << total
              << std::flush;
  });
  if (tty) std::cerr << "\n";
  if (!summary.ok()) {
    PrintError(std::cerr, "demo", summary.status());
    return summary.status().code() == Code::kAlreadyExists ? kExitFailed : kExitUnusable;
  }
  int cases = 0;
  for (const auto& [k, n] : summary->cases_by_state) cases += n;
  std::cout << "Demo shop ready: " << summary->orders << " orders, " << cases << " cases, " << summary->audit_entries
            << " audit entries.\n\nCases by type and state:\n";
  for (const auto& [k, n] : summary->cases_by_state) std::cout << "  " << std::left << std::setw(36) << k << n << "\n";
  std::cout << "\nLogins (web UI: name + password; API: Authorization: Bearer <token>):\n";
  std::cout << "  " << std::left << std::setw(13) << "name" << std::setw(13) << "role" << std::setw(24) << "password"
            << "token\n";
  for (const auto& l : summary->logins) {
    std::cout << "  " << std::left << std::setw(13) << l.name << std::setw(13) << l.role << std::setw(24)
              << (l.password.empty() ? "-" : l.password) << l.token << "\n";
  }
  std::cout << "\nThe tokens are shown only now. Start the server with: aftersales serve --db " << db_path << "\n";
  return kExitOk;
}

}  // namespace aftersales
