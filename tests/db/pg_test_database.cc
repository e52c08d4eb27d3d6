#include "tests/db/pg_test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace aftersales::testing {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;

void IgnoreNotice(void*, const char*) {}

// A connection to the server's maintenance database; throws when it fails.
Conn Connect(const std::string& server_uri) {
  // The URI is expanded; the later keywords add to it.
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {server_uri.c_str(), "10", "aftersales-tests", nullptr};
  Conn conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test PostgreSQL server " + server_uri + ": " +
                             (conn ? PQerrorMessage(conn.get()) : "out of memory") +
                             " (is the CTest fixture postgres_cluster_start done? scripts/pg-test-cluster.sh)");
  }
  // No NOTICE lines in the tests' output (DROP DATABASE IF EXISTS of a
  // database that is not there).
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return conn;
}

// Runs a command; the server's message when it fails, "" when it worked.
std::string Exec(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  std::string error;
  if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
    error = sql + ": " + (res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  }
  PQclear(res);
  return error;
}

std::atomic<int> next_database{0};

}  // namespace

std::optional<std::string> PostgresTestServerUri() {
  const char* file = std::getenv("AFTERSALES_TEST_POSTGRES");
  if (file == nullptr || *file == '\0') return std::nullopt;
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error(std::string("AFTERSALES_TEST_POSTGRES names ") + file +
                             ", which cannot be read: the test PostgreSQL server is not running"
                             " (the CTest fixture postgres_cluster_start, scripts/pg-test-cluster.sh)");
  }
  std::string uri;
  in >> uri;  // one word: the file holds the URI and a newline
  if (uri.empty()) throw std::runtime_error(std::string("AFTERSALES_TEST_POSTGRES names ") + file + ", which is empty");
  return uri;
}

std::string WithDatabase(const std::string& uri, const std::string& database) {
  const std::size_t scheme = uri.find("://");
  if (scheme == std::string::npos) throw std::runtime_error("not a postgresql:// URI: " + uri);
  // Hosts in a URI never hold a raw '/' (a socket directory is %2F-encoded).
  const std::size_t path = uri.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return uri + "/" + database;
  const std::size_t query = uri.find('?', path);
  return uri.substr(0, path) + "/" + database + (query == std::string::npos ? "" : uri.substr(query));
}

PgTestDatabase::PgTestDatabase(std::string server_uri) : server_uri_(std::move(server_uri)) {
  name_ = "t_" + std::to_string(static_cast<long>(getpid())) + "_" + std::to_string(next_database++);
  uri_ = WithDatabase(server_uri_, name_);
  Conn conn = Connect(server_uri_);
  // A database of an earlier process with the same pid that died before
  // its drop: nobody uses it any more.
  std::string error = Exec(conn.get(), "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
  if (error.empty()) error = Exec(conn.get(), "CREATE DATABASE \"" + name_ + "\" TEMPLATE template0");
  if (!error.empty()) throw std::runtime_error("cannot create the test database: " + error);
}

PgTestDatabase::~PgTestDatabase() {
  try {
    Conn conn = Connect(server_uri_);
    const std::string error = Exec(conn.get(), "DROP DATABASE \"" + name_ + "\" WITH (FORCE)");
    if (!error.empty()) std::fprintf(stderr, "cannot drop the test database %s: %s\n", name_.c_str(), error.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot drop the test database %s: %s\n", name_.c_str(), e.what());
  }
}

}  // namespace aftersales::testing
