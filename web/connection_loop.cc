#include "web/connection_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/clock.h"
#include "web/problem.h"
#include "web/request_head.h"

namespace aftersales {
namespace {

constexpr int kTickMillis = 100;           // how often deadlines are looked at
constexpr double kLingerSeconds = 1.0;     // how long a closing connection's input is drained
constexpr std::size_t kMaxLingering = 4096;  // beyond this, refused connections close at once
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kReservedDescriptors = 128;  // files, the database, webhook sockets

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// The whole answer the loop writes itself: a problem document, closing.
std::string RefusalBytes(int status, const Status& why) {
  const std::string body = WireJson(ProblemJson(why));
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
  out += "Content-Type: application/problem+json\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n";
  out += "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  out += "\r\n";
  out += body;
  return out;
}

// The numeric address and the port of a socket address.
void AddressAndPort(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  std::array<char, NI_MAXHOST> host{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host.data(), static_cast<socklen_t>(host.size()),
                    nullptr, 0, NI_NUMERICHOST) == 0) {
    ip = host.data();
  }
}

// Raises the soft descriptor limit to the hard one; returns the soft limit.
rlim_t RaiseDescriptorLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur;
}

}  // namespace

class ConnectionLoop::Impl {
 public:
  Impl(ConnectionLimits limits, RequestServer serve, RefusalObserver observe)
      : limits_(limits), serve_(std::move(serve)), observe_(std::move(observe)) {}

  ~Impl() { Stop(); }

