// UserService::Bootstrap when several servers share one database and start
// at once: the first creates the admin, the others find it and go on.
#include <catch2/catch.hpp>
#include <memory>

#include "domain/clock.h"
#include "engine/policy_registry.h"
#include "engine/store/forwarding_store.h"
#include "engine/users/user_service.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

// A store on which another server's Bootstrap runs to completion just
// before this server's first write transaction begins: the race of two
// servers that both found no admin.
class RacedStore final : public ForwardingStore {
 public:
  RacedStore(Store& inner, UserService& other) : ForwardingStore(inner), other_(other) {}
  Result<std::unique_ptr<WriteTxn>> BeginWrite() override {
    if (!raced_) {
      raced_ = true;
      auto won = other_.Bootstrap("as_other_servers_token");
      if (!won.ok() || !*won) return Status::Internal("the other server did not create the admin");
    }
    return ForwardingStore::BeginWrite();
  }

 private:
  UserService& other_;
  bool raced_ = false;
};

TEST_CASE("a server that loses the bootstrap race to another finds the admin and goes on", "[engine][users]") {
  TempDir dir;
  TestDatabase database(dir.File("bootstrap.db"));  // or a PostgreSQL database of its own
  std::unique_ptr<Store> store = database.OpenStore();
  ManualClock clock(1'800'000'000);
  PolicyRegistry policies(*store);
  REQUIRE(policies.Initialize(DefaultPolicy(), clock.Now()).ok());
  UserService other(*store, clock, policies, clock);
  RacedStore raced(*store, other);
  UserService late(raced, clock, policies, clock);
  auto created = late.Bootstrap("as_late_servers_token");
  REQUIRE(created.ok());
  CHECK_FALSE(*created);
  // The winner's admin, with the winner's token.
  auto admin = late.Authenticate("as_other_servers_token");
  REQUIRE(admin.ok());
  CHECK(admin->role == Role::kAdmin);
  CHECK_FALSE(late.Authenticate("as_late_servers_token").ok());
}

}  // namespace
}  // namespace aftersales::testing
