// connection_bench: the attacks of docs/RELIABILITY.md ("Connections")
// against a real `aftersales serve`, with a well-behaved client reading a
// case all the while:
//   idle       1,000 keep-alive connections, each after one request, idle
//   slowloris  200 connections sending one header byte every 4 s
//   reconnect  200 clients that connect, send nothing and reconnect
// For each: the well-behaved client's latencies (p50, p99, max), how many of
// its requests got no answer within 30 s, the server's threads and resident
// memory during the attack, and how long after the attack stops its next
// request takes. Any binary can be measured (--bin), so that a build from
// before a change is measured on the same machine in the same way.
//
//   connection_bench [--bin PATH] [--seconds S] [--json FILE] [--quick]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "domain/clock.h"

extern char** environ;

namespace {

using nlohmann::json;

constexpr int kGiveUpMillis = 30000;

int ConnectFrom(int port, const std::string& source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// One whole answer; empty on EOF or after timeout_ms without a byte.
std::string ReadAnswer(int fd, int timeout_ms) {
  std::string in;
  char buf[8192];
  const double give_up = aftersales::MonotonicSeconds() + timeout_ms / 1000.0;
  for (;;) {
    const auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = in.find("Content-Length: ");
      const std::size_t length = cl == std::string::npos || cl > end ? 0 : std::stoul(in.substr(cl + 16));
      if (in.size() >= end + 4 + length) return in;
    }
    const int left = static_cast<int>((give_up - aftersales::MonotonicSeconds()) * 1000);
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) return "";
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    in.append(buf, static_cast<std::size_t>(n));
  }
}

int StatusOf(const std::string& answer) {
  return answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
}

struct Server {
  pid_t pid = -1;
  int port = 0;
  std::string token;
  std::string case_id;
};

std::string Run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::string Request(int port, const std::string& raw) {
  const int fd = ConnectFrom(port, "127.0.0.1");
  if (fd < 0) return "";
  SendAll(fd, raw);
  std::string answer = ReadAnswer(fd, kGiveUpMillis);
  ::close(fd);
  return answer;
}

// The port `aftersales serve` listens on, from its "listening on" line on
// `fd` (its stdout), or 0 when that line does not come within 30 s. What it
// writes after is read and dropped on a thread of its own, so that a full
// pipe never blocks it.
int ListeningPort(int fd) {
  std::string out;
  const double give_up = aftersales::MonotonicSeconds() + 30;
  int port = 0;
  while (port == 0) {
    const auto at = out.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port = std::atoi(out.c_str() + at + std::string("listening on http://127.0.0.1:").size());
      break;
    }
    const int left = static_cast<int>((give_up - aftersales::MonotonicSeconds()) * 1000);
    pollfd p{fd, POLLIN, 0};
    char buf[512];
    if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  std::thread([fd] {
    char buf[512];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  }).detach();
  return port;
}

// The server on a port of its own choosing (listening on port 0), so that
// no other program on the machine can hold the port it is given.
Server Start(const std::string& bin, const std::string& dir) {
  Server s;
  const std::string db = dir + "/bench.db";
  const std::string logins = Run("'" + bin + "' demo --db '" + db + "' 2>/dev/null");
  std::istringstream lines(logins);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name, role, password, token;
    if (words >> name >> role >> password >> token && name == "agent1") s.token = token;
  }
  std::vector<std::string> args = {bin, "serve", "--db", db, "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (::pipe(out) != 0) return s;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, out[1]);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const int spawned = ::posix_spawn(&s.pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    s.pid = -1;
    ::close(out[0]);
    return s;
  }
  s.port = ListeningPort(out[0]);
  if (s.port == 0) return s;
  for (int i = 0; i < 500; ++i) {
    if (StatusOf(Request(s.port, "GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")) == 200) break;
    aftersales::SleepForMillis(20);
  }
  const std::string list = Request(s.port, "GET /api/v1/cases?limit=1 HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " +
                                               s.token + "\r\nConnection: close\r\n\r\n");
  const auto body = list.find("\r\n\r\n");
  if (body == std::string::npos) return s;
  const json page = json::parse(list.substr(body + 4), nullptr, false);
  if (page.is_object() && !page["items"].empty()) s.case_id = page["items"][0]["id"];
  return s;
}

