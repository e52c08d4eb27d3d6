// GuardedServer: cpp-httplib's Server without its connection loop. The
// ConnectionLoop (web/connection_loop.h) accepts connections, reads each
// request head strictly and hands a received request to a worker, which
// calls Serve(): the library parses the request from the bytes already
// received (reading the rest of a body from the socket only within the
// request's deadline), runs the handlers and writes the answer. What the
// library cannot do, this adds:
//  - a handler can end a keep-alive connection: a request refused before
//    its body was read must not leave that body to be parsed as the next
//    request (CloseConnectionAfterResponse); the loop then closes it
//    gracefully (the unread input is drained briefly, so that the answer is
//    not destroyed by a TCP reset);
//  - the bytes received beyond one request (a pipelined next request) go
//    back to the loop with the connection;
//  - an answer's head and body leave in one send (what the library writes
//    is gathered, and sent before the worker waits for more input);
//  - the client's address is the one the loop took at accept (no lookup
//    per request);
//  - writes never raise SIGPIPE.
// Everything else (parsing, routing, handlers) is the library's. Used only
// by HttpServer. Thread-safe as httplib::Server is.
#pragma once

#include <httplib.h>

#include "web/connection_loop.h"

namespace aftersales {

// Marks the connection serving the current request (the calling thread's)
// to be closed once its response is written.
void CloseConnectionAfterResponse();

class GuardedServer : public httplib::Server {
 public:
  // Serves one received request on the calling (worker) thread and says
  // what becomes of its connection.
  ServeOutcome Serve(ReceivedRequest& request);
};

}  // namespace aftersales
