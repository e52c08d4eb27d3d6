// Order parsing and validation for bulk import (`aftersales orders import`)
// and for the POST /orders body (SPEC §6.3).
//
// Two file formats:
//  - JSON: an array of order objects, each exactly a POST /orders body:
//    {id, buyer_id, currency, placed_at, delivered_at|null, shipping_paid,
//     lines:[{line_id, sku, title, qty, paid, no_reason_return?}],
//     paid_at?, ship_by?, shipped_at?} (SPEC §10.1);
//  - CSV (RFC 4180, UTF-8, optional BOM): the header kOrderCsvHeader, then one
//    row per order line; the rows of one order are consecutive and repeat the
//    same order columns. An empty delivered_at means "not delivered"; an empty
//    no_reason_return means true.
//
// Rules (both formats): order, buyer and line ids match [A-Za-z0-9._-]{1,64};
// currency is three upper-case letters; amounts and quantities are integers
// (0 <= amount <= kMaxImportAmount, 1 <= qty <= kMaxImportQty); times are RFC
// 3339, neither placed_at nor delivered_at lies after `now`, delivered_at is
// not before placed_at; an order has 1 to kMaxImportLines lines with distinct
// line ids; sku and title are 1 to 64 / 1 to 500 bytes of UTF-8 without control
// characters; unknown fields are refused; an order id appears once per file.
// Whether an order is already stored is the caller's check.
//
// Pure functions: text in, orders or located problems out; no I/O and no
// clock (the caller passes `now`). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

constexpr const char* kOrderCsvHeader =
    "order_id,buyer_id,currency,placed_at,delivered_at,shipping_paid,line_id,sku,title,qty,paid,no_reason_return";
// Bounds that keep every ledger product (amount × qty) inside 64 bits.
constexpr Money kMaxImportAmount = 1'000'000'000'000;  // minor units
constexpr std::int64_t kMaxImportQty = 1'000'000;
constexpr std::size_t kMaxImportLines = 1000;  // lines per order
// Parsing stops collecting problems after this many.
constexpr std::size_t kMaxImportProblems = 1000;

enum class OrderFileFormat { kJson, kCsv };

// An order and the 1-based line of the file where it starts.
struct ImportedOrder {
  Order order;
  std::size_t line = 0;
};

// What is wrong and where: `line` is 1-based (0: the file as a whole).
struct ImportProblem {
  std::size_t line = 0;
  std::string message;
};

struct OrderImportResult {
  std::vector<ImportedOrder> orders;    // in file order; only meaningful when ok()
  std::vector<ImportProblem> problems;  // in file order, at most kMaxImportProblems (+1 saying so)
  bool ok() const { return problems.empty(); }
};

// The format `file_name`'s extension names (".json" or ".csv", any case);
// otherwise JSON when the first character that is not blank (or a BOM) is
// '[', else CSV.
OrderFileFormat DetectOrderFileFormat(std::string_view file_name, std::string_view text);

// Parses and validates a whole file. Every problem found is reported (up to
// kMaxImportProblems); `orders` is complete only when there is none.
// Orders get created_at = now.
OrderImportResult ParseOrdersJson(std::string_view text, TimePoint now);
OrderImportResult ParseOrdersCsv(std::string_view text, TimePoint now);
OrderImportResult ParseOrders(OrderFileFormat format, std::string_view text, TimePoint now);

// Validates one POST /orders body into an Order (created_at = now).
// Errors: validation_failed, carrying one FieldError per problem, with the
// field as a path ("lines[1].qty").
Result<Order> OrderFromJson(const nlohmann::json& body, TimePoint now);

// SPEC §10.1: an order given shipped_at or delivered_at is shipped in full
// at creation: one shipment of every unit (carrier and tracking null) dated
// shipped_at, else delivered_at; no ship_by. Otherwise nothing changes.
void MarkShippedInFull(Order& order, std::optional<TimePoint> shipped_at);

// The audit entry data of a new order: {order_id, buyer_id, currency,
// lines:[{line_id, sku, qty, paid, no_reason_return}], shipping_paid,
// paid_total}. No free text (titles stay out).
nlohmann::json OrderAuditData(const Order& order);

}  // namespace aftersales
