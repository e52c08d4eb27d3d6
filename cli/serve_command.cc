#include "cli/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include "api/json_api.h"
#include "cli/audit_checkpoint_command.h"
#include "cli/cli_common.h"
#include "cli/memory_trim.h"
#include "db/postgres/pg_store.h"
#include "domain/clock.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/checkpoint_scheduler.h"
#include "engine/cases/case_engine.h"
#include "engine/cases/deadline_scheduler.h"
#include "engine/policy_registry.h"
#include "engine/test_clock.h"
#include "engine/users/user_service.h"
#include "engine/webhooks/webhook_dispatcher.h"
#include "engine/webhooks/webhook_service.h"
#include "web/client_address.h"
#include "web/http_server.h"
#include "web/http_webhook_transport.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "serve";
constexpr const char* kBootstrapTokenVariable = "AFTERSALES_BOOTSTRAP_TOKEN";
// Memory (cli/memory_trim.h, docs/BENCHMARKS.md "Memory under a long load").
constexpr std::chrono::seconds kMemoryTrimEvery{10};

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "HOST:PORT", "[v6]:PORT". Errors: validation_failed.
Result<ListenAddress> ParseListen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::Invalid("--listen", "--listen must be HOST:PORT, not '" + text + "'");
  }
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (ec != std::errc() || end != port.data() + port.size() || address.port < 0 || address.port > 65535) {
    return Status::Invalid("--listen", "the port of --listen must be a number from 0 to 65535, not '" + port + "'");
  }
  return address;
}

std::string Url(const ListenAddress& address, int port) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(port);
}

// Fires due deadlines once a second until stopped (not under a test clock,
// whose moves fire them).

}  // namespace

