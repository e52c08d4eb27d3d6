// CaseToRow / CaseFromRow (engine/cases/case_document.h): a case survives
// its stored form, and the memo of decoded documents never answers with
// another text's case, another row's columns or another read's deadlines.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/cases/case_document.h"

namespace aftersales::testing {
namespace {

Case SampleCase(const std::string& id) {
  Case c;
  c.id = id;
  c.type = CaseType::kReturnRefund;
  c.state = State::kRequested;
  c.version = 3;
  c.order_id = "o-" + id;
  c.buyer_id = "b1";
  c.reason = "damaged";
  c.evidence.push_back({"t1", std::string(64, 'a')});
  c.lines.push_back({"l1", 2, std::nullopt, 1500});
  c.currency = "CNY";
  c.requested_amount = 1500;
  c.refunded_amount = 0;
  c.policy_version = 1;
  c.created_at = 1000;
  c.updated_at = 2000;
  return c;
}

DeadlineRow Due(std::int64_t id, TimePoint due_at) {
  DeadlineRow d;
  d.id = id;
  d.kind = DeadlineKind::kMerchantResponse;
  d.started_at = 1000;
  d.due_at = due_at;
  return d;
}

TEST_CASE("a case read back from its row is the case that was stored", "[engine][case_document]") {
  Case c = SampleCase("cd-roundtrip");
  c.agreed_amount = 1200;
  c.refunds.push_back({"r1", 1200, RefundStatus::kIssued, std::string("ext-1"), std::nullopt, 3000, 3100});
  const auto back = CaseFromRow(CaseToRow(c), {Due(1, 9000)});
  REQUIRE(back.ok());
  CHECK(back->id == c.id);
  CHECK(back->order_id == c.order_id);
  CHECK(back->type == c.type);
  CHECK(back->version == 3);
  CHECK(back->reason == "damaged");
  REQUIRE(back->evidence.size() == 1);
  CHECK(back->evidence[0].id == "t1");
  REQUIRE(back->lines.size() == 1);
  CHECK(back->lines[0].qty == 2);
  CHECK(back->lines[0].amount == 1500);
  CHECK(back->agreed_amount == std::optional<Money>(1200));
  REQUIRE(back->refunds.size() == 1);
  CHECK(back->refunds[0].external_ref == std::optional<std::string>("ext-1"));
  REQUIRE(back->deadlines.size() == 1);
  CHECK(back->deadlines[0].due_at == 9000);
}

TEST_CASE("a remembered document never answers for another text or another row", "[engine][case_document]") {
  Case c = SampleCase("cd-memo");
  const CaseRow first = CaseToRow(c);
  REQUIRE(CaseFromRow(first, {}).ok());  // now remembered

  // The same document again, with other columns and other deadlines: the
  // row's columns and these deadlines, never the first read's.
  CaseRow moved = first;
  moved.order_id = "o-other";
  moved.buyer_id = "b2";
  moved.type = CaseType::kExchange;
  moved.state = State::kAwaitingReturn;
  moved.version = 4;
  moved.assignee = "agent-7";
  moved.policy_version = 2;
  moved.created_at = 1500;
  moved.updated_at = 2500;
  const auto again = CaseFromRow(moved, {Due(1, 7000), Due(2, 8000)});
  REQUIRE(again.ok());
  CHECK(again->id == "cd-memo");
  CHECK(again->order_id == "o-other");
  CHECK(again->buyer_id == "b2");
  CHECK(again->type == CaseType::kExchange);
  CHECK(again->state == State::kAwaitingReturn);
  CHECK(again->version == 4);
  CHECK(again->assignee == std::optional<std::string>("agent-7"));
  CHECK(again->policy_version == 2);
  CHECK(again->created_at == 1500);
  CHECK(again->updated_at == 2500);
  CHECK(again->deadlines.size() == 2);
  const auto once_more = CaseFromRow(moved, {Due(3, 9000)});
  REQUIRE(once_more.ok());
  REQUIRE(once_more->deadlines.size() == 1);  // not added to the remembered case
  CHECK(once_more->deadlines[0].id == 3);

  // Another document under the same id: its own values.
  c.reason = "wrong size";
  c.refunded_amount = 700;
  c.lines.push_back({"l2", 1, std::string("sku-9"), 300});
  const auto changed = CaseFromRow(CaseToRow(c), {});
  REQUIRE(changed.ok());
  CHECK(changed->reason == "wrong size");
  CHECK(changed->refunded_amount == 700);
  CHECK(changed->lines.size() == 2);
  // And the first text again: the first values.
  const auto first_again = CaseFromRow(first, {});
  REQUIRE(first_again.ok());
  CHECK(first_again->reason == "damaged");
  CHECK(first_again->lines.size() == 1);

  // A corrupt document under an id whose good one is remembered is refused.
  CaseRow corrupt = first;
  corrupt.doc = first.doc.substr(0, first.doc.size() / 2);
  const auto refused = CaseFromRow(corrupt, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kInternal);
}

// A case with every part its document can hold set.
Case EveryPartSet(const std::string& id) {
  Case c = SampleCase(id);
  c.type = CaseType::kCompensation;
  c.description = TextRef{"t0", std::string(64, 'd')};
  c.lines.push_back({"l2", 1, std::string("sku-2"), 800});
  c.agreed_amount = 1900;
  c.refunded_amount = 300;
  c.offer = Offer{1700, true, CompensationForm::kCash, TextRef{"t2", std::string(64, 'e')}, "agent-1", 1100};
  c.offer_history = {*c.offer, Offer{1600, false, std::nullopt, std::nullopt, "agent-2", 1050}};
  c.return_shipment = Shipment{"SF", "SF100", std::nullopt, 1200, 1300, 1400};
  c.replacement_shipment = Shipment{"YTO", "YT200", std::string("sku-3"), 1500, std::nullopt, std::nullopt};
  c.repaired_shipment = Shipment{"ZTO", "ZT300", std::nullopt, 1600, 1700, std::nullopt};
  c.inspection = Inspection{true, std::string("A"), TextRef{"t3", std::string(64, 'f')}, {{"l1", 2, 1, 1}}, "wh-1", 1450};
  c.refunds = {{"r1", 300, RefundStatus::kIssued, std::string("ext-1"), std::nullopt, 1800, 1850},
               {"r2", 100, RefundStatus::kFailed, std::nullopt, TextRef{"t4", std::string(64, '0')}, 1860, 1870}};
  c.close_reason = "resolved";
  c.reject_reason = "not covered";
  c.return_address_due = true;
  c.return_required = true;
  c.holds_shipping = true;
  c.modifications = 2;
  c.risk = Risk{true, {"refund_only_rate"}, RiskSignals{5, 4, 9000, 6, std::int64_t{66}}};
  c.repair = Repair{std::int64_t{2}, 99000, {{"diagnosed", TextRef{"t5", std::string(64, '1')}, 1650, "wh-2"}}, 1640,
                    std::nullopt};
  c.compensation = Compensation{CompensationForm::kVoucher, 1900, TextRef{"t6", std::string(64, '2')}, 50000,
                                std::string("v-ext"), 1900, std::string("fin-1"), std::string("agent-1")};
  c.compensated_amount = 1900;
  c.system_submitted = true;
  c.deadlines.push_back({7, DeadlineKind::kMerchantResponse, 1000, 5000, true});
  return c;
}

TEST_CASE("a case just written reads back exactly as its document decodes", "[engine][case_document]") {
  // The written case is remembered with its document: read back, it must
  // equal what parsing that document gives (the same text plus a space is
  // another text, so it is parsed), every part included.
  const Case written = EveryPartSet("cd-written");
  const CaseRow row = CaseToRow(written);
  const auto remembered = CaseFromRow(row, {});
  CaseRow same_json = row;
  same_json.doc += " ";
  const auto parsed = CaseFromRow(same_json, {});
  REQUIRE(remembered.ok());
  REQUIRE(parsed.ok());
  CHECK(CaseToRow(*parsed).doc == row.doc);
  CHECK(CaseToRow(*remembered).doc == row.doc);
  // What the document does not hold is not carried over from the written
  // case: its deadlines come from the read alone.
  CHECK(remembered->deadlines.empty());

  // A case of another type leaves the compensation parts out of its
  // document: read back, they are unset, as parsed.
  Case other = EveryPartSet("cd-written-other");
  other.type = CaseType::kReturnRefund;
  other.compensation.reset();
  const CaseRow other_row = CaseToRow(other);
  const auto other_back = CaseFromRow(other_row, {});
  REQUIRE(other_back.ok());
  CHECK(other_back->compensated_amount == 0);
  CHECK_FALSE(other_back->system_submitted);
  CHECK(CaseToRow(*other_back).doc == other_row.doc);
}

TEST_CASE("a case's document is its parts as compact JSON in sorted key order", "[engine][case_document]") {
  // The stored form, member by member: a case with every part set and one
  // with none of the optional parts. Documents already stored have this
  // form (nlohmann's dump() of the tree it was once built as), so it may
  // not change by accident.
  CHECK(CaseToRow(EveryPartSet("cd-form")).doc ==
        R"({"agreed_amount":1900,"close_reason":"resolved","compensated_amount":1900,"compensation":{"agreed_by":"agent-1","amount":1900,"expires_at":50000,"external_ref":"v-ext","form":"voucher","issued_at":1900,"issued_by":"fin-1","voucher_code":{"id":"t6","sha256":"2222222222222222222222222222222222222222222222222222222222222222"}},"currency":"CNY","description":{"id":"t0","sha256":"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"},"evidence":[{"id":"t1","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],"holds_shipping":true,"inspection":{"at":1450,"by":"wh-1","grade":"A","lines":[{"damaged":1,"line_id":"l1","received":2,"restocked":1}],"note":{"id":"t3","sha256":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},"pass":true},"lines":[{"amount":1500,"line_id":"l1","qty":2,"replacement_sku":null},{"amount":800,"line_id":"l2","qty":1,"replacement_sku":"sku-2"}],"modifications":2,"offer":{"amount":1700,"at":1100,"by":"agent-1","form":"cash","note":{"id":"t2","sha256":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},"return_required":true},"offer_history":[{"amount":1700,"at":1100,"by":"agent-1","form":"cash","note":{"id":"t2","sha256":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},"return_required":true},{"amount":1600,"at":1050,"by":"agent-2","note":null,"return_required":false}],"reason":"damaged","refunded_amount":300,"refunds":[{"amount":300,"created_at":1800,"error":null,"external_ref":"ext-1","id":"r1","status":"issued","updated_at":1850},{"amount":100,"created_at":1860,"error":{"id":"t4","sha256":"0000000000000000000000000000000000000000000000000000000000000000"},"external_ref":null,"id":"r2","status":"failed","updated_at":1870}],"reject_reason":"not covered","repair":{"attempt":2,"progress":[{"at":1650,"by":"wh-2","note":{"id":"t5","sha256":"1111111111111111111111111111111111111111111111111111111111111111"},"status":"diagnosed"}],"repairing_from":1640,"repairing_until":null,"warranty_ends_at":99000},"repaired_shipment":{"carrier":"ZTO","delivered_at":1700,"received_at":null,"shipped_at":1600,"sku":null,"tracking_no":"ZT300"},"replacement_shipment":{"carrier":"YTO","delivered_at":null,"received_at":null,"shipped_at":1500,"sku":"sku-3","tracking_no":"YT200"},"requested_amount":1500,"return_address_due":true,"return_required":true,"return_shipment":{"carrier":"SF","delivered_at":1300,"received_at":1400,"shipped_at":1200,"sku":null,"tracking_no":"SF100"},"risk":{"flagged":true,"reasons":["refund_only_rate"],"signals":{"cases":5,"orders":6,"refund_only_cases":4,"refunded_amount":9000,"return_rate_percent":66}},"system_submitted":true})");
  CHECK(CaseToRow(SampleCase("cd-form-min")).doc ==
        R"({"agreed_amount":null,"close_reason":null,"currency":"CNY","description":null,"evidence":[{"id":"t1","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],"holds_shipping":false,"inspection":null,"lines":[{"amount":1500,"line_id":"l1","qty":2,"replacement_sku":null}],"modifications":0,"offer":null,"offer_history":[],"reason":"damaged","refunded_amount":0,"refunds":[],"reject_reason":null,"replacement_shipment":null,"requested_amount":1500,"return_address_due":false,"return_required":false,"return_shipment":null})");
}

