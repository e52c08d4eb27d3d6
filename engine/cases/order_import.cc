#include "engine/cases/order_import.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "domain/utf8.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxSkuBytes = 64;
constexpr std::size_t kMaxTitleBytes = 500;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

constexpr std::array<const char*, 7> kOrderFields = {"id",           "buyer_id",      "currency", "placed_at",
                                                     "delivered_at", "shipping_paid", "lines"};
constexpr std::array<const char*, 6> kLineFields = {"line_id", "sku", "title", "qty", "paid", "no_reason_return"};

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

using Problem = std::optional<std::string>;

// ---------------------------------------------------------------------------
// Field rules shared by both formats. Each returns the problem, if any.

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Problem IdProblem(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength || !std::all_of(s.begin(), s.end(), IsIdChar)) {
    return "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'";
  }
  return std::nullopt;
}

Problem CurrencyProblem(std::string_view s) {
  if (s.size() != 3 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return "must be three upper-case letters (ISO 4217)";
  }
  return std::nullopt;
}

Problem TextProblem(std::string_view s, std::size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes || !IsCleanUtf8(s)) {
    return "must be 1 to " + std::to_string(max_bytes) + " bytes of UTF-8 text without control characters";
  }
  return std::nullopt;
}

Problem TimeValue(std::string_view s, TimePoint now, TimePoint* out) {
  const std::optional<TimePoint> t = ParseTime(s);
  if (!t) return "must be an RFC 3339 date-time such as 2026-11-27T06:23:46Z";
  if (*t > now) return "must not be in the future";
  *out = *t;
  return std::nullopt;
}

std::string RangeText(std::int64_t min, std::int64_t max) {
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

Problem IntFromJson(const json& v, std::int64_t min, std::int64_t max, std::int64_t* out) {
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(n) >= min) {
      *out = static_cast<std::int64_t>(n);
      return std::nullopt;
    }
  } else if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    if (n >= min && n <= max) {
      *out = n;
      return std::nullopt;
    }
  }
  return RangeText(min, max);
}

Problem IntFromText(std::string_view s, std::int64_t min, std::int64_t max, std::int64_t* out) {
  // Plain decimal digits only: no sign, no spaces, no fraction, no exponent.
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return RangeText(min, max);
  }
  std::int64_t n = 0;
  for (char c : s) n = n * 10 + (c - '0');  // at most 18 digits: no overflow
  if (n < min || n > max) return RangeText(min, max);
  *out = n;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Problems, capped.

class ProblemList {
 public:
  explicit ProblemList(std::vector<ImportProblem>* out) : out_(out) {}
  void Add(std::size_t line, std::string message) {
    if (out_->size() < kMaxImportProblems) {
      out_->push_back({line, std::move(message)});
    } else if (!capped_) {
      capped_ = true;
      out_->push_back({0, "more than " + std::to_string(kMaxImportProblems) + " problems; the rest were not listed"});
    }
  }

 private:
  std::vector<ImportProblem>* out_;
  bool capped_ = false;
};

// Line numbers of byte offsets.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(i);
    }
  }
  std::size_t LineOf(std::size_t offset) const {
    return 1 +
           static_cast<std::size_t>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

 private:
  std::vector<std::size_t> newlines_;
};

// ---------------------------------------------------------------------------
// JSON

