// The CSV reader of engine/cases/order_import.h (RFC 4180).
#include <array>
#include <map>
#include <set>
#include <utility>

#include "engine/cases/order_import.h"
#include "engine/cases/order_rules.h"

namespace aftersales {
namespace {

using namespace order_rules;


enum CsvColumn {
  kColOrderId,
  kColBuyerId,
  kColCurrency,
  kColPlacedAt,
  kColDeliveredAt,
  kColShippingPaid,
  kColLineId,
  kColSku,
  kColTitle,
  kColQty,
  kColPaid,
  kColNoReasonReturn,
  kCsvColumnCount,
};
constexpr std::array<const char*, kCsvColumnCount> kCsvColumnNames = {
    "order_id", "buyer_id", "currency", "placed_at", "delivered_at", "shipping_paid",
    "line_id",  "sku",      "title",    "qty",       "paid",         "no_reason_return"};

// ---------------------------------------------------------------------------
// CSV (RFC 4180)

struct CsvRecord {
  std::size_t line = 0;  // where the record starts
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // Reads the next non-blank record. Returns false at the end of the text.
  // On a syntax error sets *error (the record is then unusable) and resumes
  // at the next line.
  bool Next(CsvRecord* record, std::string* error) {
    error->clear();
    // Blank lines are skipped (a trailing newline included).
    while (pos_ < text_.size() && (text_[pos_] == '\n' || StartsWith("\r\n"))) {
      pos_ += text_[pos_] == '\n' ? 1 : 2;
      ++line_;
    }
    if (pos_ >= text_.size()) return false;
    record->line = line_;
    record->fields.clear();
    while (true) {
      std::string field;
      if (!ReadField(&field, error)) {
        SkipRestOfLine();
        return true;
      }
      record->fields.push_back(std::move(field));
      if (pos_ >= text_.size()) return true;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      // End of record: "\n" or "\r\n" (ReadField stopped there).
      pos_ += text_[pos_] == '\n' ? 1 : 2;
      ++line_;
      return true;
    }
  }

 private:
  bool StartsWith(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
  bool AtRecordEnd() const {
    return pos_ >= text_.size() || text_[pos_] == ',' || text_[pos_] == '\n' || StartsWith("\r\n");
  }

  bool ReadField(std::string* out, std::string* error) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) {
          *error = "a quoted field is not closed";
          return false;
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            out->push_back('"');
            ++pos_;
            continue;
          }
          if (!AtRecordEnd()) {
            *error = "unexpected character after a closing quote";
            return false;
          }
          return true;
        }
        if (c == '\n') ++line_;
        out->push_back(c);
      }
    }
    while (!AtRecordEnd()) {
      const char c = text_[pos_];
      if (c == '"') {
        *error = "a quote inside an unquoted field (quote the whole field and double the quote)";
        return false;
      }
      if (c == '\r') {
        *error = "a carriage return outside a quoted field";
        return false;
      }
      out->push_back(c);
      ++pos_;
    }
    return true;
  }

  void SkipRestOfLine() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

// The CSV rows of one order, being assembled.
struct CsvGroup {
  ImportedOrder imported;
  std::vector<std::string> order_columns;  // the first row's order columns, raw
  std::set<std::string> line_ids;
};

}  // namespace

