// PolicyRegistry on a store other servers share: a version stored through
// one server's registry is current on every other once committed.
#include <catch2/catch.hpp>
#include <memory>

#include "engine/policy_registry.h"
#include "engine/store/forwarding_store.h"
#include "tests/engine/engine_harness.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

// The harness's store, seen as shared with other servers or not, whatever
// the backend under the test.
class SharedView final : public ForwardingStore {
 public:
  SharedView(Store& inner, bool shared) : ForwardingStore(inner), shared_(shared) {}
  bool Shared() const override { return shared_; }

 private:
  const bool shared_;
};

TEST_CASE("a policy version stored through one server is current on another sharing the store", "[engine][policy]") {
  EngineHarness h;
  SharedView shared(h.store(), true);
  PolicyRegistry other(shared);  // a second server's registry
  REQUIRE(other.Initialize(DefaultPolicy(), h.clock().Now()).ok());
  const int before = other.Current()->version;
  CHECK(before == h.policies().Current()->version);

  nlohmann::json doc = DefaultPolicy().document;
  doc["deadlines"]["merchant_response"] = {{"hours", 24}};
  auto replaced = h.policies().Replace(h.user("admin"), doc, h.clock().Now());
  REQUIRE(replaced.ok());
  const int stored = (*replaced)["version"].get<int>();
  REQUIRE(stored == before + 1);
  CHECK(other.Current()->version == stored);
  CHECK(other.Current()->document == h.policies().Current()->document);

  // A registry alone on its store (SQLite) keeps its own view.
  SharedView unshared(h.store(), false);
  PolicyRegistry alone(unshared);
  REQUIRE(alone.Initialize(DefaultPolicy(), h.clock().Now()).ok());
  REQUIRE(alone.Current()->version == stored);
  REQUIRE(other.Replace(h.user("admin"), DefaultPolicy().document, h.clock().Now()).ok());
  CHECK(alone.Current()->version == stored);
  CHECK(other.Current()->version == stored + 1);
}

}  // namespace
}  // namespace aftersales::testing