int Threads(pid_t pid) {
  int n = 0;
  const std::string path = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

long RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

struct Figures {
  std::string attack;
  std::vector<double> latencies;
  int timeouts = 0;
  int threads = 0;
  long rss_kib = 0;
  double recovery_seconds = 0;
};

// The well-behaved client: one read per new connection until `until`.
void ReadCase(const Server& s, double until, Figures& f) {
  const std::string raw = "GET /api/v1/cases/" + s.case_id + " HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " +
                          s.token + "\r\nConnection: close\r\n\r\n";
  while (aftersales::MonotonicSeconds() < until) {
    const double start = aftersales::MonotonicSeconds();
    if (StatusOf(Request(s.port, raw)) == 200) {
      f.latencies.push_back(aftersales::MonotonicSeconds() - start);
    } else {
      ++f.timeouts;
    }
  }
}

Figures Attack(const Server& s, const std::string& kind, double seconds) {
  Figures f;
  f.attack = kind;
  std::atomic<bool> stop{false};
  std::vector<int> fds;
  std::thread attacker([&] {
    if (kind == "idle") {
      for (int i = 0; i < 1000; ++i) {
        const int fd = ConnectFrom(s.port, "127.0.0." + std::to_string(2 + i / 250));
        if (fd < 0) continue;
        SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n");
        fds.push_back(fd);
      }
      for (int fd : fds) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) {
          char buf[512];
          (void)!::recv(fd, buf, sizeof buf, 0);
        }
      }
      while (!stop) aftersales::SleepForMillis(50);
    } else if (kind == "slowloris") {
      for (int i = 0; i < 200; ++i) fds.push_back(ConnectFrom(s.port, "127.0.0." + std::to_string(2 + i / 50)));
      const std::string head = "GET /healthz HTTP/1.1\r\nHost: b\r\nX-Slow: " + std::string(65536, 'a');
      std::vector<std::size_t> sent(fds.size(), 0);
      for (std::size_t i = 0; !stop; i = (i + 1) % fds.size()) {
        if (fds[i] < 0 || ::send(fds[i], head.data() + sent[i] % head.size(), 1, MSG_NOSIGNAL) != 1) {
          if (fds[i] >= 0) ::close(fds[i]);
          fds[i] = ConnectFrom(s.port, "127.0.0." + std::to_string(2 + i / 50));
          sent[i] = 0;
        } else {
          ++sent[i];
        }
        aftersales::SleepForMillis(20);  // 200 connections: one byte each every 4 s
      }
    } else {
      fds.assign(200, -1);
      for (std::size_t i = 0; !stop; i = (i + 1) % fds.size()) {
        if (fds[i] >= 0) ::close(fds[i]);
        fds[i] = ConnectFrom(s.port, "127.0.0." + std::to_string(2 + i / 50));
        if (i == 0) aftersales::SleepForMillis(5);
      }
    }
  });
  aftersales::SleepForMillis(kind == "idle" ? 3000 : 1000);  // let the attack build up
  ReadCase(s, aftersales::MonotonicSeconds() + seconds, f);
  f.threads = Threads(s.pid);
  f.rss_kib = RssKib(s.pid);
  stop = true;
  attacker.join();
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  const double stopped = aftersales::MonotonicSeconds();
  const std::string raw = "GET /api/v1/cases/" + s.case_id + " HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " +
                          s.token + "\r\nConnection: close\r\n\r\n";
  while (StatusOf(Request(s.port, raw)) != 200 && aftersales::MonotonicSeconds() - stopped < 60) {
  }
  f.recovery_seconds = aftersales::MonotonicSeconds() - stopped;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Attacks on the connection side, against a well-behaved client"};
  std::string bin = AFTERSALES_BIN_PATH;
  double seconds = 20;
  bool quick = false;
  std::string json_path;
  app.add_option("--bin", bin, "the aftersales binary to measure");
  app.add_option("--seconds", seconds, "how long the well-behaved client reads during each attack");
  app.add_option("--json", json_path, "write the figures here");
  app.add_flag("--quick", quick, "3 s per attack");
  CLI11_PARSE(app, argc, argv);
  if (quick) seconds = 3;
  ::signal(SIGPIPE, SIG_IGN);
  char dir_template[] = "/tmp/connection-bench-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  Server s = Start(bin, dir);
  if (s.token.empty() || s.port == 0 || s.case_id.empty()) {
    std::fprintf(stderr, "the server did not start (no token, no port or no case)\n");
    if (s.pid > 0) ::kill(s.pid, SIGKILL);
    return 1;
  }
  std::printf("%s\nthreads at rest: %d, VmRSS at rest: %ld KiB\n", bin.c_str(), Threads(s.pid), RssKib(s.pid));
  std::printf("| attack | reads | p50 s | p99 s | max s | no answer in 30 s | threads | VmRSS MiB | next read after, s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  json out = json::array();
  for (const std::string kind : {"idle", "slowloris", "reconnect"}) {
    Figures f = Attack(s, kind, seconds);
    const double max = f.latencies.empty() ? 0 : *std::max_element(f.latencies.begin(), f.latencies.end());
    std::printf("| %s | %zu | %.4f | %.4f | %.3f | %d | %d | %.0f | %.3f |\n", kind.c_str(), f.latencies.size(),
                Percentile(f.latencies, 0.5), Percentile(f.latencies, 0.99), max, f.timeouts, f.threads,
                f.rss_kib / 1024.0, f.recovery_seconds);
    std::fflush(stdout);
    out.push_back({{"attack", kind},
                   {"reads", f.latencies.size()},
                   {"p50", Percentile(f.latencies, 0.5)},
                   {"p99", Percentile(f.latencies, 0.99)},
                   {"max", max},
                   {"timeouts", f.timeouts},
                   {"threads", f.threads},
                   {"rss_kib", f.rss_kib},
                   {"recovery_seconds", f.recovery_seconds}});
  }
  ::kill(s.pid, SIGTERM);
  ::waitpid(s.pid, nullptr, 0);
  Run("rm -rf '" + dir + "'");
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(2) << "\n";
  return 0;
}