// Checks one JSON member against a rule; records the problem under `field`.
class JsonFields {
 public:
  JsonFields(const json& object, std::string prefix, std::vector<FieldError>* errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  template <std::size_t N>
  void RefuseUnknown(const std::array<const char*, N>& known) {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
        Fail(it.key(), "unknown field");
      }
    }
  }
  // The member, or nullptr after recording "required" when absent.
  const json* Required(const char* key) {
    auto it = object_.find(key);
    if (it == object_.end()) {
      Fail(key, "is required");
      return nullptr;
    }
    return &*it;
  }
  bool String(const char* key, Problem (*rule)(std::string_view), std::string* out) {
    const json* v = Required(key);
    if (v == nullptr) return false;
    if (!v->is_string()) return Fail(key, "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (Problem p = rule(s)) return Fail(key, *p);
    *out = s;
    return true;
  }
  bool Text(const char* key, std::size_t max_bytes, std::string* out) {
    const json* v = Required(key);
    if (v == nullptr) return false;
    if (!v->is_string()) return Fail(key, "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (Problem p = TextProblem(s, max_bytes)) return Fail(key, *p);
    *out = s;
    return true;
  }
  bool Time(const char* key, bool nullable, TimePoint now, std::optional<TimePoint>* out) {
    const json* v = Required(key);
    if (v == nullptr) return false;
    if (nullable && v->is_null()) {
      out->reset();
      return true;
    }
    if (!v->is_string()) return Fail(key, nullable ? "must be a date-time string or null" : "must be a string");
    TimePoint t = 0;
    if (Problem p = TimeValue(v->get_ref<const std::string&>(), now, &t)) return Fail(key, *p);
    *out = t;
    return true;
  }
  bool Int(const char* key, std::int64_t min, std::int64_t max, std::int64_t* out) {
    const json* v = Required(key);
    if (v == nullptr) return false;
    if (Problem p = IntFromJson(*v, min, max, out)) return Fail(key, *p);
    return true;
  }
  bool OptionalBool(const char* key, bool* out) {
    auto it = object_.find(key);
    if (it == object_.end()) return true;
    if (!it->is_boolean()) return Fail(key, "must be true or false");
    *out = it->get<bool>();
    return true;
  }
  bool Fail(const std::string& key, std::string message) {
    errors_->push_back({prefix_ + key, std::move(message)});
    return false;
  }

 private:
  const json& object_;
  std::string prefix_;
  std::vector<FieldError>* errors_;
};

// Byte offsets where the elements of a top-level JSON array start. `text`
// must be valid JSON (it was parsed already).
std::vector<std::size_t> TopLevelElementOffsets(std::string_view text) {
  std::vector<std::size_t> starts;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool expect_element = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (depth == 1 && expect_element && c != ']') {
      starts.push_back(i);
      expect_element = false;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (depth == 0) expect_element = true;
        ++depth;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
        if (depth == 1) expect_element = true;
        break;
      default:
        break;
    }
  }
  return starts;
}

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

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string WithoutExceptionId(std::string_view what) {
  const std::size_t end = what.find("] ");
  return std::string(what.substr(end == std::string_view::npos ? 0 : end + 2));
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// The CSV rows of one order, being assembled.
struct CsvGroup {
  ImportedOrder imported;
  std::vector<std::string> order_columns;  // the first row's order columns, raw
  std::set<std::string> line_ids;
};

}  // namespace

OrderFileFormat DetectOrderFileFormat(std::string_view file_name, std::string_view text) {
  const std::size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(file_name.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == "json") return OrderFileFormat::kJson;
    if (ext == "csv") return OrderFileFormat::kCsv;
  }
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '[' ? OrderFileFormat::kJson : OrderFileFormat::kCsv;
}

