// Fuzz target `order_import`: the order importer (engine/order_import.h),
// CSV and JSON, as `aftersales orders import FILE` reads a file whose name
// does not say its format (DetectOrderFileFormat by content: '[' first means
// JSON). The JSON format's elements are POST /api/v1/orders bodies
// (OrderFromJson), so that path is fuzzed too.
//
// Input: the bytes of an import file.
//
// Invariants, beyond "no crash, no sanitizer report, no exception":
//  - a refused file yields no orders, at most kMaxImportProblems problems
//    (plus one saying so), each on a line that exists;
//  - an accepted file's orders each start on a line that exists, and they
//    round-trip through both formats: written as a JSON array and as CSV,
//    each parses back to the same orders.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/model.h"
#include "engine/cases/order_import.h"
#include "fuzz/fuzz_check.h"

namespace aftersales::fuzz {
namespace {

using nlohmann::json;

// 2026-11-01T00:00:00Z: "now" for every input, so that verdicts repeat.
constexpr TimePoint kNow = 1793491200;

json OrderBody(const Order& o) {
  json lines = json::array();
  for (const auto& l : o.lines) {
    lines.push_back({{"line_id", l.line_id},
                     {"sku", l.sku},
                     {"title", l.title},
                     {"qty", l.qty},
                     {"paid", l.paid},
                     {"no_reason_return", l.no_reason_return}});
  }
  return {{"id", o.id},
          {"buyer_id", o.buyer_id},
          {"currency", o.currency},
          {"placed_at", FormatTime(o.placed_at)},
          {"delivered_at", o.delivered_at ? json(FormatTime(*o.delivered_at)) : json(nullptr)},
          {"shipping_paid", o.shipping_paid},
          {"lines", lines}};
}

// Everything an order holds, created_at included.
json Everything(const std::vector<ImportedOrder>& orders) {
  json all = json::array();
  for (const auto& imported : orders) {
    json o = OrderBody(imported.order);
    o["placed_at"] = imported.order.placed_at;  // the parsed instant, not its rendering
    o["delivered_at"] = imported.order.delivered_at ? json(*imported.order.delivered_at) : json(nullptr);
    o["created_at"] = imported.order.created_at;
    all.push_back(o);
  }
  return all;
}

std::string CsvField(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ToCsv(const std::vector<ImportedOrder>& orders) {
  std::string csv = std::string(kOrderCsvHeader) + "\r\n";
  for (const auto& imported : orders) {
    const Order& o = imported.order;
    for (const auto& l : o.lines) {
      const std::vector<std::string> row = {o.id,
                                            o.buyer_id,
                                            o.currency,
                                            FormatTime(o.placed_at),
                                            o.delivered_at ? FormatTime(*o.delivered_at) : "",
                                            std::to_string(o.shipping_paid),
                                            l.line_id,
                                            l.sku,
                                            l.title,
                                            std::to_string(l.qty),
                                            std::to_string(l.paid),
                                            l.no_reason_return ? "true" : "false"};
      for (std::size_t i = 0; i < row.size(); ++i) csv += (i ? "," : "") + CsvField(row[i]);
      csv += "\r\n";
    }
  }
  return csv;
}

std::string Describe(const OrderImportResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += "\n    line " + std::to_string(p.line) + ": " + p.message;
  return out;
}

void CheckRoundTrip(const char* format, const std::string& text, const json& expected) {
  const OrderImportResult again =
      std::string_view(format) == "JSON" ? ParseOrdersJson(text, kNow) : ParseOrdersCsv(text, kNow);
  FUZZ_CHECK(again.ok(),
             std::string("accepted orders written as ") + format + " are refused:" + Describe(again) + "\n  " + text);
  FUZZ_CHECK(Everything(again.orders) == expected, std::string("accepted orders written as ") + format +
                                                       " read differently:\n  " + expected.dump() + "\n  " +
                                                       Everything(again.orders).dump());
}

}  // namespace
}  // namespace aftersales::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aftersales;
  using namespace aftersales::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const OrderFileFormat format = DetectOrderFileFormat("orders", text);
  const OrderImportResult result = ParseOrders(format, text, kNow);
  const std::size_t line_count = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));

  if (!result.ok()) {
    FUZZ_CHECK(result.orders.empty(), "a refused file still yields orders");
    FUZZ_CHECK(result.problems.size() <= kMaxImportProblems + 1,
               std::to_string(result.problems.size()) + " problems listed");
    for (const auto& p : result.problems) {
      FUZZ_CHECK(p.line <= line_count, "a problem on line " + std::to_string(p.line) + " of a file of " +
                                           std::to_string(line_count) + " lines: " + p.message);
      FUZZ_CHECK(!p.message.empty(), "a problem without a message");
    }
    return 0;
  }

  for (const auto& imported : result.orders) {
    FUZZ_CHECK(imported.line >= 1 && imported.line <= line_count,
               "order " + imported.order.id + " is said to start on line " + std::to_string(imported.line) + " of " +
                   std::to_string(line_count));
  }
  const json expected = Everything(result.orders);
  json array = json::array();
  for (const auto& imported : result.orders) array.push_back(OrderBody(imported.order));
  CheckRoundTrip("JSON", array.dump(2), expected);
  CheckRoundTrip("CSV", ToCsv(result.orders), expected);
  return 0;
}