OrderImportResult ParseOrdersCsv(std::string_view text, TimePoint now) {
  OrderImportResult result;
  ProblemList problems(&result.problems);
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());

  CsvReader reader(text);
  CsvRecord record;
  std::string syntax_error;
  if (!reader.Next(&record, &syntax_error)) {
    problems.Add(1, std::string("empty file; expected the header ") + kOrderCsvHeader);
    return result;
  }
  bool header_ok = syntax_error.empty() && record.fields.size() == kCsvColumnCount;
  for (std::size_t c = 0; header_ok && c < kCsvColumnCount; ++c) header_ok = record.fields[c] == kCsvColumnNames[c];
  if (!header_ok) {
    problems.Add(record.line, std::string("expected the header ") + kOrderCsvHeader);
    return result;
  }

  std::optional<CsvGroup> group;
  std::map<std::string, std::size_t> first_line_of;  // order id -> line of its first row
  const auto close_group = [&] {
    if (group) {
      group->imported.order.paid_at = group->imported.order.placed_at;
      MarkShippedInFull(group->imported.order, std::nullopt);
      result.orders.push_back(std::move(group->imported));
    }
    group.reset();
  };

  while (reader.Next(&record, &syntax_error)) {
    const std::size_t line = record.line;
    if (!syntax_error.empty()) {
      problems.Add(line, syntax_error);
      continue;
    }
    if (record.fields.size() != kCsvColumnCount) {
      problems.Add(line, "expected " + std::to_string(kCsvColumnCount) + " columns, found " +
                             std::to_string(record.fields.size()));
      continue;
    }
    const auto& f = record.fields;
    const auto fail = [&](CsvColumn col, const std::string& message) {
      problems.Add(line, std::string(kCsvColumnNames[col]) + ": " + message);
    };

    // Which order does this row belong to?
    const std::string& order_id = f[kColOrderId];
    if (Problem p = IdProblem(order_id)) {
      fail(kColOrderId, *p);
      continue;
    }
    if (!group || group->imported.order.id != order_id) {
      close_group();
      const auto [it, inserted] = first_line_of.emplace(order_id, line);
      if (!inserted) {
        problems.Add(line, "order " + Quote(order_id) + " appeared before (line " + std::to_string(it->second) +
                               "): the rows of one order must be consecutive");
        continue;
      }
      group.emplace();
      group->imported.line = line;
      Order& order = group->imported.order;
      order.id = order_id;
      order.created_at = now;
      group->order_columns.assign(f.begin() + kColBuyerId, f.begin() + kColLineId);

      if (Problem p = IdProblem(f[kColBuyerId])) fail(kColBuyerId, *p);
      order.buyer_id = f[kColBuyerId];
      if (Problem p = CurrencyProblem(f[kColCurrency])) fail(kColCurrency, *p);
      order.currency = f[kColCurrency];
      bool times_ok = true;
      if (Problem p = TimeValue(f[kColPlacedAt], now, &order.placed_at)) {
        fail(kColPlacedAt, *p);
        times_ok = false;
      }
      if (!f[kColDeliveredAt].empty()) {
        TimePoint delivered = 0;
        if (Problem p = TimeValue(f[kColDeliveredAt], now, &delivered)) {
          fail(kColDeliveredAt, *p);
        } else {
          order.delivered_at = delivered;
          if (times_ok && delivered < order.placed_at) fail(kColDeliveredAt, "must not be before placed_at");
        }
      }
      if (Problem p = IntFromText(f[kColShippingPaid], 0, kMaxImportAmount, &order.shipping_paid)) {
        fail(kColShippingPaid, *p);
      }
    } else {
      // A further row of the same order: its order columns must repeat the first row's.
      for (int col = kColBuyerId; col < kColLineId; ++col) {
        if (f[col] != group->order_columns[col - kColBuyerId]) {
          fail(static_cast<CsvColumn>(col),
               "differs from the order's first row (line " + std::to_string(group->imported.line) + ")");
        }
      }
    }

    OrderLine order_line;
    if (Problem p = IdProblem(f[kColLineId])) {
      fail(kColLineId, *p);
    } else if (!group->line_ids.insert(f[kColLineId]).second) {
      fail(kColLineId, "line " + Quote(f[kColLineId]) + " appears twice in order " + Quote(order_id));
    }
    order_line.line_id = f[kColLineId];
    if (Problem p = TextProblem(f[kColSku], kMaxSkuBytes)) fail(kColSku, *p);
    order_line.sku = f[kColSku];
    if (Problem p = TextProblem(f[kColTitle], kMaxTitleBytes)) fail(kColTitle, *p);
    order_line.title = f[kColTitle];
    if (Problem p = IntFromText(f[kColQty], 1, kMaxImportQty, &order_line.qty)) fail(kColQty, *p);
    if (Problem p = IntFromText(f[kColPaid], 0, kMaxImportAmount, &order_line.paid)) fail(kColPaid, *p);
    const std::string& no_reason = f[kColNoReasonReturn];
    if (no_reason == "false") {
      order_line.no_reason_return = false;
    } else if (!no_reason.empty() && no_reason != "true") {
      fail(kColNoReasonReturn, "must be true, false or empty (true)");
    }
    if (group->imported.order.lines.size() >= kMaxImportLines) {
      problems.Add(line, "order " + Quote(order_id) + " has more than " + std::to_string(kMaxImportLines) + " lines");
    }
    group->imported.order.lines.push_back(std::move(order_line));
  }
  close_group();
  if (!result.ok()) result.orders.clear();
  return result;
}

}  // namespace aftersales
