// RunFixture: the users and the webhook of one reliability run, made once
// by `reliability_driver setup` on a fresh database through the HTTP API
// (admin from AFTERSALES_BOOTSTRAP_TOKEN) and kept in a JSON file that
// every later step of the run reads. Users: one of each staff role, named
// after it, and a few buyers (external ids b0, b1, ...). Not thread-safe to
// build; read-only afterwards.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reliability/api_client.h"

namespace aftersales::reliability {

struct RunUser {
  std::string name;
  std::string id;
  std::string token;
  std::string external_id;  // buyers only
};

struct RunFixture {
  RunUser admin;
  std::map<std::string, RunUser> staff;  // by role name: integration, agent, supervisor, ...
  std::vector<RunUser> buyers;
  std::string webhook_id;
  std::string webhook_secret;

  const RunUser& Staff(const std::string& role) const { return staff.at(role); }
  // The user called `name` (a role name, "admin", or a buyer's name);
  // nullptr when none is.
  const RunUser* Find(const std::string& name) const;
};

// The staff roles the fixture holds, each one user.
const std::vector<std::string>& StaffRoles();

// Registers a webhook to `webhook_url` signed with `webhook_secret` for
// every event type, then creates the users, through `api` as the admin
// holding `admin_token`. Throws std::runtime_error naming the request that
// was refused.
RunFixture CreateRunFixture(ApiClient& api, const std::string& admin_token, int buyers, const std::string& webhook_url,
                            const std::string& webhook_secret);

void SaveRunFixture(const RunFixture& fixture, const std::string& path);
// Throws std::runtime_error when the file is missing or malformed.
RunFixture LoadRunFixture(const std::string& path);

}  // namespace aftersales::reliability
