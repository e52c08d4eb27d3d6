#include "engine/cases/order_import.h"

#include <catch2/catch.hpp>
#include <string>

#include "engine/audit/audit_log.h"

namespace aftersales {
namespace {

using nlohmann::json;

// 2026-12-01T00:00:00Z: "now" for every test here.
const TimePoint kNow = *ParseTime("2026-12-01T00:00:00Z");

const char* const kHeader =
    "order_id,buyer_id,currency,placed_at,delivered_at,shipping_paid,line_id,sku,title,qty,paid,no_reason_return\n";

// Whether some problem sits on `line` and mentions `needle`.
bool HasProblem(const OrderImportResult& r, std::size_t line, const std::string& needle) {
  for (const auto& p : r.problems) {
    if (p.line == line && p.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const OrderImportResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += std::to_string(p.line) + ": " + p.message + "\n";
  return out;
}

json GoodOrder(const std::string& id) {
  return json{{"id", id},
              {"buyer_id", "buyer-1"},
              {"currency", "CNY"},
              {"placed_at", "2026-11-20T08:00:00+08:00"},
              {"delivered_at", "2026-11-22T10:00:00Z"},
              {"shipping_paid", 800},
              {"lines",
               {{{"line_id", "L1"}, {"sku", "SKU-1"}, {"title", "保温杯 500ml"}, {"qty", 2}, {"paid", 1000}},
                {{"line_id", "L2"},
                 {"sku", "SKU-2"},
                 {"title", "Mug"},
                 {"qty", 1},
                 {"paid", 0},
                 {"no_reason_return", false}}}}};
}

TEST_CASE("OrderFromJson accepts a SPEC §6.3 body", "[order_import]") {
  Result<Order> order = OrderFromJson(GoodOrder("o-1"), kNow);
  REQUIRE(order.ok());
  CHECK(order->id == "o-1");
  CHECK(order->buyer_id == "buyer-1");
  CHECK(order->currency == "CNY");
  CHECK(order->placed_at == *ParseTime("2026-11-20T00:00:00Z"));
  CHECK(order->delivered_at == ParseTime("2026-11-22T10:00:00Z"));
  CHECK(order->shipping_paid == 800);
  CHECK(order->created_at == kNow);
  REQUIRE(order->lines.size() == 2);
  CHECK(order->lines[0].title == "保温杯 500ml");
  CHECK(order->lines[0].qty == 2);
  CHECK(order->lines[0].no_reason_return);
  CHECK_FALSE(order->lines[1].no_reason_return);
  CHECK(order->PaidTotal() == 1800);
}

TEST_CASE("OrderFromJson allows delivered_at null", "[order_import]") {
  json body = GoodOrder("o-1");
  body["delivered_at"] = nullptr;
  Result<Order> order = OrderFromJson(body, kNow);
  REQUIRE(order.ok());
  CHECK_FALSE(order->delivered_at.has_value());
}

TEST_CASE("OrderFromJson names every bad field", "[order_import]") {
  struct Case {
    const char* what;
    json::json_pointer pointer;
    json value;
    const char* field;
  };
  const Case cases[] = {
      {"id with a space", json::json_pointer("/id"), "o 1", "id"},
      {"id too long", json::json_pointer("/id"), std::string(65, 'a'), "id"},
      {"empty buyer", json::json_pointer("/buyer_id"), "", "buyer_id"},
      {"lower-case currency", json::json_pointer("/currency"), "cny", "currency"},
      {"four-letter currency", json::json_pointer("/currency"), "CNYY", "currency"},
      {"placed_at not a time", json::json_pointer("/placed_at"), "yesterday", "placed_at"},
      {"placed_at a number", json::json_pointer("/placed_at"), 1700000000, "placed_at"},
      {"placed_at in the future", json::json_pointer("/placed_at"), "2026-12-01T00:00:01Z", "placed_at"},
      {"delivered_at in the future", json::json_pointer("/delivered_at"), "2027-01-01T00:00:00Z", "delivered_at"},
      {"delivered before placed", json::json_pointer("/delivered_at"), "2026-11-19T00:00:00Z", "delivered_at"},
      {"negative shipping", json::json_pointer("/shipping_paid"), -1, "shipping_paid"},
      {"float shipping", json::json_pointer("/shipping_paid"), 1.5, "shipping_paid"},
      {"integral float shipping", json::json_pointer("/shipping_paid"), 1.0, "shipping_paid"},
      {"string shipping", json::json_pointer("/shipping_paid"), "800", "shipping_paid"},
      {"huge shipping", json::json_pointer("/shipping_paid"), kMaxImportAmount + 1, "shipping_paid"},
      {"no lines", json::json_pointer("/lines"), json::array(), "lines"},
      {"lines not an array", json::json_pointer("/lines"), json::object(), "lines"},
      {"line not an object", json::json_pointer("/lines/1"), 7, "lines[1]"},
      {"qty 0", json::json_pointer("/lines/0/qty"), 0, "lines[0].qty"},
      {"qty too big", json::json_pointer("/lines/0/qty"), kMaxImportQty + 1, "lines[0].qty"},
      {"negative paid", json::json_pointer("/lines/1/paid"), -5, "lines[1].paid"},
      {"bad line id", json::json_pointer("/lines/1/line_id"), "L/2", "lines[1].line_id"},
      {"duplicate line id", json::json_pointer("/lines/1/line_id"), "L1", "lines[1].line_id"},
      {"empty sku", json::json_pointer("/lines/0/sku"), "", "lines[0].sku"},
      {"title with a newline", json::json_pointer("/lines/0/title"), "a\nb", "lines[0].title"},
      {"title too long", json::json_pointer("/lines/0/title"), std::string(501, 'x'), "lines[0].title"},
      {"no_reason_return a string", json::json_pointer("/lines/0/no_reason_return"), "yes",
       "lines[0].no_reason_return"},
      {"unknown order field", json::json_pointer("/note"), "hi", "note"},
      {"unknown line field", json::json_pointer("/lines/0/price"), 1, "lines[0].price"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    json body = GoodOrder("o-1");
    body[c.pointer] = c.value;
    Result<Order> order = OrderFromJson(body, kNow);
    REQUIRE_FALSE(order.ok());
    CHECK(order.status().code() == Code::kValidationFailed);
    REQUIRE(order.status().errors().size() == 1);
    CHECK(order.status().errors()[0].field == c.field);
  }
}

TEST_CASE("OrderFromJson requires every field but no_reason_return", "[order_import]") {
  for (const char* key : {"id", "buyer_id", "currency", "placed_at", "delivered_at", "shipping_paid", "lines"}) {
    INFO(key);
    json body = GoodOrder("o-1");
    body.erase(key);
    Result<Order> order = OrderFromJson(body, kNow);
    REQUIRE_FALSE(order.ok());
    CHECK(order.status().errors()[0].field == key);
  }
  json body = GoodOrder("o-1");
  body["lines"][0].erase("qty");
  Result<Order> order = OrderFromJson(body, kNow);
  REQUIRE_FALSE(order.ok());
  CHECK(order.status().errors()[0].field == "lines[0].qty");
  CHECK_FALSE(OrderFromJson(json::array(), kNow).ok());
}

TEST_CASE("ParseOrdersJson reads an array and locates problems by line", "[order_import]") {
  SECTION("good file") {
    const std::string text = json::array({GoodOrder("o-1"), GoodOrder("o-2")}).dump(2);
    OrderImportResult r = ParseOrdersJson(text, kNow);
    INFO(Describe(r));
    REQUIRE(r.ok());
    REQUIRE(r.orders.size() == 2);
    CHECK(r.orders[0].order.id == "o-1");
    CHECK(r.orders[0].line == 2);
    CHECK(r.orders[1].order.id == "o-2");
    CHECK(r.orders[1].line > r.orders[0].line);
  }
  SECTION("an empty array imports nothing") {
    OrderImportResult r = ParseOrdersJson(" [ ] ", kNow);
    CHECK(r.ok());
    CHECK(r.orders.empty());
  }
  SECTION("a bad element names its line and nothing is returned") {
    json bad = GoodOrder("o-2");
    bad["lines"][0]["qty"] = 0;
    const std::string text = "[\n" + GoodOrder("o-1").dump() + ",\n\n" + bad.dump() + "\n]\n";
    OrderImportResult r = ParseOrdersJson(text, kNow);
    CHECK(r.orders.empty());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 4);
    CHECK(r.problems[0].message.find("order #2 lines[0].qty") != std::string::npos);
  }
  SECTION("strings holding brackets do not confuse the line finder") {
    json tricky = GoodOrder("o-1");
    tricky["lines"][0]["title"] = "[{\\\"],";
    json bad = GoodOrder("o-2");
    bad["currency"] = "usd";
    const std::string text = "[" + tricky.dump() + ",\n" + bad.dump() + "]";
    OrderImportResult r = ParseOrdersJson(text, kNow);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 2);
  }
  SECTION("the same order twice") {
    const std::string text = "[\n" + GoodOrder("o-1").dump() + ",\n" + GoodOrder("o-1").dump() + "\n]";
    OrderImportResult r = ParseOrdersJson(text, kNow);
    CHECK(HasProblem(r, 3, "appears twice (first at line 2)"));
  }
  SECTION("syntax error") {
    OrderImportResult r = ParseOrdersJson("[\n{\"id\": \"o-1\",\n  \"buyer_id\": oops}\n]", kNow);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].message.find("not valid JSON") == 0);
  }
  SECTION("not an array") {
    OrderImportResult r = ParseOrdersJson(GoodOrder("o-1").dump(), kNow);
    CHECK(HasProblem(r, 1, "expected a JSON array"));
  }
  SECTION("empty text") { CHECK_FALSE(ParseOrdersJson("", kNow).ok()); }
}

TEST_CASE("ParseOrdersCsv reads one row per line, grouped by order", "[order_import]") {
  const std::string text =
      std::string("\xEF\xBB\xBF") + kHeader +
      "o-1,b-1,CNY,2026-11-20T08:00:00Z,2026-11-22T10:00:00Z,800,L1,SKU-1,\"Cup, \"\"large\"\"\",2,"
      "1000,\r\n"
      "o-1,b-1,CNY,2026-11-20T08:00:00Z,2026-11-22T10:00:00Z,800,L2,SKU-2,\"two, lines\",1,0,"
      "false\n"
      "\n"
      "o-2,b-2,USD,2026-11-21T00:00:00+08:00,,0,L1,SKU-3,保温杯,3,2999,true";
  OrderImportResult r = ParseOrdersCsv(text, kNow);
  INFO(Describe(r));
  REQUIRE(r.ok());
  REQUIRE(r.orders.size() == 2);
  const Order& o1 = r.orders[0].order;
  CHECK(r.orders[0].line == 2);
  CHECK(o1.id == "o-1");
  CHECK(o1.buyer_id == "b-1");
  CHECK(o1.delivered_at == ParseTime("2026-11-22T10:00:00Z"));
  CHECK(o1.shipping_paid == 800);
  CHECK(o1.created_at == kNow);
  REQUIRE(o1.lines.size() == 2);
  CHECK(o1.lines[0].title == "Cup, \"large\"");
  CHECK(o1.lines[0].no_reason_return);
  CHECK(o1.lines[1].title == "two, lines");
  CHECK_FALSE(o1.lines[1].no_reason_return);
  const Order& o2 = r.orders[1].order;
  CHECK(r.orders[1].line == 5);  // the blank line counts
  CHECK(o2.currency == "USD");
  CHECK(o2.placed_at == *ParseTime("2026-11-20T16:00:00Z"));
  CHECK_FALSE(o2.delivered_at.has_value());
  CHECK(o2.lines[0].title == "保温杯");
  CHECK(o2.lines[0].qty == 3);
  CHECK(o2.lines[0].paid == 2999);
}

TEST_CASE("ParseOrdersCsv reports each bad row with its line", "[order_import]") {
  const std::string good = "o-1,b-1,CNY,2026-11-20T08:00:00Z,2026-11-22T10:00:00Z,800,L1,SKU-1,Cup,2,1000,true\n";
  struct Case {
    const char* what;
    std::string row;  // the file's third line, after the header and `good`
    const char* needle;
  };
  const Case cases[] = {
      {"qty 0", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,0,1,true\n", "qty: must be an integer from 1"},
      {"qty with a sign", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,+1,1,true\n", "qty:"},
      {"negative paid", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,-1,true\n", "paid:"},
      {"decimal paid", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,9.99,true\n", "paid:"},
      {"shipping blank", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,,L1,S,T,1,1,true\n", "shipping_paid:"},
      {"bad currency", "o-2,b-1,RMB1,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,true\n", "currency:"},
      {"bad order id", "o 2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,true\n", "order_id:"},
      {"bad buyer id", "o-2,b#1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,true\n", "buyer_id:"},
      {"bad time", "o-2,b-1,CNY,20/11/2026,,0,L1,S,T,1,1,true\n", "placed_at:"},
      {"future delivery", "o-2,b-1,CNY,2026-11-20T08:00:00Z,2026-12-02T00:00:00Z,0,L1,S,T,1,1,true\n",
       "delivered_at: must not be in the future"},
      {"delivered before placed", "o-2,b-1,CNY,2026-11-20T08:00:00Z,2026-11-19T00:00:00Z,0,L1,S,T,1,1,true\n",
       "delivered_at: must not be before placed_at"},
      {"bad flag", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,yes\n", "no_reason_return:"},
      {"empty title", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,,1,1,true\n", "title:"},
      {"invalid UTF-8 title", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,\xff\xfe,1,1,true\n", "title:"},
      {"too few columns", "o-2,b-1,CNY\n", "expected 12 columns, found 3"},
      {"too many columns", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,true,x\n", "found 13"},
      {"stray quote", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T \"x\",1,1,true\n", "a quote inside"},
      {"text after a quote", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,\"T\"x,1,1,true\n", "after a closing quote"},
      {"unclosed quote", "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,\"T,1,1,true\n", "not closed"},
      {"duplicate line in an order", "o-1,b-1,CNY,2026-11-20T08:00:00Z,2026-11-22T10:00:00Z,800,L1,S,T,1,1,true\n",
       "line 'L1' appears twice"},
      {"order columns differ", "o-1,b-2,CNY,2026-11-20T08:00:00Z,2026-11-22T10:00:00Z,800,L2,S,T,1,1,true\n",
       "buyer_id: differs from the order's first row (line 2)"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    OrderImportResult r = ParseOrdersCsv(std::string(kHeader) + good + c.row, kNow);
    INFO(Describe(r));
    CHECK(r.orders.empty());
    CHECK(HasProblem(r, 3, c.needle));
  }
}

TEST_CASE("ParseOrdersCsv lists every problem, then resumes after a bad line", "[order_import]") {
  const std::string text = std::string(kHeader) +
                           "o-1,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,0,1,true\n"    // line 2: qty
                           "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T \"q\",1,1,\n"  // line 3: quote
                           "o-3,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,1,1,true\n"    // line 4: fine
                           "o-1,b-1,CNY,2026-11-20T08:00:00Z,,0,L2,S,T,1,1,true\n";   // line 5: not consecutive
  OrderImportResult r = ParseOrdersCsv(text, kNow);
  INFO(Describe(r));
  CHECK(r.orders.empty());
  REQUIRE(r.problems.size() == 3);
  CHECK(HasProblem(r, 2, "qty:"));
  CHECK(HasProblem(r, 3, "a quote inside"));
  CHECK(HasProblem(r, 5, "appeared before (line 2)"));
}

TEST_CASE("ParseOrdersCsv counts newlines inside quoted fields", "[order_import]") {
  const std::string text = std::string(kHeader) +
                           "o-1,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,\"two\nlines\",1,1,true\n"  // lines 2-3
                           "o-2,b-1,CNY,2026-11-20T08:00:00Z,,0,L1,S,T,0,1,true\n";              // line 4
  OrderImportResult r = ParseOrdersCsv(text, kNow);
  INFO(Describe(r));
  REQUIRE(r.problems.size() == 2);
  CHECK(HasProblem(r, 2, "title:"));  // titles are one line of text
  CHECK(HasProblem(r, 4, "qty:"));
}

TEST_CASE("ParseOrdersCsv wants the exact header", "[order_import]") {
  CHECK(HasProblem(ParseOrdersCsv("", kNow), 1, "empty file"));
  CHECK(HasProblem(ParseOrdersCsv("order_id,buyer_id\n", kNow), 1, "expected the header"));
  std::string upper = kHeader;
  upper[0] = 'O';
  CHECK(HasProblem(ParseOrdersCsv(upper, kNow), 1, "expected the header"));
  OrderImportResult header_only = ParseOrdersCsv(kHeader, kNow);
  CHECK(header_only.ok());
  CHECK(header_only.orders.empty());
}

TEST_CASE("ParseOrdersCsv caps the problem list", "[order_import]") {
  std::string text = kHeader;
  for (int i = 0; i < 2000; ++i) text += "o-" + std::to_string(i) + ",b,CNY,bad,,0,L1,S,T,1,1,true\n";
  OrderImportResult r = ParseOrdersCsv(text, kNow);
  REQUIRE(r.problems.size() == kMaxImportProblems + 1);
  CHECK(r.problems.back().line == 0);
  CHECK(r.problems.back().message.find("more than") == 0);
}

TEST_CASE("DetectOrderFileFormat uses the extension, then the content", "[order_import]") {
  CHECK(DetectOrderFileFormat("orders.json", "order_id,...") == OrderFileFormat::kJson);
  CHECK(DetectOrderFileFormat("ORDERS.JSON", "") == OrderFileFormat::kJson);
  CHECK(DetectOrderFileFormat("orders.csv", "[") == OrderFileFormat::kCsv);
  CHECK(DetectOrderFileFormat("orders.txt", "  \n[{}]") == OrderFileFormat::kJson);
  CHECK(DetectOrderFileFormat("orders", "\xEF\xBB\xBF[]") == OrderFileFormat::kJson);
  CHECK(DetectOrderFileFormat("orders", kHeader) == OrderFileFormat::kCsv);
  CHECK(DetectOrderFileFormat("dir.json/orders", "") == OrderFileFormat::kCsv);
}

TEST_CASE("OrderAuditData holds amounts and ids, never titles", "[order_import]") {
  Result<Order> order = OrderFromJson(GoodOrder("o-1"), kNow);
  REQUIRE(order.ok());
  const json data = OrderAuditData(*order);
  Result<std::string> canonical = CanonicalJson(data);
  REQUIRE(canonical.ok());
  CHECK(*canonical == R"({"buyer_id":"buyer-1","currency":"CNY","lines":[)"
                      R"({"line_id":"L1","no_reason_return":true,"paid":1000,"qty":2,"sku":"SKU-1"},)"
                      R"({"line_id":"L2","no_reason_return":false,"paid":0,"qty":1,"sku":"SKU-2"}],)"
                      R"("order_id":"o-1","paid_total":1800,"shipping_paid":800})");
}

}  // namespace
}  // namespace aftersales
