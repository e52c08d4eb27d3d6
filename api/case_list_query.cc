#include "api/case_list_query.h"

#include "api/case_json.h"
#include "engine/body_reader.h"

namespace aftersales {
namespace {

// Order ids and tracking numbers are short; a longer prefix matches nothing.
constexpr std::size_t kMaxSearchBytes = 64;

// No control characters (the prefix is compared byte by byte).
bool IsPrintableText(const std::string& s) {
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == 0x7F) return false;
  }
  return true;
}

std::optional<bool> ParseBool(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  return std::nullopt;
}

// A list's `limit`: the default page size when absent.
int PageSize(const std::optional<std::string>& limit, std::vector<FieldError>& errors) {
  if (!limit) return CaseQueries::kDefaultPageSize;
  const auto n = ParseDecimal(*limit, 1, CaseQueries::kMaxPageSize);
  if (!n) {
    errors.push_back({"limit", "must be an integer from 1 to " + std::to_string(CaseQueries::kMaxPageSize)});
    return CaseQueries::kDefaultPageSize;
  }
  return static_cast<int>(*n);
}

void ReadIds(const CaseListParams& p, CaseListQuery& q, std::vector<FieldError>& errors) {
  if (p.assignee) {
    if (*p.assignee == "me") {
      q.assignee_is_caller = true;
    } else if (*p.assignee == "none") {
      q.unassigned = true;
    } else if (IsValidId(*p.assignee)) {
      q.assignee = p.assignee;
    } else {
      errors.push_back({"assignee", "must be a user id, me or none"});
    }
  }
  if (p.order_id) {
    if (!IsValidId(*p.order_id)) errors.push_back({"order_id", "must be an id"});
    q.order_id = p.order_id;
  }
  if (p.buyer_id) {
    if (!IsValidId(*p.buyer_id)) errors.push_back({"buyer_id", "must be an id"});
    q.buyer_id = p.buyer_id;
  }
}

void ReadPaging(const CaseListParams& p, CaseListQuery& q, std::vector<FieldError>& errors) {
  if (p.sort) {
    if (*p.sort == "due_at" || *p.sort == "created_at") {
      q.sort_by_due = *p.sort == "due_at";
    } else {
      errors.push_back({"sort", "must be due_at or created_at"});
    }
  }
  q.limit = PageSize(p.limit, errors);
  if (p.cursor) {
    q.after = DecodeCursor(*p.cursor, q.sort_by_due);
    if (!q.after) errors.push_back({"cursor", "is not a cursor this list gave"});
  }
}

}  // namespace

Result<CaseListQuery> ParseCaseListQuery(const CaseListParams& p) {
  CaseListQuery q;
  std::vector<FieldError> errors;
  for (const auto& s : p.states) {
    if (auto state = ParseState(s)) {
      q.states.push_back(*state);
    } else {
      errors.push_back({"state", "unknown state " + s});
    }
  }
  if (p.type) {
    q.type = ParseCaseType(*p.type);
    if (!q.type) errors.push_back({"type", "unknown type " + *p.type});
  }
  ReadIds(p, q, errors);
  if (p.breached) {
    q.breached = ParseBool(*p.breached);
    if (!q.breached) errors.push_back({"breached", "must be true or false"});
  }
  if (p.due_before) {
    q.due_before = ParseTime(*p.due_before);
    if (!q.due_before) errors.push_back({"due_before", "must be an RFC 3339 date-time"});
  }
  if (p.risk) {
    if (*p.risk == "flagged") {
      q.flagged_only = true;
    } else {
      errors.push_back({"risk", "must be flagged"});
    }
  }
  if (p.actionable) {
    if (*p.actionable == "me") {
      q.actionable_by_caller = true;
    } else {
      errors.push_back({"actionable", "must be me"});
    }
  }
  if (p.search) {
    if (p.search->empty() || p.search->size() > kMaxSearchBytes || !IsPrintableText(*p.search)) {
      errors.push_back(
          {"search", "must be 1 to " + std::to_string(kMaxSearchBytes) + " bytes of text without control characters"});
    } else {
      q.search = p.search;
    }
  }
  ReadPaging(p, q, errors);
  AS_RETURN_IF_ERROR(ValidationErrors(errors));
  return q;
}

Result<OrderListQuery> ParseOrderListQuery(const OrderListParams& p) {
  OrderListQuery q;
  std::vector<FieldError> errors;
  for (const auto& s : p.shipment) {
    if (auto status = ParseShipmentStatus(s)) {
      q.statuses.push_back(*status);
    } else {
      errors.push_back({"shipment", "must be unshipped, shipped or refunded"});
    }
  }
  if (p.buyer_id) {
    if (!IsValidId(*p.buyer_id)) errors.push_back({"buyer_id", "must be an id"});
    q.buyer_id = p.buyer_id;
  }
  if (p.breached) {
    q.breached = ParseBool(*p.breached);
    if (!q.breached) errors.push_back({"breached", "must be true or false"});
  }
  if (p.ship_before) {
    q.ship_before = ParseTime(*p.ship_before);
    if (!q.ship_before) errors.push_back({"ship_before", "must be an RFC 3339 date-time"});
  }
  if (p.sort) {
    if (*p.sort == "ship_by" || *p.sort == "placed_at") {
      q.by_ship_by = *p.sort == "ship_by";
    } else {
      errors.push_back({"sort", "must be ship_by or placed_at"});
    }
  }
  q.limit = PageSize(p.limit, errors);
  if (p.cursor) {
    q.after = DecodeCursor(*p.cursor, q.by_ship_by);
    if (!q.after) errors.push_back({"cursor", "is not a cursor this list gave"});
  }
  AS_RETURN_IF_ERROR(ValidationErrors(errors));
  return q;
}

}  // namespace aftersales
