// ReadAnswer: reads one whole HTTP answer from a raw socket, for the tests
// that speak HTTP on sockets of their own (several requests on one
// connection, many connections at once). Stateless; thread-safe.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <string>

namespace aftersales::testing {

// Reads one whole answer (head and Content-Length body) from `fd`, waiting
// at most `timeout_ms` for each piece. Empty on EOF or timeout.
inline std::string ReadAnswer(int fd, int timeout_ms) {
  std::string in;
  char buf[4096];
  for (;;) {
    const auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = in.find("Content-Length: ");
      const std::size_t length = cl == std::string::npos || cl > end ? 0 : std::stoul(in.substr(cl + 16));
      if (in.size() >= end + 4 + length) return in;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return "";
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    in.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace aftersales::testing
