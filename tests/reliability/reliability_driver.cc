// reliability_driver: the C++ half of the crash and soak tests
// (tests/reliability/README.md). The scripts start, kill and restart the
// real `aftersales` binary; this program is everything that talks to it:
//   receive  the webhook receiver, for the whole run
//   setup    users and the webhook on a fresh server
//   load     concurrent clients (and the clock mover) for a while
//   check    the invariants, against the log, the database (a SQLite file
//            or a PostgreSQL URI) and the API
// Exit codes: 0 all held; 1 a violation (named on stdout); 2 unusable
// (bad options, a file that cannot be read, a setup that was refused).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/crypto.h"
#include "reliability/api_client.h"
#include "reliability/invariant_checker.h"
#include "reliability/load_generator.h"
#include "reliability/request_log.h"
#include "reliability/run_fixture.h"
#include "reliability/webhook_receiver.h"

namespace aftersales::reliability {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitViolation = 1;
constexpr int kExitUnusable = 2;
constexpr int kWebhookSecretBytes = 24;

// Serves webhooks until SIGTERM or SIGINT. The receiver's URL and secret go
// to `info_path` (JSON) once it listens.
int Receive(const std::string& out_path, const std::string& info_path) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  WebhookReceiver receiver(RandomHex(kWebhookSecretBytes), out_path);
  std::thread serving([&receiver] { receiver.Serve(); });
  {
    const std::string partial = info_path + ".partial";
    std::ofstream(partial) << json{{"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"},
                                   {"secret", receiver.secret()}}
                                  .dump()
                           << "\n";
    std::rename(partial.c_str(), info_path.c_str());  // readers never see half a file
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  receiver.Stop();
  serving.join();
  return kExitOk;
}

int Setup(const std::string& url, const std::string& admin_token, const std::string& receiver_info,
          const std::string& fixture_path, int buyers) {
  std::ifstream in(receiver_info);
  const json info = json::parse(in, nullptr, false);
  if (!info.is_object()) throw std::runtime_error("cannot read " + receiver_info);
  ApiClient api(url);
  const RunFixture fixture = CreateRunFixture(api, admin_token, buyers, info.at("url").get<std::string>(),
                                              info.at("secret").get<std::string>());
  SaveRunFixture(fixture, fixture_path);
  std::cout << "setup: " << fixture.staff.size() + fixture.buyers.size() << " users and webhook " << fixture.webhook_id
            << "\n";
  return kExitOk;
}

double Mean(const std::vector<long>& v) {
  return v.empty() ? 0 : static_cast<double>(std::accumulate(v.begin(), v.end(), 0L)) / static_cast<double>(v.size());
}

// Whether the server's memory stopped growing: the mean of the last third
// of the samples against the middle third's. A leak check, not a speed
// threshold: `factor` is generous.
bool RssBounded(const LoadReport& report, double factor) {
  if (report.rss_kib.size() < 6) {
    std::cout << "rss: too few samples (" << report.rss_kib.size() << ")\n";
    return false;
  }
  const double span = report.rss_kib.back().first;
  std::vector<long> middle, last;
  long peak = 0;
  for (const auto& [at, kib] : report.rss_kib) {
    if (at >= span * 2 / 3) {
      last.push_back(kib);
    } else if (at >= span / 3) {
      middle.push_back(kib);
    }
    peak = std::max(peak, kib);
  }
  const bool bounded = Mean(last) <= factor * Mean(middle);
  std::cout << "rss: start " << report.rss_kib.front().second << " KiB, middle third mean "
            << static_cast<long>(Mean(middle)) << " KiB, last third mean " << static_cast<long>(Mean(last))
            << " KiB, end " << report.rss_kib.back().second << " KiB, peak " << peak << " KiB, "
            << report.rss_kib.size() << " samples: " << (bounded ? "bounded" : "GROWING") << " (limit " << factor
            << " x middle)\n";
  return bounded;
}

int Load(const LoadOptions& options, const std::string& fixture_path, const std::string& log_path, double rss_factor) {
  const RunFixture fixture = LoadRunFixture(fixture_path);
  const LogContents earlier = ReadRequestLog(log_path);
  RequestLog log(log_path);
  const LoadReport report = RunLoad(options, fixture, log, earlier);
  std::cout << "load " << options.run_id << ": sent " << report.sent << ", acknowledged " << report.acknowledged
            << ", refused " << report.refused << ", unanswered " << report.unanswered << ", 5xx "
            << report.server_errors << ", resent from earlier rounds " << report.resent
            << (report.server_gone ? "; the server stopped answering" : "") << "\n";
  if (options.behind_proxy) {
    std::cout << "behind the proxy: answered 5xx by the proxy " << report.gateway_errors << ", 503/429 "
              << report.transient << ", attempts sent again " << report.resent_now << "\n";
  }
  if (options.race_every_seconds > 0) {
    std::cout << "races: " << report.races << ", contested (one won, one refused) " << report.races_contested << "\n";
    if (report.races == 0) {
      std::cout << "no race was run\n";
      return kExitViolation;
    }
  }
  int exit_code = kExitOk;
  for (const std::string& problem : report.problems) std::cout << "unexpected answer: " << problem << "\n";
  if (!report.problems.empty()) exit_code = kExitViolation;
  if (report.acknowledged == 0) {
    std::cout << "no request was acknowledged: the checks would hold vacuously\n";
    exit_code = kExitViolation;
  }
  if (options.server_pid > 0 && !RssBounded(report, rss_factor)) exit_code = kExitViolation;
  if (options.backup_after_seconds >= 0) {
    std::cout << "backup (exit " << report.backup_exit_code << "):\n" << report.backup_output;
    if (report.backup_exit_code != 0) exit_code = kExitViolation;
  }
  return exit_code;
}

int Check(const CheckOptions& options, const std::string& fixture_path, const std::string& log_path,
          const std::string& label) {
  const RunFixture fixture = LoadRunFixture(fixture_path);
  const LogContents log = ReadRequestLog(log_path);
  const CheckReport report = RunChecks(options, fixture, log);
  std::cout << "check " << label << ": " << (report.ok() ? "all invariants hold" : "VIOLATIONS") << " ("
            << report.Summary() << ")\n";
  report.Print(std::cout);
  return report.ok() ? kExitOk : kExitViolation;
}

int Main(int argc, char** argv) {
  CLI::App app{"Drives an aftersales server for the crash and soak tests and checks what it stored."};
  app.require_subcommand(1);

  std::string receive_out, receive_info;
  CLI::App* receive = app.add_subcommand("receive", "Run the webhook receiver until SIGTERM");
  receive->add_option("--out", receive_out, "file the deliveries are appended to")->required();
  receive->add_option("--info", receive_info, "file to write the receiver's URL and secret to")->required();

  std::string url, admin_token, receiver_info, fixture_path;
  int buyers = 8;
  CLI::App* setup = app.add_subcommand("setup", "Create the run's users and webhook");
  setup->add_option("--url", url, "the server, http://HOST:PORT")->required();
  setup->add_option("--admin-token", admin_token, "the bootstrap admin's token")->required();
  setup->add_option("--receiver-info", receiver_info, "what `receive --info` wrote")->required();
  setup->add_option("--fixture", fixture_path, "file to write the users and webhook to")->required();
  setup->add_option("--buyers", buyers, "buyer users to create")->capture_default_str();

  LoadOptions load;
  std::string log_path;
  double rss_factor = 1.5;
  CLI::App* load_cmd = app.add_subcommand("load", "Run the clients until the time is up or the server dies");
  load_cmd->add_option("--url", load.base_url, "the server, http://HOST:PORT")->required();
  load_cmd->add_option("--fixture", fixture_path, "what `setup` wrote")->required();
  load_cmd->add_option("--log", log_path, "the request log (appended to)")->required();
  load_cmd->add_option("--run-id", load.run_id, "prefix of this load's tags and order ids (unique per run)")
      ->required();
  load_cmd->add_option("--clients", load.clients, "concurrent clients")->capture_default_str();
  load_cmd->add_option("--seconds", load.seconds, "how long at most")->capture_default_str();
  load_cmd->add_option("--seed", load.seed, "random seed")->capture_default_str();
  load_cmd->add_flag("--invalid", load.invalid_requests, "also send requests that are invalid on purpose");
  load_cmd->add_option("--clock-every", load.clock_every_seconds, "mean seconds between test-clock moves")
      ->capture_default_str();
  load_cmd->add_option("--ready-file", load.ready_file, "created when the clients start");
  load_cmd->add_option("--backup-after", load.backup_after_seconds, "take one backup this many seconds in");
  load_cmd->add_option("--backup-file", load.backup_file, "the backup's file");
  load_cmd->add_option("--bin", load.aftersales_bin, "the aftersales program (for the backup)");
  load_cmd->add_option("--db", load.db_path, "the server's database (for the backup)");
  load_cmd->add_option("--server-pid", load.server_pid, "sample this process's resident memory");
  load_cmd->add_option("--rss-factor", rss_factor, "allowed growth of the last third over the middle third")
      ->capture_default_str();
  load_cmd->add_flag("--behind-proxy", load.behind_proxy,
                     "the URL is a load balancer: its 5xx are marked, open and 503 answers are sent again");
  load_cmd->add_option("--race-every", load.race_every_seconds, "seconds between races (0: none)")
      ->capture_default_str();
  load_cmd->add_option("--racers", load.racers, "requests at once in each race")->capture_default_str();

  CheckOptions check;
  std::string label = "run";
  CLI::App* check_cmd = app.add_subcommand("check", "Check every invariant");
  check_cmd->add_option("--db", check.db_path, "the database: a SQLite file or a postgresql:// URI")->required();
  check_cmd->add_option("--fixture", fixture_path, "what `setup` wrote")->required();
  check_cmd->add_option("--log", log_path, "the request log")->required();
  check_cmd->add_option("--url", check.base_url, "a server running on the file: check through it too");
  check_cmd->add_option("--received", check.received_path, "the receiver's deliveries (with --url)");
  check_cmd->add_option("--until-marker", check.until_marker, "count only requests logged before this marker");
  check_cmd->add_flag("--final", check.final, "wait for every committed event; compare every served order");
  check_cmd->add_option("--delivery-wait", check.delivery_wait_seconds, "seconds to wait for deliveries")
      ->capture_default_str();
  check_cmd->add_flag("--every-request-answered", check.every_request_answered, "no request may have gone unanswered");
  check_cmd->add_option("--label", label, "names this check in the output");
  check_cmd->add_option("--kill", check.kills_ms, "a server was killed at this wall time (ms since the epoch)");
  std::vector<std::string> outages;
  check_cmd->add_option("--outage", outages, "the database was down from FROM to TO (FROM:TO, wall ms)");
  check_cmd->add_option("--outage-grace", check.outage_grace_seconds, "seconds after an outage that 503 may last")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUnusable;
  }
  for (const std::string& outage : outages) {
    const std::size_t colon = outage.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      check.outages_ms.emplace_back(std::stoll(outage.substr(0, colon)), std::stoll(outage.substr(colon + 1)));
    } catch (const std::exception&) {
      std::cerr << "check: --outage takes FROM:TO in milliseconds, not '" << outage << "'\n";
      return kExitUnusable;
    }
  }
  if (*check_cmd && !check.base_url.empty() && check.received_path.empty()) {
    std::cerr << "check: --url needs --received\n";
    return kExitUnusable;
  }
  if (*load_cmd && load.backup_after_seconds >= 0 &&
      (load.backup_file.empty() || load.aftersales_bin.empty() || load.db_path.empty())) {
    std::cerr << "load: --backup-after needs --backup-file, --bin and --db\n";
    return kExitUnusable;
  }
  try {
    if (*receive) return Receive(receive_out, receive_info);
    if (*setup) return Setup(url, admin_token, receiver_info, fixture_path, buyers);
    if (*load_cmd) return Load(load, fixture_path, log_path, rss_factor);
    return Check(check, fixture_path, log_path, label);
  } catch (const std::exception& e) {
    std::cerr << "reliability_driver: " << e.what() << "\n";
    return kExitUnusable;
  }
}

}  // namespace
}  // namespace aftersales::reliability

int main(int argc, char** argv) { return aftersales::reliability::Main(argc, argv); }
