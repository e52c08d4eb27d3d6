// GuardedServer: cpp-httplib's Server with its connection loop replaced, to
// close holes that handlers cannot reach in version 0.11.4:
//  - the request line and headers are read without any bound on their size
//    or count: here a request head larger than kMaxRequestHeadBytes fails
//    the read (answered 431 by the error handler, see RequestHeadTooLarge);
//  - a head line ending in LF alone is dropped silently by the library:
//    here it fails the read (answered 400, see RequestHeadHasBareLineFeed);
//  - a handler cannot end a keep-alive connection: a request refused before
//    its body was read must not leave that body to be parsed as the next
//    request (CloseConnectionAfterResponse), and such connections are
//    closed gracefully (the unread input is drained briefly, so that the
//    answer is not destroyed by a TCP reset);
//  - idle keep-alive connections notice Stop() within a fraction of a
//    second instead of sleeping out their timeout;
//  - writes never raise SIGPIPE.
// Everything else (parsing, routing, handlers) is the library's. Used only
// by HttpServer. Thread-safe as httplib::Server is.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <utility>

namespace aftersales {

// Request line plus headers (16 KiB, SPEC §6.13) plus slack for the URI
// (cpp-httplib refuses URIs over 8 KiB itself).
constexpr std::size_t kMaxRequestHeadBytes = 16 * 1024 + 8 * 1024 + 1024;

// Marks the connection serving the current request (the calling thread's)
// to be closed once its response is written.
void CloseConnectionAfterResponse();

// Whether the current request's head failed to parse because it outgrew
// kMaxRequestHeadBytes (the calling thread's request).
bool RequestHeadTooLarge();

// Whether the current request's head failed to parse because one of its
// lines ended in LF without CR (the calling thread's request).
bool RequestHeadHasBareLineFeed();

class GuardedServer : public httplib::Server {
 public:
  // Runs on the serving thread before each request is read, so that
  // per-request state never leaks from one request into the next.
  void set_request_start_handler(std::function<void()> handler) { request_start_ = std::move(handler); }

 private:
  bool process_and_close_socket(socket_t sock) override;

  std::function<void()> request_start_;
};

}  // namespace aftersales
