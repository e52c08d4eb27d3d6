// Who may act and who may not (SPEC §4, §4.2, §9.1), over HTTP: every state
// of every case type, every action, every role, each request a real POST
// with the role's bearer token, against the table written out in
// support/spec_table.h (see support/role_matrix.h).
#include "support/role_matrix.h"

#include <catch2/catch.hpp>

#include "web/http_driver.h"

namespace aftersales::testing {
namespace {

TEST_CASE("HTTP: a role outside a row is refused and changes nothing, and allowed_actions are SPEC's", "[web][roles]") {
  HttpDriver http;
  matrix::CheckWhoMayNotAct(http, "hm");
}

TEST_CASE("HTTP: every row, taken by every role it names, leads where SPEC says", "[web][roles]") {
  HttpDriver http;
  matrix::CheckWhoMayAct(http, "ha");
}

}  // namespace
}  // namespace aftersales::testing