TEST_CASE("a case's document escapes its strings as dump() does and reads them back", "[engine][case_document]") {
  Case c = EveryPartSet("cd-escapes");
  c.reason = "say \"no\" \\ tab\t bell\x07 del\x7f";
  c.currency = "\xe4\xba\xba\xe6\xb0\x91\xe5\xb8\x81";  // 人民币
  c.return_shipment->carrier = "\xe9\xa1\xba\xe4\xb8\xb0 \"SF\"";  // 顺丰 "SF"
  c.return_shipment->tracking_no = "line\nbreak\r\x1f";
  c.inspection->grade = std::string("B/\xc3\xa9");
  c.close_reason = std::string(1, '\0') + "nul";
  CaseRow row = CaseToRow(c);
  const nlohmann::json parsed = nlohmann::json::parse(row.doc);
  CHECK(parsed.dump() == row.doc);
  CHECK(parsed.at("reason") == c.reason);
  CHECK(parsed.at("currency") == c.currency);
  CHECK(parsed.at("return_shipment").at("carrier") == c.return_shipment->carrier);
  CHECK(parsed.at("return_shipment").at("tracking_no") == c.return_shipment->tracking_no);
  CHECK(parsed.at("inspection").at("grade") == *c.inspection->grade);
  CHECK(parsed.at("close_reason") == *c.close_reason);
  // Parsed afresh (the text plus a space is not remembered), the same strings.
  row.doc += " ";
  const auto back = CaseFromRow(row, {});
  REQUIRE(back.ok());
  CHECK(back->reason == c.reason);
  CHECK(back->currency == c.currency);
  CHECK(back->return_shipment->carrier == c.return_shipment->carrier);
  CHECK(back->return_shipment->tracking_no == c.return_shipment->tracking_no);
  CHECK(back->close_reason == c.close_reason);
}

