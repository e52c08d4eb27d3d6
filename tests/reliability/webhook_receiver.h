// WebhookReceiver: the endpoint the server under test delivers webhooks to
// during a reliability run. It listens on 127.0.0.1 for the whole run, so
// that it outlives every server restart, checks each delivery's signature
// with the endpoint's secret, answers 200, and appends one line per
// delivery to a file: "<event id> <event type> <ok|bad-signature>".
//
// Thread-safety: the server's threads call the handler concurrently; lines
// are written whole and flushed under a mutex.
#pragma once

#include <httplib.h>

#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace aftersales::reliability {

class WebhookReceiver {
 public:
  // Appends to `out_path`. Throws std::runtime_error when it cannot open
  // the file or bind a port.
  WebhookReceiver(std::string secret, const std::string& out_path);

  int port() const { return port_; }
  const std::string& secret() const { return secret_; }
  // Serves until Stop() is called from another thread.
  void Serve();
  void Stop() { server_.stop(); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::string secret_;
  httplib::Server server_;
  int port_ = 0;
  std::mutex mu_;
  std::ofstream out_;
};

// What a receiver's file says: event id -> deliveries, and how many
// deliveries had a signature that did not verify.
struct Received {
  std::map<std::string, int> deliveries_by_event;
  std::map<std::string, std::string> type_by_event;
  int bad_signatures = 0;
  int total = 0;
};

// Reads a receiver's file; a missing file is nothing received.
Received ReadReceived(const std::string& path);

}  // namespace aftersales::reliability
