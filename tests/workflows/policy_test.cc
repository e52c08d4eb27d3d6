// The policy keys of SPEC §10–§13: deadline entries in both forms, due-date
// arithmetic (wall and working hours, extension, the delivered-return
// shortening, eu's withdrawal rule), the v3 keys and their accessors, and
// the §13.1 presets.
#include "workflows/policy.h"

#include <catch2/catch.hpp>
#include <functional>

#include "domain/clock.h"
#include "workflows/calendar_test_util.h"
#include "workflows/deadline_rules.h"

namespace aftersales {
namespace {

using nlohmann::json;
using testing::At;
using testing::ShanghaiOffice;

json Shipped() { return json::parse(DefaultPolicyJson()); }

Policy Parsed(const json& doc) {
  auto p = ParsePolicy(doc);
  INFO((p.ok() ? std::string("ok") : p.status().message()));
  REQUIRE(p.ok());
  return *p;
}

std::string FieldOfError(const json& doc) {
  auto p = ParsePolicy(doc);
  if (p.ok()) return "(accepted)";
  INFO(p.status().message());
  return p.status().errors().empty() ? "" : p.status().errors().front().field;
}

TEST_CASE("policy: the v3 deadline kinds have names, shipped lengths and breach flags", "[policy][deadlines]") {
  const Policy p = DefaultPolicy();
  const TimePoint t = At("2026-11-27T06:23:46Z");
  struct Expect {
    DeadlineKind kind;
    const char* name;
    std::int64_t hours;
    bool breach;
  };
  const Expect expected[] = {{DeadlineKind::kOrderShip, "order_ship", 48, true},
                             {DeadlineKind::kCompensationIssue, "compensation_issue", 72, true},
                             {DeadlineKind::kRepairComplete, "repair_complete", 720, true},
                             {DeadlineKind::kRepairedShip, "repaired_ship", 48, true},
                             {DeadlineKind::kRepairedConfirm, "repaired_confirm", 240, false}};
  for (const auto& e : expected) {
    INFO(e.name);
    CHECK(std::string(NameOf(e.kind)) == e.name);
    CHECK(ParseDeadlineKind(e.name) == e.kind);
    CHECK(p.DeadlineHours(e.kind) == e.hours);
    CHECK(p.DueAt(e.kind, t) == t + e.hours * kHour);
    CHECK(IsBreachKind(e.kind) == e.breach);
  }
  // Every kind has a name that parses back, and the shipped file lists them all.
  const json deadlines = Shipped().at("deadlines");
  for (int k = 0; k < kDeadlineKindCount; ++k) {
    const auto kind = static_cast<DeadlineKind>(k);
    CHECK(ParseDeadlineKind(NameOf(kind)) == kind);
    CHECK(deadlines.contains(NameOf(kind)));
  }
}

TEST_CASE("policy: a deadline entry is a number of hours or an object", "[policy][deadlines]") {
  json doc = Shipped();
  doc["deadlines"]["merchant_response"] = 24;
  doc["deadlines"]["merchant_receipt"] = 100;
  doc["deadlines"]["repair_complete"] = {{"hours", 500}};
  Policy p = Parsed(doc);
  CHECK(p.DueAt(DeadlineKind::kMerchantResponse, 0) == 24 * kHour);
  CHECK(p.DueAt(DeadlineKind::kMerchantReceipt, 0) == 100 * kHour);
  CHECK(p.ReceiptDueAfterDelivery(0) == 72 * kHour);  // the number form keeps the shipped 72 h
  CHECK(p.DueAt(DeadlineKind::kRepairComplete, 0) == 500 * kHour);
  CHECK(p.document == doc);  // as given: no preset named

  auto bad = [&](const char* kind, const json& entry) {
    json d = Shipped();
    d["deadlines"][kind] = entry;
    return FieldOfError(d);
  };
  CHECK(bad("merchant_response", 0) == "deadlines.merchant_response");
  CHECK(bad("merchant_response", 1.5) == "deadlines.merchant_response");
  CHECK(bad("merchant_response", "48") == "deadlines.merchant_response");
  CHECK(bad("merchant_response", {{"hours", 48}, {"after_delivery_hours", 12}}) ==
        "deadlines.merchant_response.after_delivery_hours");
  CHECK(bad("merchant_response", {{"business_hours", false}}) == "deadlines.merchant_response.hours");
  CHECK(bad("merchant_response", {{"hours", 48}, {"business_hours", "yes"}}) ==
        "deadlines.merchant_response.business_hours");
  CHECK(bad("merchant_response", {{"hours", 48}, {"business_hours", true}}) ==
        "deadlines.merchant_response.business_hours");  // no calendar
  CHECK(bad("repair_complete", {{"hours", 24 * 400}}) == "deadlines.repair_complete.hours");
  CHECK(bad("refund_issue", {{"hours", 72}, {"no_reason_from_submit", 1}}) ==
        "deadlines.refund_issue.no_reason_from_submit");
  CHECK(bad("order_ship", 48) == "deadlines.order_ship");
  CHECK(bad("order_ship", {{"hours", 48}}) == "deadlines.order_ship.hours");
  CHECK(bad("order_ship", {{"business_hours", true}}) == "deadlines.order_ship.business_hours");  // no calendar
  CHECK(bad("coffee_break", 1) == "deadlines.coffee_break");

  // The v2.1 kinds stay required, the v3 ones may be left out.
  json v2 = Shipped();
  v2["deadlines"].erase("buyer_ship");
  CHECK(FieldOfError(v2) == "deadlines.buyer_ship");
  json without_v3 = Shipped();
  for (const char* k : {"order_ship", "compensation_issue", "repair_complete", "repaired_ship", "repaired_confirm"}) {
    without_v3["deadlines"].erase(k);
  }
  p = Parsed(without_v3);
  CHECK(p.DeadlineHours(DeadlineKind::kRepairComplete) == 720);
  CHECK(p.DeadlineHours(DeadlineKind::kOrderShip) == 48);
}

TEST_CASE("policy: business_hours counts on the calendar, also when extending and after delivery",
          "[policy][deadlines][calendar]") {
  json doc = Shipped();
  doc["calendar"] = ShanghaiOffice();
  doc["deadlines"]["merchant_response"] = {{"hours", 48}, {"business_hours", true}};
  doc["deadlines"]["merchant_receipt"] = {{"hours", 240}, {"after_delivery_hours", 9}, {"business_hours", true}};
  const Policy p = Parsed(doc);
  REQUIRE(p.calendar.has_value());
  CHECK(p.CountsBusinessHours(DeadlineKind::kMerchantResponse));
  CHECK_FALSE(p.CountsBusinessHours(DeadlineKind::kBuyerShip));

  // SPEC §13.2 example 1 through the policy.
  const TimePoint start = At("2026-11-27T06:23:46Z");
  const TimePoint due = p.DueAt(DeadlineKind::kMerchantResponse, start);
  CHECK(FormatTime(due) == "2026-12-04T09:23:46Z");
  // A kind without business_hours keeps wall hours on the same policy.
  CHECK(p.DueAt(DeadlineKind::kBuyerShip, start) == start + 168 * kHour);

  // §13.3: 3 working hours past Friday 17:23:46 local: 36:14 on Friday,
  // 2:23:46 on Monday 7 December.
  CHECK(FormatTime(p.ExtendDue(DeadlineKind::kMerchantResponse, due, 3)) == "2026-12-07T03:23:46Z");
  CHECK(p.ExtendDue(DeadlineKind::kBuyerShip, due, 3) == due + 3 * kHour);

  // Delivered on a Friday at 16:00 local: 2 h that day, 7 h on Monday.
  CHECK(FormatTime(p.ReceiptDueAfterDelivery(At("2026-12-04T08:00:00Z"))) == "2026-12-07T08:00:00Z");

  // SPEC §13.2 example 2 with replacement_ship in business hours.
  json golden = Shipped();
  golden["calendar"] = ShanghaiOffice();
  golden["calendar"]["holidays"] = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                                    "2026-10-05", "2026-10-06", "2026-10-07"};
  golden["calendar"]["extra_workdays"] = json::array({{{"date", "2026-10-10"}, {"as", "mon"}}});
  golden["deadlines"]["replacement_ship"] = {{"hours", 48}, {"business_hours", true}};
  CHECK(FormatTime(Parsed(golden).DueAt(DeadlineKind::kReplacementShip, At("2026-09-30T12:00:00Z"))) ==
        "2026-10-14T04:00:00Z");