// A document's row with another text (never remembered: CaseFromRow parses it).
CaseRow WithDoc(const CaseRow& row, std::string doc) {
  CaseRow other = row;
  other.doc = std::move(doc);
  return other;
}

TEST_CASE("a document in another JSON form reads back as the same case", "[engine][case_document]") {
  // Members in reverse order, indented, non-ASCII escaped as \uXXXX
  // (surrogate pairs included) and a member this program does not know:
  // the same case, its document re-encoded byte for byte.
  Case c = EveryPartSet("cd-forms");
  c.reason = "\xe4\xba\xba \xf0\x9f\x98\x80 \"q\"";
  const CaseRow row = CaseToRow(c);
  const nlohmann::json doc = nlohmann::json::parse(row.doc);
  std::string reversed = "{\"later_member\": {\"x\": [1, 2.5, null]}";
  std::vector<std::pair<std::string, nlohmann::json>> members;
  for (const auto& [key, value] : doc.items()) members.emplace_back(key, value);
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    reversed += ",\n  " + nlohmann::json(it->first).dump() + " : " + it->second.dump(2, ' ', true);
  }
  reversed += "\n}";
  REQUIRE(reversed.find("\\ud83d\\ude00") != std::string::npos);
  const auto back = CaseFromRow(WithDoc(row, reversed), {});
  REQUIRE(back.ok());
  CHECK(back->reason == c.reason);
  CHECK(CaseToRow(*back).doc == row.doc);

  // A compensation's own figures count only with the compensation.
  nlohmann::json plain = nlohmann::json::parse(CaseToRow(SampleCase("cd-forms-plain")).doc);
  plain["compensated_amount"] = 500;
  plain["system_submitted"] = true;
  const auto plain_back = CaseFromRow(WithDoc(CaseToRow(SampleCase("cd-forms-plain")), plain.dump()), {});
  REQUIRE(plain_back.ok());
  CHECK_FALSE(plain_back->compensation.has_value());
  CHECK(plain_back->compensated_amount == 0);
  CHECK_FALSE(plain_back->system_submitted);
}