Result<Order> OrderFromJson(const nlohmann::json& body, TimePoint now) {
  if (!body.is_object()) return Status::Invalid("", "an order must be a JSON object");
  std::vector<FieldError> errors;
  Order order;
  order.created_at = now;

  JsonFields fields(body, "", &errors);
  fields.RefuseUnknown(kOrderFields);
  fields.String("id", IdProblem, &order.id);
  fields.String("buyer_id", IdProblem, &order.buyer_id);
  fields.String("currency", CurrencyProblem, &order.currency);
  std::optional<TimePoint> placed;
  const bool placed_ok = fields.Time("placed_at", /*nullable=*/false, now, &placed);
  const bool delivered_ok = fields.Time("delivered_at", /*nullable=*/true, now, &order.delivered_at);
  if (placed_ok) order.placed_at = *placed;
  if (placed_ok && delivered_ok && order.delivered_at && *order.delivered_at < order.placed_at) {
    fields.Fail("delivered_at", "must not be before placed_at");
  }
  fields.Int("shipping_paid", 0, kMaxImportAmount, &order.shipping_paid);

  if (const json* lines = fields.Required("lines")) {
    if (!lines->is_array() || lines->empty() || lines->size() > kMaxImportLines) {
      fields.Fail("lines", "must be an array of 1 to " + std::to_string(kMaxImportLines) + " lines");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < lines->size(); ++i) {
        const json& item = (*lines)[i];
        const std::string prefix = "lines[" + std::to_string(i) + "].";
        if (!item.is_object()) {
          errors.push_back({"lines[" + std::to_string(i) + "]", "must be an object"});
          continue;
        }
        JsonFields line_fields(item, prefix, &errors);
        line_fields.RefuseUnknown(kLineFields);
        OrderLine line;
        if (line_fields.String("line_id", IdProblem, &line.line_id) && !seen.insert(line.line_id).second) {
          line_fields.Fail("line_id", "line " + Quote(line.line_id) + " appears twice");
        }
        line_fields.Text("sku", kMaxSkuBytes, &line.sku);
        line_fields.Text("title", kMaxTitleBytes, &line.title);
        line_fields.Int("qty", 1, kMaxImportQty, &line.qty);
        line_fields.Int("paid", 0, kMaxImportAmount, &line.paid);
        line_fields.OptionalBool("no_reason_return", &line.no_reason_return);
        order.lines.push_back(std::move(line));
      }
    }
  }

  if (!errors.empty()) {
    Status status(Code::kValidationFailed, errors.front().field + ": " + errors.front().message);
    for (auto& e : errors) status.AddError(std::move(e.field), std::move(e.message));
    return status;
  }
  return order;
}

OrderImportResult ParseOrdersJson(std::string_view text, TimePoint now) {
  OrderImportResult result;
  ProblemList problems(&result.problems);
  const LineIndex lines(text);

  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the byte after the last one read.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    problems.Add(lines.LineOf(std::min(offset, text.size())), "not valid JSON: " + WithoutExceptionId(e.what()));
    return result;
  } catch (const json::exception& e) {
    problems.Add(0, "not valid JSON: " + WithoutExceptionId(e.what()));
    return result;
  }
  if (!doc.is_array()) {
    problems.Add(1, "expected a JSON array of orders");
    return result;
  }

  const std::vector<std::size_t> starts = TopLevelElementOffsets(text);
  std::map<std::string, std::size_t> first_line_of;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const std::size_t line = i < starts.size() ? lines.LineOf(starts[i]) : 0;
    Result<Order> order = OrderFromJson(doc[i], now);
    if (!order.ok()) {
      for (const FieldError& e : order.status().errors()) {
        problems.Add(line,
                     "order #" + std::to_string(i + 1) + (e.field.empty() ? "" : " " + e.field) + ": " + e.message);
      }
      continue;
    }
    const auto [it, inserted] = first_line_of.emplace(order->id, line);
    if (!inserted) {
      problems.Add(line,
                   "order " + Quote(order->id) + " appears twice (first at line " + std::to_string(it->second) + ")");
      continue;
    }
    result.orders.push_back({std::move(*order), line});
  }
  if (!result.ok()) result.orders.clear();
  return result;
}

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
    if (group) result.orders.push_back(std::move(group->imported));
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

OrderImportResult ParseOrders(OrderFileFormat format, std::string_view text, TimePoint now) {
  return format == OrderFileFormat::kJson ? ParseOrdersJson(text, now) : ParseOrdersCsv(text, now);
}

nlohmann::json OrderAuditData(const Order& order) {
  json lines = json::array();
  for (const OrderLine& l : order.lines) {
    lines.push_back({{"line_id", l.line_id},
                     {"sku", l.sku},
                     {"qty", l.qty},
                     {"paid", l.paid},
                     {"no_reason_return", l.no_reason_return}});
  }
  return json{{"order_id", order.id},      {"buyer_id", order.buyer_id},           {"currency", order.currency},
              {"lines", std::move(lines)}, {"shipping_paid", order.shipping_paid}, {"paid_total", order.PaidTotal()}};
}

}  // namespace aftersales