int RunServe(const ServeOptions& options) {
  auto address = ParseListen(options.listen);
  if (!address.ok()) {
    PrintError(std::cerr, kCommand, address.status());
    return kExitUnusable;
  }

  auto trusted_proxies = TrustedProxies::Parse(options.trusted_proxies);
  if (!trusted_proxies.ok()) {
    PrintError(std::cerr, kCommand, trusted_proxies.status());
    return kExitUnusable;
  }

  Policy policy;
  if (options.policy_path && options.policy_preset) {
    PrintError(std::cerr, kCommand,
               Status::Invalid("--policy-preset",
                               "--policy and --policy-preset exclude each other: a policy file "
                               "takes a preset with its own \"preset\" key"));
    return kExitUnusable;
  }
  if (options.policy_preset) {
    // As a policy file holding {"preset": NAME} (SPEC §13.1).
    auto parsed = ParsePolicy(nlohmann::json{{"preset", *options.policy_preset}});
    if (!parsed.ok()) {
      PrintError(std::cerr, kCommand,
                 Status::Invalid("--policy-preset", "--policy-preset: " + parsed.status().message()));
      return kExitUnusable;
    }
    policy = std::move(*parsed);
  } else if (options.policy_path) {
    auto loaded = LoadPolicyFile(*options.policy_path);
    if (!loaded.ok()) {
      PrintError(std::cerr, kCommand, loaded.status());
      return kExitUnusable;
    }
    policy = std::move(*loaded);
  } else {
    policy = DefaultPolicy();
  }

  // Checkpoints: the key and the folder are checked before anything starts.
  std::optional<Ed25519PrivateKey> checkpoint_key;
  std::optional<CheckpointFolder> checkpoint_folder;
  if (options.checkpoint_dir.has_value() != options.checkpoint_key.has_value()) {
    PrintError(std::cerr, kCommand,
               Status::Invalid("--checkpoint-dir", "--checkpoint-dir and --checkpoint-key go together"));
    return kExitUnusable;
  }
  if (options.checkpoint_key) {
    auto key = ReadPrivateKeyFile(*options.checkpoint_key, std::cerr);
    if (!key.ok()) {
      PrintError(std::cerr, kCommand, key.status());
      return kExitUnusable;
    }
    checkpoint_key.emplace(std::move(*key));
    checkpoint_folder.emplace(*options.checkpoint_dir);
    Status created = checkpoint_folder->Create();
    if (!created.ok()) {
      PrintError(std::cerr, kCommand, created);
      return kExitUnusable;
    }
  }

  Result<std::unique_ptr<Store>> store = Status::Internal("no store");
  if (options.store_uri) {
    if (!PgStore::IsUri(*options.store_uri)) {
      PrintError(std::cerr, kCommand,
                 Status::Invalid("--store", "--store takes a PostgreSQL URI (postgresql://…); a file is --db"));
      return kExitUnusable;
    }
    auto opened = PgStore::Open(*options.store_uri);
    if (opened.ok()) store = std::unique_ptr<Store>(std::move(*opened));
    else store = opened.status();
  } else {
    auto opened = OpenOrCreateStore(options.db_path, std::cerr);
    if (opened.ok()) store = std::unique_ptr<Store>(std::move(*opened));
    else store = opened.status();
  }
  if (!store.ok()) {
    PrintError(std::cerr, kCommand, store.status());
    return kExitUnusable;
  }
  if (Status completed = CompleteReportTables(**store, std::cerr, kCommand); !completed.ok()) {
    PrintError(std::cerr, kCommand, completed);
    return kExitUnusable;
  }

  SystemClock system_clock;
  std::unique_ptr<TestClock> test_clock;
  if (options.test_clock) {
    auto opened = TestClock::Open(**store, system_clock.Now(), (*store)->Shared());
    if (!opened.ok()) {
      PrintError(std::cerr, kCommand, opened.status());
      return kExitUnusable;
    }
    test_clock = std::move(*opened);
  }
  const Clock& clock = test_clock ? static_cast<const Clock&>(*test_clock) : system_clock;

  PolicyRegistry policies(**store);
  Status initialized =
      policies.Initialize(policy, clock.Now(), options.policy_path.has_value() || options.policy_preset.has_value());
  if (!initialized.ok()) {
    PrintError(std::cerr, kCommand, initialized);
    return kExitUnusable;
  }
  CaseEngine engine(**store, clock, policies);
  JsonApi cases(engine);
  UserService users(**store, clock, policies, system_clock);
  // Webhook deliveries keep the wall clock, also under a test clock (SPEC §6.9).
  WebhookService webhooks(**store, clock, system_clock);

  if (const char* token = std::getenv(kBootstrapTokenVariable); token != nullptr && *token != '\0') {
    auto created = users.Bootstrap(token);
    if (!created.ok()) {
      PrintError(std::cerr, kCommand, created.status());
      return kExitUnusable;
    }
    if (*created)
      std::cerr << "aftersales serve: created the admin user 'admin' from " << kBootstrapTokenVariable << "\n";
  }

  // SIGINT and SIGTERM are taken by sigwait below, so every thread started
  // from here on must have them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);

  int exit_code = kExitOk;
  {
    WebServices services{**store, cases, users, policies, clock, system_clock, test_clock.get(), &webhooks};
    std::optional<CheckpointSource> checkpoint_source;
    if (checkpoint_key) {
      checkpoint_source.emplace(
          CheckpointSource{*checkpoint_folder, checkpoint_key->public_key(), options.checkpoint_every_seconds});
      services.checkpoints = &*checkpoint_source;
    }
    HttpServerOptions server_options;
    server_options.trusted_proxies = std::move(*trusted_proxies);
    HttpServer server(services, std::move(server_options));
    Status started = server.Start(address->host, address->port);
    if (!started.ok()) {
      PrintError(std::cerr, kCommand, started);
      exit_code = kExitUnusable;
    } else {
      // The first pass fires what came due while the server was down. Under
      // a test clock, time moves only by POST /test/clock, which fires what
      // it makes due and reports it: a background pass would race it.
      DeadlineScheduler scheduler(engine.sweeper(), {});
      if (test_clock) {
        auto caught_up = scheduler.CatchUp();
        if (!caught_up.ok()) PrintError(std::cerr, kCommand, caught_up.status());
      } else {
        scheduler.Start();
      }
      HttpWebhookTransport webhook_transport;
      DeliveryOptions delivery_options;
      delivery_options.retention_seconds = [&policies]() -> std::int64_t {
        const auto policy = policies.Current();
        return policy ? std::int64_t{policy->webhook_retention_days} * kDay : 0;  // none: keep everything
      };
      WebhookDispatcher dispatcher(webhooks, webhook_transport, system_clock, std::move(delivery_options));
      Status dispatching = dispatcher.Start();
      if (!dispatching.ok()) PrintError(std::cerr, kCommand, dispatching);  // events wait in the outbox
      // Checkpoints are signatures: they keep the wall clock, also under a test clock.
      std::unique_ptr<CheckpointScheduler> checkpoints;
      if (checkpoint_key) {
        CheckpointScheduler::Options checkpoint_options;
        checkpoint_options.every_seconds = options.checkpoint_every_seconds;
        checkpoints = std::make_unique<CheckpointScheduler>(**store, *checkpoint_key, *checkpoint_folder, system_clock,
                                                            checkpoint_options);
        checkpoints->Start();
      }
      MemoryTrimmer trimmer(kMemoryTrimEvery);
      trimmer.Start();
      std::cout << "aftersales: listening on " << Url(*address, server.port());
      if (test_clock) std::cout << " (test clock at " << FormatTime(test_clock->Now()) << ")";
      std::cout << std::endl;

      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
      std::cerr << "aftersales serve: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
                << " received; finishing requests in flight\n";
      scheduler.Stop();
      dispatcher.Stop();
      trimmer.Stop();
      if (checkpoints) checkpoints->Stop();
      server.Stop();
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  // Services, then the store, close as they go out of scope.
  if (exit_code == kExitOk) std::cerr << "aftersales serve: stopped\n";
  return exit_code;
}

}  // namespace aftersales
