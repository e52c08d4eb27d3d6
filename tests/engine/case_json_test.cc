// A case's wire text (CaseJsonText) is written without a tree: it must be
// exactly what dump() writes for the same value (keys sorted, compact, the
// same escapes, invalid UTF-8 replaced), and hold every member of SPEC §3.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "api/case_json.h"
#include "api/json_api.h"
#include "engine/reports/risk.h"
#include "demo/demo_seeder.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string Dumped(const std::string& text) {
  return json::parse(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

TextRef Ref(const std::string& id) { return TextRef{id, "sha-" + id}; }

Text Body(const std::string& id, const std::string& body) {
  Text t;
  t.id = id;
  t.body = body;
  return t;
}

// Every optional part set, texts that need escapes.
CaseView FullView() {
  Case c;
  c.id = "C-1";
  c.type = CaseType::kCompensation;
  c.state = State::kCompensating;
  c.version = 7;
  c.order_id = "O-\"1\"";
  c.buyer_id = "b\\1";
  c.reason = "late";
  c.description = Ref("t-desc");
  c.evidence = {Ref("t-ev1"), Ref("t-hidden"), Ref("t-ev2")};
  c.lines = {CaseLine{"L1", 2, std::string("SKU-R"), 500}, CaseLine{"L2", 1, std::nullopt, 300}};
  c.currency = "CNY";
  c.requested_amount = 800;
  c.agreed_amount = 700;
  c.refunded_amount = 200;
  c.assignee = "u_agent";
  Offer offer;
  offer.amount = 650;
  offer.return_required = true;
  offer.form = CompensationForm::kVoucher;
  offer.note = Ref("t-note");
  offer.by = "u_agent";
  offer.at = 1700000000;
  c.offer = offer;
  c.offer_history = {offer, offer};
  c.offer_history[0].form.reset();
  c.offer_history[0].note.reset();
  c.return_shipment = Shipment{"SF", "SF1", std::nullopt, 1700000100, 1700000200, std::nullopt};
  c.replacement_shipment = Shipment{"JD", "JD1", std::string("SKU-R"), 1700000300, std::nullopt, 1700000400};
  c.repaired_shipment = Shipment{"EMS", "E1", std::nullopt, 1700000500, std::nullopt, std::nullopt};
  Repair repair;
  repair.attempt = 2;
  repair.warranty_ends_at = 1800000000;
  repair.progress = {RepairProgress{"diagnosed", Ref("t-rep"), 1700000600, "u_wh"}};
  c.repair = repair;
  Inspection inspection;
  inspection.pass = false;
  inspection.grade = "B";
  inspection.note = Ref("t-insp");
  inspection.lines = {InspectedLine{"L1", 2, 1, 1}};
  inspection.by = "u_wh";
  inspection.at = 1700000700;
  c.inspection = inspection;
  Refund failed{"r1", 100, RefundStatus::kFailed, std::string("PSP-9"), Ref("t-err"), 1700000800, 1700000900};
  Refund issued{"r2", 200, RefundStatus::kIssued, std::nullopt, std::nullopt, 1700001000, 1700001100};
  c.refunds = {failed, issued};
  c.deadlines = {Deadline{1, DeadlineKind::kMerchantResponse, 1700000000, 1700086400, true}};
  c.close_reason = "done";
  c.reject_reason = "no";
  c.modifications = 1;
  c.policy_version = 3;
  Risk risk;
  risk.flagged = true;
  risk.reasons = {"refund_only_cases"};
  risk.signals = RiskSignals{4, 3, 1200, 9, 44};
  risk.reasons.push_back("return_rate");
  c.risk = risk;
  Compensation comp;
  comp.form = CompensationForm::kVoucher;
  comp.amount = 700;
  comp.voucher_code = Ref("t-voucher");
  comp.expires_at = 1710000000;
  comp.issued_at = 1700001200;
  comp.issued_by = "u_finance";
  c.compensation = comp;
  c.compensated_amount = 700;
  c.created_at = 1700000000;
  c.updated_at = 1700001300;

  CaseView view;
  view.kase = c;
  for (const Text& t : {Body("t-desc", "quote \" backslash \\ slash / tab \t newline \n bell \x07 del \x7f"),
                        Body("t-ev1", "退货 — ünïcödé 🙂"), Body("t-ev2", "bad \xff\xfe utf-8 \xc3"),
                        Body("t-note", "note"), Body("t-rep", "fixed"), Body("t-insp", "scratched"),
                        Body("t-err", "declined"), Body("t-voucher", "VC-123")}) {
    view.texts[t.id] = t;  // t-hidden: a text the caller may not read
  }
  view.allowed_actions = {Action::kComment, Action::kAssign};
  view.return_address = json{{"name", "仓库"}, {"line1", "1 Road"}};
  view.shows_risk = true;
  view.refundable_amount = 600;
  return view;
}

TEST_CASE("a case's wire text is dump() of itself and holds every member", "[engine]") {
  const CaseView view = FullView();
  const std::string text = CaseJsonText(view);
  CHECK(text == Dumped(text));  // sorted keys, compact, nlohmann's escapes
  const json j = json::parse(text);
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  const std::set<std::string> expected = {
      "agreed_amount", "allowed_actions", "assignee", "buyer_id", "close_reason", "compensated_amount",
      "compensation", "created_at", "currency", "deadlines", "description", "evidence", "id", "inspection",
      "lines", "modifications", "offer", "offers", "order_id", "policy_version", "reason", "refundable_amount",
      "refunded_amount", "refunds", "reject_reason", "repair", "repaired_shipment", "replacement_shipment",
      "requested_amount", "return_address", "return_shipment", "risk", "state", "type", "updated_at", "version"};
  CHECK(keys == expected);
  CHECK(j["order_id"] == "O-\"1\"");
  CHECK(j["buyer_id"] == "b\\1");
  CHECK(j["description"] == view.texts.at("t-desc").body);
  // Texts the caller may not read are left out; bad UTF-8 becomes U+FFFD.
  REQUIRE(j["evidence"].size() == 2);
  CHECK(j["evidence"][0] == "退货 — ünïcödé 🙂");
  CHECK(j["evidence"][1] == "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8 \xEF\xBF\xBD");
  CHECK(j["lines"] == json::parse(R"([{"amount":500,"line_id":"L1","qty":2,"replacement_sku":"SKU-R"},)"
                                  R"({"amount":300,"line_id":"L2","qty":1}])"));
  CHECK(j["offer"] == json::parse(R"({"amount":650,"at":"2023-11-14T22:13:20Z","by":"u_agent","form":"voucher",)"
                                  R"("note":"note","return_required":true})"));
  CHECK(j["offers"][0] == json::parse(R"({"amount":650,"at":"2023-11-14T22:13:20Z","by":"u_agent",)"
                                      R"("note":null,"return_required":true})"));
  CHECK(j["return_shipment"] == json::parse(R"({"carrier":"SF","delivered_at":"2023-11-14T22:16:40Z",)"
                                            R"("received_at":null,"shipped_at":"2023-11-14T22:15:00Z",)"
                                            R"("tracking_no":"SF1"})"));
  CHECK(j["offers"][1] == j["offer"]);
  CHECK(j["replacement_shipment"] == json::parse(R"({"carrier":"JD","delivered_at":null,)"
                                                 R"("received_at":"2023-11-14T22:20:00Z",)"
                                                 R"("shipped_at":"2023-11-14T22:18:20Z","sku":"SKU-R","tracking_no":"JD1"})"));
  CHECK(j["repaired_shipment"] == json::parse(R"({"carrier":"EMS","delivered_at":null,"received_at":null,)"
                                              R"("shipped_at":"2023-11-14T22:21:40Z","tracking_no":"E1"})"));
  CHECK(j["repair"] == json::parse(R"({"attempt":2,"progress":[{"at":"2023-11-14T22:23:20Z","by":"u_wh",)"
                                   R"("note":"fixed","status":"diagnosed"}],"warranty_ends_at":"2027-01-15T08:00:00Z"})"));
  CHECK(j["inspection"] == json::parse(R"({"at":"2023-11-14T22:25:00Z","by":"u_wh","grade":"B",)"
                                       R"("lines":[{"damaged":1,"line_id":"L1","received":2,"restocked":1}],)"
                                       R"("note":"scratched","result":"fail"})"));
  REQUIRE(j["refunds"].size() == 2);
  CHECK(j["refunds"][0]["error"] == "declined");
  CHECK(j["refunds"][0]["external_ref"] == "PSP-9");
  CHECK(j["refunds"][0]["status"] == "failed");
  CHECK_FALSE(j["refunds"][1].contains("error"));
  CHECK(j["refunds"][1]["external_ref"].is_null());
  CHECK(j["deadlines"] == json::parse(R"([{"breached":true,"due_at":"2023-11-15T22:13:20Z","kind":"merchant_response"}])"));
  CHECK(j["compensation"] == json::parse(R"({"amount":700,"expires_at":"2024-03-09T16:00:00Z","external_ref":null,)"
                                         R"("form":"voucher","issued_at":"2023-11-14T22:33:20Z",)"
                                         R"("issued_by":"u_finance","voucher_code":"VC-123"})"));
  CHECK(j["compensated_amount"] == 700);
  CHECK(j["risk"] == RiskToJson(*view.kase.risk));  // the audit log's form of it
  CHECK(j["risk"]["signals"]["return_rate_percent"] == 44);
  CHECK(j["return_address"] == view.return_address);
  CHECK(j["allowed_actions"] == json::array({"comment", "assign"}));
  CHECK(j["refundable_amount"] == 600);
  CHECK(j["version"] == 7);
  CHECK(CaseJson(view) == j);

  // A buyer's view of a plain case: no risk, no compensation, nulls kept.
  CaseView plain;
  plain.kase.id = "C-2";
  plain.kase.risk = view.kase.risk;
  const json p = json::parse(CaseJsonText(plain));
  CHECK(CaseJsonText(plain) == Dumped(CaseJsonText(plain)));
  CHECK_FALSE(p.contains("risk"));
  CHECK_FALSE(p.contains("compensation"));
  CHECK_FALSE(p.contains("compensated_amount"));
  CHECK_FALSE(p.contains("refundable_amount"));
  // A staff view of a case stored before risk existed: risk is null.
  CaseView staff = plain;
  staff.kase.risk.reset();
  staff.shows_risk = true;
  const std::string staff_text = CaseJsonText(staff);
  CHECK(staff_text == Dumped(staff_text));
  CHECK(json::parse(staff_text).at("risk").is_null());
  for (const char* null_member : {"agreed_amount", "assignee", "close_reason", "description", "inspection", "offer",
                                  "reject_reason", "repair", "repaired_shipment", "replacement_shipment",
                                  "return_address", "return_shipment"}) {
    INFO(null_member);
    CHECK(p[null_member].is_null());
  }
}

TEST_CASE("every demo case's wire text, as each role sees it, is dump() of itself", "[engine][demo]") {
  TempDir dir;
  TestDatabase database(dir.File("demo.db"));
  ManualClock clock(1793491200);  // 2026-11-01T00:00:00Z
  std::unique_ptr<Store> store = database.OpenStore();
  PolicyRegistry policies(*store);
  REQUIRE(policies.Initialize(DefaultPolicy(), clock.Now()).ok());
  DemoSeeder seeder(*store, clock, policies);
  REQUIRE(seeder.Seed().ok());
  CaseEngine engine(*store, clock, policies);
  const Actor manager{"u_manager", Role::kManager, std::nullopt, ""};
  const Actor warehouse{"u_wh", Role::kWarehouse, std::nullopt, ""};
  CaseListQuery query;
  query.sort_by_due = false;
  query.limit = 1000;
  const CasePage page = engine.queries().ListCases(manager, query).value();
  REQUIRE(page.items.size() > 50);
  const std::string page_text = CasePageJsonText(page);
  CHECK(page_text == Dumped(page_text));
  CHECK(json::parse(page_text)["items"].size() == page.items.size());
  for (const CaseView& item : page.items) {
    const Actor buyer{"u_buyer", Role::kBuyer, std::nullopt, item.kase.buyer_id};
    for (const Actor* actor : {&manager, &warehouse, &buyer}) {
      INFO(item.kase.id << " as " << NameOf(actor->role));
      const std::string text = CaseJsonText(engine.queries().GetCase(*actor, item.kase.id).value());
      CHECK(text == Dumped(text));
    }
  }
}

}  // namespace
}  // namespace aftersales::testing