  // A bad calendar names its key under calendar.
  json bad = doc;
  bad["calendar"]["timezone"] = "Asia/Atlantis";
  CHECK(FieldOfError(bad) == "calendar.timezone");
  bad = doc;
  bad["calendar"] = nullptr;  // business_hours without a calendar
  CHECK(FieldOfError(bad) == "deadlines.merchant_response.business_hours");
}

TEST_CASE("policy: deadline_rules start and shorten deadlines through the policy", "[policy][deadlines]") {
  json doc = Shipped();
  doc["calendar"] = ShanghaiOffice();
  doc["deadlines"]["merchant_response"] = {{"hours", 48}, {"business_hours", true}};
  doc["deadlines"]["merchant_receipt"] = {{"hours", 240}, {"after_delivery_hours", 9}, {"business_hours", true}};
  const Policy p = Parsed(doc);

  Case kase;
  kase.type = CaseType::kReturnRefund;
  kase.state = State::kRequested;
  StartInitialDeadlines(kase, p, At("2026-11-27T06:23:46Z"));
  REQUIRE(kase.deadlines.size() == 1);
  CHECK(FormatTime(kase.deadlines[0].due_at) == "2026-12-04T09:23:46Z");

  // In transit: merchant_receipt runs 240 working hours; a delivery
  // on Friday 16:00 local brings it to Monday 16:00 local.
  kase.state = State::kReturnInTransit;
  UpdateDeadlines(kase, State::kAwaitingReturn, DeadlineChange{}, p, At("2026-12-01T02:00:00Z"));
  REQUIRE(kase.deadlines.size() == 1);
  CHECK(kase.deadlines[0].kind == DeadlineKind::kMerchantReceipt);
  const TimePoint before = kase.deadlines[0].due_at;
  CHECK(before == p.DueAt(DeadlineKind::kMerchantReceipt, At("2026-12-01T02:00:00Z")));
  DeadlineChange delivered;
  delivered.return_delivered_at = At("2026-12-04T08:00:00Z");
  UpdateDeadlines(kase, State::kReturnInTransit, delivered, p, At("2026-12-04T09:00:00Z"));
  CHECK(FormatTime(kase.deadlines[0].due_at) == "2026-12-07T08:00:00Z");
}

TEST_CASE("policy: the v3 keys ship the cn values and have typed accessors", "[policy][v3]") {
  const Policy p = DefaultPolicy();
  CHECK(p.preset.empty());
  CHECK(p.fault_exchange_window_days == 15);
  CHECK(p.IsReason("not_shipped"));
  CHECK(p.compensation_reasons ==
        std::vector<std::string>{"late_shipment", "missing_gift", "price_protection", "goodwill", "other"});
  CHECK(p.IsCompensationReason("goodwill"));
  CHECK_FALSE(p.IsCompensationReason("no_reason"));
  CHECK(p.fulfilment.ship_within_hours == 48);
  REQUIRE(p.LateCompensation().has_value());
  CHECK(p.LateCompensation()->percent == 5);
  CHECK(p.LateCompensation()->form == "voucher");
  CHECK(p.compensation.window_days == 30);
  CHECK(p.compensation.max_percent_of_paid == 30);
  CHECK(p.compensation.voucher_valid_days == 90);
  CHECK(p.repair.failures_before_choice == 2);
  CHECK(p.warranty_days == 365);
  CHECK(p.warranty_days_by_sku_prefix.empty());
  CHECK(p.webhook_retention_days == 30);
  CHECK_FALSE(p.calendar.has_value());
  CHECK_FALSE(p.refund_issue_no_reason_from_submit);

  // §10.4's examples: 2 cups of 25800 in all, none shipped -> 1290; a 990
  // order -> 500 (the minimum, above its 297 cap); the maximum caps.
  CHECK(p.LateCompensation()->AmountFor(25800) == 1290);
  CHECK(p.LateCompensation()->AmountFor(990) == 500);
  CHECK(p.compensation.CapOf(990) == 297);
  CHECK(p.LateCompensation()->AmountFor(1'000'000) == 3000);
  CHECK(p.LateCompensation()->AmountFor(0) == 500);
  CHECK(p.compensation.CapOf(999'999'999'999'999'999) == 299'999'999'999'999'999);  // no overflow

  // §10.1: ship_by defaults to paid_at + 48 h.
  CHECK(p.DefaultShipBy(1000) == 1000 + 48 * kHour);

  // Windows: no_reason 7, an exchange for a fault 15, the rest 15.
  CHECK(p.WindowDays("no_reason", CaseType::kExchange) == 7);
  CHECK(p.WindowDays("quality_issue", CaseType::kExchange) == 15);
  CHECK(p.WindowDays("quality_issue", CaseType::kReturnRefund) == 15);
  CHECK(p.ReturnShippingPaidBy("no_reason") == ShippingPayer::kBuyer);
  CHECK(p.ReturnShippingPaidBy("quality_issue") == ShippingPayer::kShop);
  CHECK(std::string(NameOf(ShippingPayer::kBuyer)) == "buyer");
}

TEST_CASE("policy: windows, warranties and shipping payers follow the document", "[policy][v3]") {
  json doc = Shipped();
  doc["return_window_days"] = {{"no_reason", 7}, {"default", 10}, {"fault_exchange", 30}};
  doc["warranty_days"] = 200;
  doc["warranty_days_by_sku_prefix"] = {{"TV-", 730}, {"TV-OLED-", 1095}, {"CABLE", 90}};
  doc["return_shipping"] = {{"paid_by", {{"default", "buyer"}, {"quality_issue", "shop"}, {"wrong_item", "shop"}}}};
  doc["fulfilment"] = {{"ship_within_hours", nullptr}, {"late_compensation", nullptr}};
  doc["repair"] = {{"failures_before_choice", 3}};
  doc["compensation"] = {{"window_days", 10}};
  const Policy p = Parsed(doc);
  CHECK(p.WindowDays("quality_issue", CaseType::kExchange) == 30);
  CHECK(p.WindowDays("quality_issue", CaseType::kRefundOnly) == 10);
  CHECK(p.WindowDays("no_reason", CaseType::kExchange) == 7);
  // The longest prefix wins; no prefix: warranty_days.
  CHECK(p.WarrantyDaysFor("TV-OLED-55") == 1095);
  CHECK(p.WarrantyDaysFor("TV-LCD-55") == 730);
  CHECK(p.WarrantyDaysFor("CABLE-USB") == 90);
  CHECK(p.WarrantyDaysFor("PHONE-1") == 200);
  CHECK(p.WarrantyDaysFor("TV") == 200);
  CHECK(p.ReturnShippingPaidBy("quality_issue") == ShippingPayer::kShop);
  CHECK(p.ReturnShippingPaidBy("no_reason") == ShippingPayer::kBuyer);
  CHECK(p.ReturnShippingPaidBy("other") == ShippingPayer::kBuyer);
  // ship_within_hours null: no default ship_by, order_ship has no length.
  CHECK_FALSE(p.DefaultShipBy(1000).has_value());
  CHECK(p.DeadlineHours(DeadlineKind::kOrderShip) == 0);
  CHECK_FALSE(p.LateCompensation().has_value());
  CHECK(p.repair.failures_before_choice == 3);
  CHECK(p.compensation.window_days == 10);
  CHECK(p.compensation.max_percent_of_paid == 30);  // left out: the shipped value
  CHECK(Parsed([] {
          json d = Shipped();
          d["webhook_retention_days"] = 7;
          return d;
        }())
            .webhook_retention_days == 7);

  // A v2.1 document, without any v3 key, reads with the shipped values.
  json v2 = Shipped();
  for (const char* k : {"fulfilment", "compensation", "compensation_reasons", "repair", "warranty_days",
                        "warranty_days_by_sku_prefix", "return_shipping", "calendar"}) {
    v2.erase(k);
  }
  v2["return_window_days"].erase("fault_exchange");
  const Policy old = Parsed(v2);
  CHECK(old.warranty_days == 365);
  CHECK(old.fault_exchange_window_days == 15);
  CHECK(old.compensation_reasons == DefaultPolicy().compensation_reasons);
  CHECK(old.ReturnShippingPaidBy("no_reason") == ShippingPayer::kBuyer);
  CHECK(old.document == v2);
}

TEST_CASE("policy: invalid v3 keys are refused naming the key", "[policy][v3][validation]") {
  auto with = [](const std::function<void(json&)>& change) {
    json doc = Shipped();
    change(doc);
    return FieldOfError(doc);
  };
  CHECK(with([](json& d) { d["return_window_days"]["fault_exchange"] = 0; }) == "return_window_days.fault_exchange");
  CHECK(with([](json& d) { d["webhook_retention_days"] = 0; }) == "webhook_retention_days");
  CHECK(with([](json& d) { d["webhook_retention_days"] = 3661; }) == "webhook_retention_days");
  CHECK(with([](json& d) { d["webhook_retention_days"] = "30"; }) == "webhook_retention_days");
  CHECK(with([](json& d) { d["webhook_retention_days"] = 7; }) == "(accepted)");
  CHECK(with([](json& d) { d["fulfilment"]["ship_within_hours"] = 0; }) == "fulfilment.ship_within_hours");
  CHECK(with([](json& d) { d["fulfilment"]["ship_in_hours"] = 1; }) == "fulfilment.ship_in_hours");
  CHECK(with([](json& d) { d["fulfilment"]["late_compensation"]["percent"] = 101; }) ==
        "fulfilment.late_compensation.percent");
  CHECK(with([](json& d) { d["fulfilment"]["late_compensation"]["max"] = 100; }) ==
        "fulfilment.late_compensation.max");  // below min
  CHECK(with([](json& d) { d["fulfilment"]["late_compensation"]["form"] = "coupon"; }) ==
        "fulfilment.late_compensation.form");
  CHECK(with([](json& d) { d["fulfilment"]["late_compensation"].erase("min"); }) == "fulfilment.late_compensation.min");
  CHECK(with([](json& d) { d["compensation"]["max_percent_of_paid"] = 150; }) == "compensation.max_percent_of_paid");
  CHECK(with([](json& d) { d["compensation"]["window_days"] = -1; }) == "compensation.window_days");
  CHECK(with([](json& d) { d["compensation_reasons"] = {"goodwill", "Goodwill"}; }) == "compensation_reasons[1]");
  CHECK(with([](json& d) { d["compensation_reasons"] = {"goodwill"}; }) == "compensation_reasons");  // no late_shipment
  CHECK(with([](json& d) {
          d["compensation_reasons"] = {"goodwill"};
          d["fulfilment"]["late_compensation"] = nullptr;
        }) == "(accepted)");
  CHECK(with([](json& d) { d["repair"]["failures_before_choice"] = 0; }) == "repair.failures_before_choice");
  CHECK(with([](json& d) { d["warranty_days"] = 0; }) == "warranty_days");
  CHECK(with([](json& d) {
          d["warranty_days_by_sku_prefix"] = {{"TV-", "two years"}};
        }) == "warranty_days_by_sku_prefix.TV-");
  CHECK(with([](json& d) { d["warranty_days_by_sku_prefix"] = {{"", 30}}; }) == "warranty_days_by_sku_prefix.");
  CHECK(with([](json& d) { d["return_shipping"]["paid_by"]["default"] = "carrier"; }) ==
        "return_shipping.paid_by.default");
  CHECK(with([](json& d) { d["return_shipping"]["paid_by"].erase("default"); }) == "return_shipping.paid_by.default");
  CHECK(with([](json& d) { d["return_shipping"]["paid_by"]["changed_mind"] = "buyer"; }) ==
        "return_shipping.paid_by.changed_mind");  // not a reason
  CHECK(with([](json& d) { d["calendar"] = "Asia/Shanghai"; }) == "calendar");
}

TEST_CASE("policy: the cn preset is the shipped default, the eu preset follows SPEC 13.1", "[policy][preset]") {
  CHECK(PolicyPresetNames() == std::vector<std::string>{"cn", "eu"});
  auto cn_doc = PolicyPresetDocument("cn");
  REQUIRE(cn_doc.ok());
  json expected_cn = Shipped();
  expected_cn["preset"] = "cn";
  CHECK(*cn_doc == expected_cn);

  const Policy cn = Parsed({{"preset", "cn"}});
  CHECK(cn.preset == "cn");
  CHECK(cn.document == expected_cn);

  const Policy eu = Parsed({{"preset", "eu"}});
  CHECK(eu.preset == "eu");
  CHECK(eu.document.at("preset") == "eu");
  CHECK(eu.no_reason_window_days == 14);
  CHECK(eu.default_window_days == 14);
  CHECK(eu.fault_exchange_window_days == 730);
  CHECK(eu.WindowDays("quality_issue", CaseType::kExchange) == 730);
  CHECK(eu.WindowDays("quality_issue", CaseType::kReturnRefund) == 14);
  CHECK(eu.DeadlineHours(DeadlineKind::kBuyerShip) == 336);
  CHECK(eu.warranty_days == 730);
  CHECK(eu.DeadlineHours(DeadlineKind::kRefundIssue) == 336);
  CHECK(eu.repair.failures_before_choice == 1);
  CHECK_FALSE(eu.LateCompensation().has_value());
  CHECK(eu.ReturnShippingPaidBy("no_reason") == ShippingPayer::kBuyer);
  CHECK(eu.ReturnShippingPaidBy("wrong_item") == ShippingPayer::kShop);
  CHECK_FALSE(eu.calendar.has_value());
  // Other keys: the shipped values.
  CHECK(eu.DeadlineHours(DeadlineKind::kMerchantResponse) == 48);
  CHECK(eu.fulfilment.ship_within_hours == 48);
  CHECK(eu.reasons == cn.reasons);
  CHECK(eu.agent_limit == cn.agent_limit);

  // eu's withdrawal rule: a no_reason return's refund is due 336 h after
  // submit, or when the return was shipped if later; other reasons count
  // from entering refunding as usual.
  CHECK(eu.RefundIssueFromSubmit("no_reason"));
  CHECK_FALSE(eu.RefundIssueFromSubmit("quality_issue"));
  CHECK_FALSE(cn.RefundIssueFromSubmit("no_reason"));
  const TimePoint submitted = At("2026-11-02T10:00:00Z");
  CHECK(eu.WithdrawalRefundDue(submitted, At("2026-11-05T10:00:00Z")) == submitted + 336 * kHour);
  CHECK(eu.WithdrawalRefundDue(submitted, At("2026-11-20T10:00:00Z")) == At("2026-11-20T10:00:00Z"));
  CHECK(eu.WithdrawalRefundDue(submitted, std::nullopt) == submitted + 336 * kHour);
}

TEST_CASE("policy: a document naming a preset takes what it lacks from it", "[policy][preset]") {
  // Objects merge by key; scalars and arrays are replaced.
  const json doc = {
      {"preset", "eu"},
      {"warranty_days", 1000},
      {"return_window_days", {{"default", 30}}},
      {"reject_reasons", {"other"}},
      {"deadlines", {{"buyer_ship", 100}, {"merchant_response", {{"hours", 24}}}}},
      {"fulfilment", {{"late_compensation", {{"percent", 3}, {"min", 100}, {"max", 900}, {"form", "points"}}}}}};
  const Policy p = Parsed(doc);
  CHECK(p.warranty_days == 1000);
  CHECK(p.default_window_days == 30);
  CHECK(p.no_reason_window_days == 14);        // kept from eu
  CHECK(p.fault_exchange_window_days == 730);  // kept from eu
  CHECK(p.reject_reasons == std::vector<std::string>{"other"});
  CHECK(p.DeadlineHours(DeadlineKind::kBuyerShip) == 100);
  CHECK(p.DeadlineHours(DeadlineKind::kMerchantResponse) == 24);
  CHECK(p.DeadlineHours(DeadlineKind::kRefundIssue) == 336);
  CHECK(p.RefundIssueFromSubmit("no_reason"));
  REQUIRE(p.LateCompensation().has_value());
  CHECK(p.LateCompensation()->form == "points");
  // The document is the merge, and reads back the same (as stored).
  CHECK(p.document.at("return_window_days") == json({{"no_reason", 14}, {"default", 30}, {"fault_exchange", 730}}));
  CHECK(p.document.at("deadlines").at("buyer_ship") == 100);
  CHECK(p.document.at("deadlines").at("refund_issue") == json({{"hours", 336}, {"no_reason_from_submit", true}}));
  CHECK(p.document.at("reasons") == Shipped().at("reasons"));
  const Policy again = Parsed(p.document);
  CHECK(again.document == p.document);
  CHECK(again.DeadlineHours(DeadlineKind::kBuyerShip) == 100);

  // Replacing refund_issue by a number drops eu's withdrawal flag with it.
  const Policy plain = Parsed({{"preset", "eu"}, {"deadlines", {{"refund_issue", 72}}}});
  CHECK_FALSE(plain.RefundIssueFromSubmit("no_reason"));
  // A preset's null is replaced by an object, and an object by null.
  const Policy with_calendar = Parsed({{"preset", "cn"}, {"calendar", ShanghaiOffice()}});
  CHECK(with_calendar.calendar.has_value());
  const Policy without_late = Parsed({{"preset", "cn"}, {"fulfilment", {{"late_compensation", nullptr}}}});
  CHECK_FALSE(without_late.LateCompensation().has_value());
  CHECK(without_late.fulfilment.ship_within_hours == 48);

  // Unknown presets and bad merged values are refused naming the key.
  CHECK(FieldOfError({{"preset", "us"}}) == "preset");
  CHECK(FieldOfError({{"preset", 1}}) == "preset");
  CHECK(FieldOfError({{"preset", nullptr}}) == "preset");
  CHECK(!PolicyPresetDocument("us").ok());
  CHECK(FieldOfError({{"preset", "eu"}, {"warranty_days", "two years"}}) == "warranty_days");
  CHECK(FieldOfError({{"preset", "eu"}, {"surprise", 1}}) == "surprise");
  CHECK(FieldOfError({{"preset", "eu"}, {"deadlines", {{"buyer_ship", {{"business_hours", true}}}}}}) ==
        "deadlines.buyer_ship.business_hours");  // no calendar in eu
}

TEST_CASE("policy: MergePolicyDocuments merges objects and replaces the rest", "[policy][preset]") {
  const json base = {
      {"a", {{"x", 1}, {"y", {{"deep", 1}, {"keep", 2}}}}}, {"list", {1, 2, 3}}, {"n", nullptr}, {"s", "v"}};
  const json over = {
      {"a", {{"y", {{"deep", 9}}}, {"z", 3}}}, {"list", {4}}, {"n", {{"now", "object"}}}, {"s", nullptr}};
  const json merged = MergePolicyDocuments(base, over);
  CHECK(merged == json({{"a", {{"x", 1}, {"y", {{"deep", 9}, {"keep", 2}}}, {"z", 3}}},
                        {"list", {4}},
                        {"n", {{"now", "object"}}},
                        {"s", nullptr}}));
}

}  // namespace
}  // namespace aftersales