  Status Start(const std::string& host, int port) {
    if (loop_thread_.joinable()) return Status(Code::kAlreadyExists, "the server is already started");
    const rlim_t fds = RaiseDescriptorLimit();
    const std::size_t fit = fds > static_cast<rlim_t>(2 * kReservedDescriptors)
                                ? static_cast<std::size_t>(fds) - kReservedDescriptors
                                : static_cast<std::size_t>(fds) / 2;
    max_connections_ = std::min(limits_.max_connections, fit);
    AS_RETURN_IF_ERROR(Listen(host, port));
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
      CloseAll();
      return Status::Unavailable(std::string("cannot start the event loop: ") + std::strerror(errno));
    }
    Watch(listen_fd_, EPOLLIN);
    Watch(wake_fd_, EPOLLIN);
    stopping_ = false;
    for (int i = 0; i < std::max(1, limits_.workers); ++i) workers_.emplace_back([this] { WorkerMain(); });
    loop_thread_ = std::thread([this] { LoopMain(); });
    return Status::Ok();
  }

  int port() const { return port_; }

  void Stop() {
    if (!loop_thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    Wake();
    loop_thread_.join();
    for (auto& w : workers_) w.join();
    workers_.clear();
    CloseAll();
  }

  Counts counts() const {
    Counts c;
    c.connections = open_.load();
    c.busy = busy_.load();
    return c;
  }

 private:
  enum class Phase { kIdle, kHead, kBody, kBusy, kLingering };

  struct Conn {
    int fd = -1;
    std::string ip;
    int port = 0;
    std::string local_ip;
    int local_port = 0;
    Phase phase = Phase::kHead;
    std::string buf;
    RequestHeadScanner scanner;
    double deadline = 0;      // of the current phase
    double body_deadline = 0;  // of the current request's body
    std::size_t reserved = 0;  // body bytes counted against max_buffered_body_bytes
    int served = 0;
    bool counted = true;  // counts against its address
  };

  struct Returned {
    int fd;
    ServeOutcome outcome;
    bool watched = false;  // the worker already put the connection back under epoll
    int served = 1;        // requests the worker answered on it in this turn
  };

  // --- the listening socket -------------------------------------------------

  Status Listen(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
      return Status::Unavailable("cannot listen on " + host + ":" + service + ": the address cannot be resolved");
    }
    int err = 0;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        err = errno;
        continue;
      }
      // SO_REUSEADDR only: SO_REUSEPORT would let a second server bind the port silently.
      int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, limits_.listen_backlog) == 0) {
        sockaddr_storage bound{};
        socklen_t len = sizeof bound;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
        port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
        listen_fd_ = fd;
        ::freeaddrinfo(found);
        return Status::Ok();
      }
      err = errno;
      ::close(fd);
    }
    ::freeaddrinfo(found);
    std::string message = "cannot listen on " + host + ":" + service + ": " + std::strerror(err);
    if (err == EADDRINUSE) message += " (is another server using that port?)";
    return Status::Unavailable(message);
  }

  void CloseAll() {
    for (int* fd : {&listen_fd_, &epoll_fd_, &wake_fd_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  void Watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }

  void Unwatch(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

  void Wake() {
    const std::uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

  // --- the event thread -------------------------------------------------------

  void LoopMain() {
    std::array<epoll_event, 256> events{};
    double next_tick = MonotonicSeconds();
    bool accepting = true;
    for (;;) {
      const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kTickMillis);
      const double now = MonotonicSeconds();
      // First what the workers returned: a connection a worker put back
      // under epoll was listed in returned_ before it was watched, so any
      // event of it found by this epoll_wait finds it idle again.
      TakeReturned(now);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wake_fd_) {
          std::uint64_t drained;
          (void)!::read(wake_fd_, &drained, sizeof drained);
        } else if (fd == listen_fd_) {
          if (accepting) AcceptAll(now);
        } else {
          OnReadable(fd, now);
        }
      }
      TakeReturned(now);
      if (IsStopping()) {
        if (accepting) {
          accepting = false;
          Unwatch(listen_fd_);
          ::close(listen_fd_);
          listen_fd_ = -1;
          CloseWaiting();
        }
        if (conns_.empty()) break;
      }
      if (now >= next_tick) {
        ExpireDeadlines(now);
        next_tick = now + kTickMillis / 1000.0;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      loop_done_ = true;
    }
    queue_cv_.notify_all();
  }

  bool IsStopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  void AcceptAll(double now) {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or out of descriptors: the rest waits in the backlog
      }
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      auto conn = std::make_unique<Conn>();
      conn->fd = fd;
      AddressAndPort(addr, len, conn->ip, conn->port);
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
        AddressAndPort(local, local_len, conn->local_ip, conn->local_port);
      }
      conn->deadline = now + limits_.head_timeout_ms / 1000.0;
      conn->body_deadline = now + limits_.request_timeout_ms / 1000.0;
      const bool full = active_ >= max_connections_;
      const bool crowded = per_address_[conn->ip] >= limits_.max_connections_per_address;
      Conn& c = Adopt(std::move(conn));
      if (full || crowded) {
        Refuse(c, 503,
               Status(Code::kServerBusy, full ? "the server is at its connection limit; retry shortly"
                                              : "too many connections from your address; retry shortly"),
               now);
      }
    }
  }

  Conn& Adopt(std::unique_ptr<Conn> conn) {
    Conn& c = *conn;
    ++per_address_[c.ip];
    ++active_;
    conns_[c.fd] = std::move(conn);
    open_ = conns_.size();
    Watch(c.fd, EPOLLIN | EPOLLRDHUP);
    return c;
  }

  void Forget(Conn& c) {
    if (c.counted) {
      auto it = per_address_.find(c.ip);
      if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
      --active_;
      c.counted = false;
    }
  }

  void Close(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    Forget(c);
    Release(c);
    if (c.phase != Phase::kBusy) Unwatch(fd);
    ::close(fd);
    conns_.erase(it);
    open_ = conns_.size();
  }

  void Release(Conn& c) {
    buffered_body_bytes_ -= c.reserved;
    c.reserved = 0;
  }

  // Writes a refusal, then lingers (or closes at once when too many linger).
  void Refuse(Conn& c, int status, const Status& why, double now) {
    if (observe_) observe_(c.ip, status, why);
    const std::string bytes = RefusalBytes(status, why);
    // A fresh connection's send buffer takes a few hundred bytes at once.
    (void)!::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    StartLingering(c, now);
  }

  void StartLingering(Conn& c, double now) {
    Forget(c);
    Release(c);
    if (lingering_ >= kMaxLingering) {
      Close(c.fd);
      return;
    }
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::kLingering;
    c.buf.clear();
    c.buf.shrink_to_fit();
    c.deadline = now + kLingerSeconds;
    ++lingering_;
  }

  void OnReadable(int fd, double now) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    if (c.phase == Phase::kLingering) {
      std::array<char, 4096> sink{};
      const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) EndLinger(c);
      return;
    }
    if (c.phase == Phase::kBusy) return;
    std::array<char, kReadChunk> chunk;  // not zeroed: recv fills the n bytes used
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      Close(fd);  // the client went away
      return;
    }
    if (n < 0) return;
    if (c.phase == Phase::kIdle) {
      // The first byte of the next request starts its clocks.
      c.phase = Phase::kHead;
      c.deadline = now + limits_.head_timeout_ms / 1000.0;
      c.body_deadline = now + limits_.request_timeout_ms / 1000.0;
    }
    c.buf.append(chunk.data(), static_cast<std::size_t>(n));
    Advance(c, now);
  }

  void EndLinger(Conn& c) {
    --lingering_;
    Close(c.fd);
  }

  // Moves a connection on with what it has received: refuse, wait for more,
  // or hand the request to a worker.
  void Advance(Conn& c, double now) {
    if (c.phase == Phase::kHead) {
      const auto verdict = c.scanner.Feed(c.buf);
      if (verdict == RequestHeadScanner::Verdict::kRefused) {
        Refuse(c, c.scanner.refusal_status(), c.scanner.refusal(), now);
        return;
      }
      if (verdict == RequestHeadScanner::Verdict::kIncomplete) return;
      if (c.scanner.skipped() > 0) {
        c.buf.erase(0, c.scanner.skipped());
        const std::string rest = c.buf;
        c.scanner = RequestHeadScanner();
        c.scanner.Feed(rest);
      }
      const std::uint64_t length = c.scanner.content_length();
      if (length > 0 && length <= limits_.max_body_bytes && !c.scanner.expects_continue()) {
        if (buffered_body_bytes_ + length > limits_.max_buffered_body_bytes) {
          Refuse(c, 503, Status(Code::kServerBusy, "the server holds too many request bodies; retry shortly"),
                 now);
          return;
        }
        c.reserved = static_cast<std::size_t>(length);
        buffered_body_bytes_ += c.reserved;
        c.phase = Phase::kBody;
        c.deadline = c.body_deadline;
      }
    }
    if (c.phase == Phase::kBody && c.buf.size() < c.scanner.head_bytes() + c.scanner.content_length()) return;
    Dispatch(c, now);
  }

  void Dispatch(Conn& c, double now) {
    Release(c);
    ReceivedRequest job;
    job.fd = c.fd;
    job.bytes = std::move(c.buf);
    c.buf.clear();
    job.served_before = c.served;
    job.last = c.served + 1 >= limits_.keep_alive_max_requests || IsStopping();
    job.deadline = c.body_deadline;
    job.write_timeout_ms = limits_.write_timeout_ms;
    job.remote_ip = c.ip;
    job.remote_port = c.port;
    job.local_ip = c.local_ip;
    job.local_port = c.local_port;
    // Off epoll before a worker can have it: the worker that answers may put
    // it back under epoll itself, at once (a worker done with one request
    // takes the next without waiting to be woken).
    Unwatch(c.fd);
    bool queued = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued = queue_.size() < limits_.max_queued_requests;
      if (queued) {
        c.phase = Phase::kBusy;
        ++busy_;
        queue_.push_back(std::move(job));
      }
    }
    if (!queued) {
      Watch(c.fd, EPOLLIN | EPOLLRDHUP);
      Refuse(c, 503, Status(Code::kServerBusy, "every worker is busy; retry shortly"), now);
      return;
    }
    queue_cv_.notify_one();
  }

  // Connections the workers are done with.
  void TakeReturned(double now) {
    std::vector<Returned> returned;
    {
      std::lock_guard<std::mutex> lock(mu_);
      returned.swap(returned_);
    }
    for (auto& r : returned) {
      auto it = conns_.find(r.fd);
      if (it == conns_.end()) continue;
      Conn& c = *it->second;
      --busy_;
      c.served += r.served;
      switch (r.outcome.next) {
        case ServeOutcome::Next::kClose:
          Close(c.fd);
          break;
        case ServeOutcome::Next::kLinger:
          Watch(c.fd, EPOLLIN | EPOLLRDHUP);
          c.phase = Phase::kHead;
          StartLingering(c, now);
          break;
        case ServeOutcome::Next::kKeepAlive:
          if (IsStopping()) {
            if (r.watched) Unwatch(c.fd);
            Close(c.fd);
            break;
          }
          if (!r.watched) Watch(c.fd, EPOLLIN | EPOLLRDHUP);
          c.scanner = RequestHeadScanner();
          c.buf = std::move(r.outcome.unread);
          if (c.buf.empty()) {
            c.phase = Phase::kIdle;
            c.deadline = now + limits_.idle_timeout_ms / 1000.0;
          } else {  // a pipelined request is already on its way
            c.phase = Phase::kHead;
            c.deadline = now + limits_.head_timeout_ms / 1000.0;
            c.body_deadline = now + limits_.request_timeout_ms / 1000.0;
            Advance(c, now);
          }
          break;
      }
    }
  }

  void ExpireDeadlines(double now) {
    std::vector<int> due;
    for (const auto& [fd, conn] : conns_) {
      if (conn->phase != Phase::kBusy && conn->deadline <= now) due.push_back(fd);
    }
    for (int fd : due) {
      Conn& c = *conns_.at(fd);
      switch (c.phase) {
        case Phase::kIdle:
          Close(fd);
          break;
        case Phase::kHead:
        case Phase::kBody:
          if (c.buf.empty() && c.served == 0) {
            Close(fd);  // connected and never spoke
          } else {
            Refuse(c, 408, Status(Code::kRequestTimeout, "the request did not arrive in time"), now);
          }
          break;
        case Phase::kLingering:
          EndLinger(c);
          break;
        case Phase::kBusy:
          break;
      }
    }
  }

  // Stopping: everything not with a worker closes now.
  void CloseWaiting() {
    std::vector<int> waiting;
    for (const auto& [fd, conn] : conns_) {
      if (conn->phase != Phase::kBusy) waiting.push_back(fd);
    }
    for (int fd : waiting) {
      if (conns_.at(fd)->phase == Phase::kLingering) --lingering_;
      Close(fd);
    }
  }

  // --- the workers ------------------------------------------------------------

  void WorkerMain() {
    for (;;) {
      ReceivedRequest job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++idle_workers_;
        queue_cv_.wait(lock, [this] { return !queue_.empty() || loop_done_; });
        --idle_workers_;
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      ServeOutcome outcome;
      int served = 0;
      do {
        try {
          outcome = serve_(job);
        } catch (...) {
          outcome = ServeOutcome();
          outcome.next = ServeOutcome::Next::kClose;  // never let a worker die
        }
        ++served;
      } while (AwaitNextRequest(job, outcome));
      // A keep-alive connection with nothing more received goes back under
      // epoll from here, and the event thread takes note when it next
      // wakes (at the latest within a tick): one wake-up less per request.
      // Anything else the event thread handles at once.
      const bool idle = outcome.next == ServeOutcome::Next::kKeepAlive && outcome.unread.empty();
      // Watched under the lock that TakeReturned takes: the event thread
      // never sees the connection listed and not yet watched, so it never
      // closes one (stopping) that a worker then adds to epoll.
      bool watched = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        watched = idle && !stopping_;
        returned_.push_back({job.fd, std::move(outcome), watched, served});
        if (watched) Watch(job.fd, EPOLLIN | EPOLLRDHUP);
      }
      if (!watched) Wake();
    }
  }

  // After a keep-alive answer with nothing more received: waits up to
  // follow_up_wait_ms for the connection's next request, and when it arrives
  // whole (head and body) makes it `job` and returns true. Waits only if no
  // request is queued and more workers are idle than wait so, each waiting
  // worker leaving an idle one to take what is queued meanwhile. What
  // arrives in part is left in `outcome.unread` for the event thread, which
  // reads the rest under its own deadlines and limits; a client gone closes
  // the connection.
  bool AwaitNextRequest(ReceivedRequest& job, ServeOutcome& outcome) {
    if (outcome.next != ServeOutcome::Next::kKeepAlive || !outcome.unread.empty() || job.last ||
        limits_.follow_up_wait_ms <= 0) {
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || !queue_.empty() || idle_workers_ <= waiting_workers_) return false;
      ++waiting_workers_;
    }
    pollfd ready{job.fd, POLLIN, 0};
    const int polled = ::poll(&ready, 1, limits_.follow_up_wait_ms);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --waiting_workers_;
    }
    if (polled != 1) return false;  // nothing yet: back under epoll
    std::array<char, kReadChunk> chunk;  // not zeroed: recv fills the n bytes used
    const ssize_t n = ::recv(job.fd, chunk.data(), chunk.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      outcome.next = ServeOutcome::Next::kClose;  // the client went away
      return false;
    }
    if (n < 0) return false;
    std::string bytes(chunk.data(), static_cast<std::size_t>(n));
    RequestHeadScanner head;
    const bool whole = head.Feed(bytes) == RequestHeadScanner::Verdict::kComplete && head.skipped() == 0 &&
                       !head.expects_continue() && head.content_length() <= limits_.max_body_bytes &&
                       bytes.size() >= head.head_bytes() + head.content_length();
    if (!whole) {
      outcome.unread = std::move(bytes);
      return false;
    }
    job.bytes = std::move(bytes);
    ++job.served_before;
    job.last = job.served_before + 1 >= limits_.keep_alive_max_requests || IsStopping();
    job.deadline = MonotonicSeconds() + limits_.request_timeout_ms / 1000.0;
    return true;
  }

  const ConnectionLimits limits_;
  const RequestServer serve_;
  const RefusalObserver observe_;
  std::size_t max_connections_ = 0;

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<int> port_{0};
  std::thread loop_thread_;
  std::vector<std::thread> workers_;

  // Owned by the event thread.
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
  std::unordered_map<std::string, std::size_t> per_address_;
  std::size_t active_ = 0;  // connections counted against the limits (not lingering)
  std::size_t lingering_ = 0;
  std::size_t buffered_body_bytes_ = 0;

  // Shared with the workers.
  mutable std::mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<ReceivedRequest> queue_;
  std::vector<Returned> returned_;
  int idle_workers_ = 0;     // waiting for a queued request
  int waiting_workers_ = 0;  // waiting for their connection's next request (AwaitNextRequest)
  bool stopping_ = false;
  bool loop_done_ = false;

  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> busy_{0};
};

ConnectionLoop::ConnectionLoop(ConnectionLimits limits, RequestServer serve, RefusalObserver observe)
    : impl_(std::make_unique<Impl>(limits, std::move(serve), std::move(observe))) {}

ConnectionLoop::~ConnectionLoop() = default;

Status ConnectionLoop::Start(const std::string& host, int port) { return impl_->Start(host, port); }

int ConnectionLoop::port() const { return impl_->port(); }

void ConnectionLoop::Stop() { impl_->Stop(); }

ConnectionLoop::Counts ConnectionLoop::counts() const { return impl_->counts(); }

}  // namespace aftersales
