#include "engine/cases/order_import.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "engine/cases/order_rules.h"

namespace aftersales {
namespace {

using nlohmann::json;
using namespace order_rules;

constexpr std::array<const char*, 10> kOrderFields = {"id",           "buyer_id",      "currency", "placed_at",
                                                      "delivered_at", "shipping_paid", "lines",    "paid_at",
                                                      "ship_by",      "shipped_at"};
constexpr std::array<const char*, 6> kLineFields = {"line_id", "sku", "title", "qty", "paid", "no_reason_return"};

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
  // An optional time (absent or null: none), not after `latest`.
  bool OptionalTime(const char* key, TimePoint latest, std::optional<TimePoint>* out) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return true;
    if (!it->is_string()) return Fail(key, "must be a date-time string or null");
    TimePoint t = 0;
    if (Problem p = TimeValue(it->get_ref<const std::string&>(), latest, &t)) return Fail(key, *p);
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

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string WithoutExceptionId(std::string_view what) {
  const std::size_t end = what.find("] ");
  return std::string(what.substr(end == std::string_view::npos ? 0 : end + 2));
}

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
  // SPEC §10.1: paid_at (default placed_at), ship_by, shipped_at.
  std::optional<TimePoint> paid_at, shipped_at;
  const bool paid_ok = fields.OptionalTime("paid_at", now, &paid_at);
  fields.OptionalTime("ship_by", std::numeric_limits<TimePoint>::max(), &order.ship_by);
  const bool shipped_ok = fields.OptionalTime("shipped_at", now, &shipped_at);
  if (placed_ok) order.paid_at = paid_at.value_or(order.placed_at);
  if (placed_ok && paid_ok && paid_at && *paid_at < order.placed_at) fields.Fail("paid_at", "must not be before placed_at");
  if (placed_ok && paid_ok && order.ship_by && *order.ship_by < order.paid_at) {
    fields.Fail("ship_by", "must not be before paid_at");
  }
  if (placed_ok && paid_ok && shipped_ok && shipped_at && *shipped_at < order.paid_at) {
    fields.Fail("shipped_at", "must not be before paid_at");
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
  // Given shipped_at or delivered_at, the order is shipped in full: one
  // shipment, carrier and tracking null, dated shipped_at, else
  // delivered_at (SPEC §10.1, v3.1); unsupervised.
  MarkShippedInFull(order, shipped_at);
  return order;
}

void MarkShippedInFull(Order& order, std::optional<TimePoint> shipped_at) {
  if (!shipped_at && !order.delivered_at) return;
  OrderShipment all;
  all.id = "shp_" + order.id + "_1";
  all.shipped_at = shipped_at ? *shipped_at : *order.delivered_at;
  for (const auto& l : order.lines) all.lines.push_back({l.line_id, l.qty});
  order.shipments = {std::move(all)};
  order.shipment_status = ShipmentStatus::kShipped;
  order.ship_by.reset();
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
