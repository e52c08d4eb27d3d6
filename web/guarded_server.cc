#include "web/guarded_server.h"

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

// Per-thread state of the request being served; a worker serves one
// request at a time.
thread_local bool t_close_after_response = false;

constexpr std::size_t kReadBufferBytes = 16 * 1024;

// Waits until `fd` has `events`, at most `millis`. >0 ready, 0 timeout, <0 error.
int PollFor(int fd, short events, int millis) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, std::max(0, millis));
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & (POLLIN | POLLHUP))) return -1;
    return r;
  }
}

// The stream a worker serves one request over: first the bytes the
// connection loop received, then (a body awaited with "100 Continue", say)
// the socket, until the request's deadline. What the request leaves unread
// stays in the buffer for the loop. What the library writes is gathered and
// sent at once (Flush), so that an answer's head and body leave in one
// send; before the stream waits for more input, and once it holds
// kFlushBytes, it sends what it holds.
class ReceivedStream final : public httplib::Stream {
 public:
  ReceivedStream(ReceivedRequest& request) : request_(request), buffer_(std::move(request.bytes)) {}

  std::string TakeUnread() { return buffer_.substr(offset_); }

  bool is_readable() const override {
    return offset_ < buffer_.size() || PollFor(request_.fd, POLLIN, MillisLeft()) > 0;
  }
  bool is_writable() const override { return PollFor(request_.fd, POLLOUT, request_.write_timeout_ms) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    // The library reads the request's head one byte a call.
    if (size == 1 && offset_ + 1 < buffer_.size()) {
      *ptr = buffer_[offset_++];
      return 1;
    }
    if (size == 0) return 0;
    if (offset_ >= buffer_.size() && (!Flush() || !Receive())) return -1;
    const std::size_t n = std::min(size, buffer_.size() - offset_);
    std::memcpy(ptr, buffer_.data() + offset_, n);
    offset_ += n;
    if (offset_ == buffer_.size()) {
      buffer_.clear();
      offset_ = 0;
    }
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    out_.append(ptr, size);
    if (out_.size() >= kFlushBytes && !Flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  // Sends what was written and not yet sent, waiting for the socket at most
  // the write timeout each time it is full. False when the connection
  // failed or the client stopped reading; from then on nothing more is sent
  // (the connection is closed: a part of an answer sent twice would corrupt it).
  bool Flush() {
    std::size_t sent = 0;
    while (!failed_ && sent < out_.size()) {
      const ssize_t n = ::send(request_.fd, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        failed_ = !is_writable();
      } else {
        failed_ = true;
      }
    }
    out_.clear();
    return !failed_;
  }

  // The connection's addresses as the connection loop took them at accept.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = request_.remote_ip;
    port = request_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = request_.local_ip;
    port = request_.local_port;
  }
  socket_t socket() const override { return request_.fd; }

 private:
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  int MillisLeft() const { return static_cast<int>((request_.deadline - MonotonicSeconds()) * 1000); }

  // Reads more from the socket (non-blocking) within the deadline.
  bool Receive() {
    std::array<char, kReadBufferBytes> chunk{};
    for (;;) {
      if (MillisLeft() <= 0 || PollFor(request_.fd, POLLIN, MillisLeft()) <= 0) return false;
      const ssize_t n = ::recv(request_.fd, chunk.data(), chunk.size(), 0);
      if (n > 0) {
        buffer_.append(chunk.data(), static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return false;
    }
  }

  ReceivedRequest& request_;
  std::string buffer_;
  std::size_t offset_ = 0;
  std::string out_;
  bool failed_ = false;
};

}  // namespace

void CloseConnectionAfterResponse() { t_close_after_response = true; }

ServeOutcome GuardedServer::Serve(ReceivedRequest& request) {
  ReceivedStream stream(request);
  t_close_after_response = false;
  bool connection_closed = false;
  const bool processed = process_request(stream, request.last, connection_closed, nullptr);
  // Whatever the library wrote goes out now, a refusal as much as an answer.
  const bool sent = stream.Flush();
  ServeOutcome outcome;
  if (!sent) {
    outcome.next = ServeOutcome::Next::kClose;
  } else if (t_close_after_response) {
    outcome.next = ServeOutcome::Next::kLinger;
  } else if (processed && !connection_closed && !request.last) {
    outcome.next = ServeOutcome::Next::kKeepAlive;
    outcome.unread = stream.TakeUnread();
  }
  t_close_after_response = false;
  return outcome;
}

}  // namespace aftersales