TEST_CASE("a damaged document is an internal error naming the case, never a case", "[engine][case_document]") {
  const CaseRow row = CaseToRow(EveryPartSet("cd-damaged"));
  // Cut anywhere: never a whole document.
  for (std::size_t n = 0; n < row.doc.size(); ++n) {
    const auto back = CaseFromRow(WithDoc(row, row.doc.substr(0, n)), {});
    REQUIRE_FALSE(back.ok());
    CHECK(back.status().code() == Code::kInternal);
  }
  // Anything after the document.
  for (const char* tail : {"x", "{}", ",", "0"}) {
    CHECK_FALSE(CaseFromRow(WithDoc(row, row.doc + tail), {}).ok());
  }
  const nlohmann::json doc = nlohmann::json::parse(row.doc);
  // Each member every document has, left out: the error names it.
  for (const char* member : {"agreed_amount", "close_reason", "currency", "description", "evidence", "holds_shipping",
                             "inspection", "lines", "modifications", "offer", "offer_history", "reason",
                             "refunded_amount", "refunds", "reject_reason", "replacement_shipment", "requested_amount",
                             "return_address_due", "return_required", "return_shipment"}) {
    nlohmann::json without = doc;
    REQUIRE(without.erase(member) == 1);
    const auto back = CaseFromRow(WithDoc(row, without.dump()), {});
    INFO(member);
    REQUIRE_FALSE(back.ok());
    CHECK(back.status().code() == Code::kInternal);
    CHECK(back.status().message().find("cd-damaged") != std::string::npos);
    CHECK(back.status().message().find(std::string("\"") + member + "\"") != std::string::npos);
  }
  // A compensation without its figures, and a nested part without a member.
  for (const auto& [path, member] : std::vector<std::pair<std::string, std::string>>{
           {"", "compensated_amount"},
           {"", "system_submitted"},
           {"/compensation", "form"},
           {"/inspection", "pass"},
           {"/inspection/lines/0", "restocked"},
           {"/offer", "by"},
           {"/offer_history/1", "note"},
           {"/refunds/1", "error"},
           {"/repair/progress/0", "note"},
           {"/return_shipment", "shipped_at"},
           {"/risk/signals", "return_rate_percent"},
           {"/lines/1", "qty"},
           {"/evidence/0", "sha256"}}) {
    nlohmann::json without = doc;
    REQUIRE(without[nlohmann::json::json_pointer(path)].erase(member) == 1);
    INFO(path + " " + member);
    const auto back = CaseFromRow(WithDoc(row, without.dump()), {});
    REQUIRE_FALSE(back.ok());
    CHECK(back.status().message().find("\"" + member + "\"") != std::string::npos);
  }
  // A member of another kind than it is written as.
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"/requested_amount", "1500"},
           {"/requested_amount", 1500.5},
           {"/holds_shipping", 1},
           {"/reason", nullptr},
           {"/lines", nlohmann::json::object()},
           {"/offer/form", "gold"},
           {"/risk/reasons", "cases"}}) {
    nlohmann::json changed = doc;
    changed[nlohmann::json::json_pointer(pointer)] = value;
    INFO(changed.dump());
    const auto back = CaseFromRow(WithDoc(row, changed.dump()), {});
    REQUIRE_FALSE(back.ok());
    CHECK(back.status().code() == Code::kInternal);
  }
}

TEST_CASE("threads decoding documents of the same cases each get their own text's case",
          "[engine][case_document][concurrency]") {
  // Two texts per case id, read from four threads at once: each read must
  // answer with the reason its own text holds.
  std::vector<CaseRow> rows;
  for (int i = 0; i < 8; ++i) {
    Case c = SampleCase("cd-race-" + std::to_string(i));
    c.reason = "first";
    rows.push_back(CaseToRow(c));
    c.reason = "second";
    rows.push_back(CaseToRow(c));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2000; ++round) {
        const std::size_t k = static_cast<std::size_t>(round * 7 + t * 3) % rows.size();
        const auto kase = CaseFromRow(rows[k], {});
        if (!kase.ok() || kase->reason != (k % 2 == 0 ? "first" : "second") || kase->id != rows[k].id) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) CHECK(wrong[t] == 0);
}

}  // namespace
}  // namespace aftersales::testing
