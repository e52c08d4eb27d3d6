#include "reliability/run_fixture.h"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/webhooks/webhook_service.h"

namespace aftersales::reliability {

using nlohmann::json;

namespace {

json Require(const Answer& answer, int status, const std::string& what) {
  if (answer.status != status) {
    throw std::runtime_error(what + ": expected " + std::to_string(status) + ", got " + std::to_string(answer.status) +
                             " " + answer.body);
  }
  return answer.Json();
}

RunUser AddUser(ApiClient& api, const std::string& admin_token, const std::string& name, const std::string& role,
                const std::string& external_id = "") {
  json body{{"name", name}, {"role", role}};
  if (!external_id.empty()) body["external_id"] = external_id;
  const json user = Require(api.Post("/api/v1/users", admin_token, body), 201, "creating user " + name);
  return RunUser{name, user.at("id").get<std::string>(), user.at("token").get<std::string>(), external_id};
}

json UserJson(const RunUser& u) {
  return json{{"name", u.name}, {"id", u.id}, {"token", u.token}, {"external_id", u.external_id}};
}

RunUser UserFromJson(const json& j) {
  return RunUser{j.at("name").get<std::string>(), j.at("id").get<std::string>(), j.at("token").get<std::string>(),
                 j.at("external_id").get<std::string>()};
}

}  // namespace

const std::vector<std::string>& StaffRoles() {
  static const std::vector<std::string> kRoles{"integration", "agent", "supervisor", "manager", "warehouse", "finance"};
  return kRoles;
}

const RunUser* RunFixture::Find(const std::string& name) const {
  if (name == admin.name) return &admin;
  if (auto it = staff.find(name); it != staff.end()) return &it->second;
  for (const RunUser& b : buyers) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

RunFixture CreateRunFixture(ApiClient& api, const std::string& admin_token, int buyers, const std::string& webhook_url,
                            const std::string& webhook_secret) {
  RunFixture f;
  const json me = Require(api.Get("/api/v1/session", admin_token), 200, "reading the admin user");
  f.admin = RunUser{"admin", me.at("user").at("id").get<std::string>(), admin_token, ""};
  // The webhook first: it receives only events written after it exists;
  // every type, so that every committed event must reach the receiver.
  f.webhook_secret = webhook_secret;
  const json hook = Require(api.Post("/api/v1/webhooks", admin_token,
                                     json{{"url", webhook_url},
                                          {"events", std::vector<std::string>(std::begin(kWebhookEventTypes),
                                                                              std::end(kWebhookEventTypes))},
                                          {"secret", f.webhook_secret}}),
                            201, "registering the webhook");
  f.webhook_id = hook.at("id").get<std::string>();
  for (const std::string& role : StaffRoles()) f.staff[role] = AddUser(api, admin_token, role, role);
  for (int i = 0; i < buyers; ++i) {
    const std::string id = "b" + std::to_string(i);
    f.buyers.push_back(AddUser(api, admin_token, "buyer-" + id, "buyer", id));
  }
  return f;
}

void SaveRunFixture(const RunFixture& f, const std::string& path) {
  json staff = json::object();
  for (const auto& [role, user] : f.staff) staff[role] = UserJson(user);
  json buyers = json::array();
  for (const RunUser& b : f.buyers) buyers.push_back(UserJson(b));
  std::ofstream out(path, std::ios::trunc);
  out << json{{"admin", UserJson(f.admin)},
              {"staff", staff},
              {"buyers", buyers},
              {"webhook", {{"id", f.webhook_id}, {"secret", f.webhook_secret}}}}
             .dump(2)
      << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

RunFixture LoadRunFixture(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  const json j = json::parse(in, nullptr, false);
  if (!j.is_object()) throw std::runtime_error(path + " is not a run fixture");
  try {
    RunFixture f;
    f.admin = UserFromJson(j.at("admin"));
    for (const auto& [role, user] : j.at("staff").items()) f.staff[role] = UserFromJson(user);
    for (const json& b : j.at("buyers")) f.buyers.push_back(UserFromJson(b));
    f.webhook_id = j.at("webhook").at("id").get<std::string>();
    f.webhook_secret = j.at("webhook").at("secret").get<std::string>();
    return f;
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace aftersales::reliability
