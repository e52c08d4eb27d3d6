#include "web/guarded_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "domain/clock.h"

namespace aftersales {
namespace {

// Per-thread state of the request being served; cpp-httplib serves one
// connection, one request at a time, on one pool thread.
thread_local bool t_close_after_response = false;
thread_local bool t_head_too_large = false;
thread_local bool t_bare_line_feed = false;

constexpr int kStopPollMillis = 100;  // how often idle connections look for Stop()
constexpr int kLingerMillis = 1000;   // graceful close: how long unread input is drained
constexpr std::size_t kLingerMaxBytes = 4 * 1024 * 1024;
constexpr std::size_t kReadBufferBytes = 4096;

int Millis(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

// Waits until `fd` has `events`, at most `millis`. >0 ready, 0 timeout, <0 error.
int PollFor(int fd, short events, int millis) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, millis);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & (POLLIN | POLLHUP))) return -1;
    return r;
  }
}

void IpAndPort(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  } else {
    return;
  }
  std::array<char, NI_MAXHOST> host{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host.data(), static_cast<socklen_t>(host.size()),
                    nullptr, 0, NI_NUMERICHOST) == 0) {
    ip = host.data();
  }
}

// A socket stream like cpp-httplib's own, plus a bound on the request head:
// it watches the bytes it hands out for the blank line that ends the
// headers, and fails reads once a head grows beyond kMaxRequestHeadBytes.
class GuardedStream final : public httplib::Stream {
 public:
  GuardedStream(int sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  // A new request begins: its head is counted from here.
  void StartRequest() {
    in_head_ = true;
    head_bytes_ = 0;
    tail_ = 0;
  }
  bool HasBuffered() const { return buffer_off_ < buffer_len_; }

  bool is_readable() const override { return HasBuffered() || PollFor(sock_, POLLIN, read_timeout_ms_) > 0; }
  bool is_writable() const override { return PollFor(sock_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (in_head_ && head_bytes_ >= kMaxRequestHeadBytes) {
      t_head_too_large = true;
      return -1;
    }
    if (size == 0) return 0;
    if (!HasBuffered()) {
      if (!is_readable()) return -1;
      ssize_t n;
      do {
        n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      buffer_off_ = 0;
      buffer_len_ = static_cast<std::size_t>(n);
    }
    std::size_t n = std::min(size, buffer_len_ - buffer_off_);
    if (in_head_) n = std::min(n, kMaxRequestHeadBytes - head_bytes_);
    std::memcpy(ptr, buffer_.data() + buffer_off_, n);
    buffer_off_ += n;
    if (in_head_ && !Watch(ptr, n)) {
      // A line ending in LF alone: the library would silently drop it.
      t_bare_line_feed = true;
      return -1;
    }
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) IpAndPort(addr, len, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) IpAndPort(addr, len, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  // Follows "\r\n\r\n" across reads; the head ends there. False when a
  // line of the head ends in LF without CR.
  bool Watch(const char* p, std::size_t n) {
    static constexpr char kEnd[] = "\r\n\r\n";
    for (std::size_t i = 0; i < n && in_head_; ++i) {
      ++head_bytes_;
      if (p[i] == '\n' && tail_ != 1 && tail_ != 3) return false;
      if (p[i] == kEnd[tail_]) {
        if (++tail_ == 4) in_head_ = false;
      } else {
        tail_ = p[i] == '\r' ? 1 : 0;
      }
    }
    return true;
  }

  int sock_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  std::array<char, kReadBufferBytes> buffer_{};
  std::size_t buffer_off_ = 0;
  std::size_t buffer_len_ = 0;
  bool in_head_ = true;
  std::size_t head_bytes_ = 0;
  int tail_ = 0;
};

// After the answer is written: send FIN, read and drop what the client is
// still sending for a moment, then close. Closing with unread input would
// send a reset that can destroy the answer before the client reads it.
void LingeringClose(int sock) {
  ::shutdown(sock, SHUT_WR);
  std::array<char, kReadBufferBytes> sink{};
  std::size_t drained = 0;
  const double deadline = MonotonicSeconds() + kLingerMillis / 1000.0;
  while (drained < kLingerMaxBytes) {
    const int left = static_cast<int>((deadline - MonotonicSeconds()) * 1000);
    if (left <= 0 || PollFor(sock, POLLIN, left) <= 0) break;
    const ssize_t n = ::recv(sock, sink.data(), sink.size(), 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
  ::close(sock);
}

}  // namespace

void CloseConnectionAfterResponse() { t_close_after_response = true; }

bool RequestHeadTooLarge() { return t_head_too_large; }

bool RequestHeadHasBareLineFeed() { return t_bare_line_feed; }

bool GuardedServer::process_and_close_socket(socket_t sock) {
  GuardedStream stream(sock, Millis(read_timeout_sec_, read_timeout_usec_),
                       Millis(write_timeout_sec_, write_timeout_usec_));
  const int keep_alive_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
  bool linger = false;
  bool ret = false;
  for (std::size_t served = 0; served < keep_alive_max_count_; ++served) {
    // Wait for the next request, looking out for Stop() now and then.
    bool readable = stream.HasBuffered();
    for (int waited = 0; !readable && waited < keep_alive_ms && svr_sock_ != INVALID_SOCKET;
         waited += kStopPollMillis) {
      const int r = PollFor(sock, POLLIN, std::min(kStopPollMillis, keep_alive_ms - waited));
      if (r < 0) break;
      readable = r > 0;
    }
    if (!readable || svr_sock_ == INVALID_SOCKET) break;

    t_close_after_response = false;
    t_head_too_large = false;
    t_bare_line_feed = false;
    if (request_start_) request_start_();
    stream.StartRequest();
    bool connection_closed = false;
    const bool last = served + 1 == keep_alive_max_count_;
    ret = process_request(stream, last, connection_closed, nullptr);
    if (t_close_after_response) {
      linger = true;
      break;
    }
    if (!ret || connection_closed) break;
  }
  t_close_after_response = false;
  t_head_too_large = false;
  t_bare_line_feed = false;
  if (linger) {
    LingeringClose(sock);
  } else {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  return ret;
}

}  // namespace aftersales
