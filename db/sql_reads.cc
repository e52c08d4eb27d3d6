#include "db/sql_reads.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <tuple>

#include "db/sql_rows.h"
#include "domain/utf8.h"

namespace aftersales::sql {
namespace {

// The few rows of one case or one order (its deadlines, texts, lines, its
// order's cases) are sorted here, by the same key the statement would sort
// them by: an ORDER BY that no index serves makes SQLite build a temporary
// B-tree for each statement, whose set-up and allocations cost more than
// sorting a handful of rows. Keys end in a unique column (an id, or an
// order line's position, which the store writes 0..n-1 once), so the order
// is total and the same on every store.
template <class Row, class Key>
std::vector<Row> SortedBy(std::vector<Row> rows, Key key) {
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return key(a) < key(b); });
  return rows;
}
template <class Row, class Key>
Result<std::vector<Row>> SortedBy(Result<std::vector<Row>> rows, Key key) {
  if (!rows.ok()) return rows.status();
  return SortedBy(std::move(*rows), key);
}

auto ByDue(const DeadlineRow& d) { return std::tie(d.due_at, d.id); }
auto ByCreation(const CaseRow& c) { return std::tie(c.created_at, c.id); }

const std::string kCasesOfOrderSql = std::string("SELECT ") + kCaseColumns + " FROM cases WHERE order_id = ?";
const std::string kOtherCasesOfOrderSql = kCasesOfOrderSql + " AND id <> ?";
// order_lines has no column named as one of orders' (id, paid_at, ...), so
// kOrderColumns reads the order's.
const std::string kOrderWithLinesSql = std::string("SELECT ") + kOrderColumns +
                                       ", l.line_id, l.sku, l.title, l.qty, l.paid, l.no_reason_return, l.position"
                                       " FROM orders LEFT JOIN order_lines l ON l.order_id = orders.id"
                                       " WHERE orders.id = ?";

const std::string kListedDeadlinesSql = std::string("SELECT ") + kDeadlineColumns +
                                        " FROM deadlines WHERE case_id = ? AND status IN ('open', 'breached')";
const std::string kListedOrderDeadlinesSql = std::string("SELECT ") + kDeadlineColumns +
                                             " FROM deadlines WHERE order_id = ? AND status IN ('open', 'breached')";

}  // namespace

// The ids are read with json_each: one statement text (one cached
// statement) for any number of ids.
const std::string kCasesOfOrdersSql = std::string("SELECT ") + kCaseColumns +
                                      " FROM cases WHERE order_id IN (SELECT value FROM json_each(?))"
                                      " ORDER BY order_id, created_at, id";
const std::string kListedDeadlinesOfSql = std::string("SELECT ") + kDeadlineColumns +
                                          " FROM deadlines WHERE case_id IN (SELECT value FROM json_each(?))"
                                          " AND status IN ('open', 'breached') ORDER BY case_id, due_at, id";
const std::string kListedOrderDeadlinesOfSql = std::string("SELECT ") + kDeadlineColumns +
                                               " FROM deadlines WHERE order_id IN (SELECT value FROM json_each(?))"
                                               " AND status IN ('open', 'breached') ORDER BY order_id, due_at, id";
const std::string kTextsOfCasesSql = std::string("SELECT ") + kTextColumns +
                                     " FROM texts WHERE case_id IN (SELECT value FROM json_each(?))"
                                     " ORDER BY case_id, created_at, id";

namespace {

// Runs `sql` with the parameters bound by `bind` and decodes every row with
// `decode`. Errors: unavailable.
template <class T, class Bind, class Decode>
Result<std::vector<T>> QueryAll(Connection& conn, std::string_view sql, Bind bind, Decode decode) {
  Result<StatementHandle> stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  bind(**stmt);
  std::vector<T> rows;
  while (true) {
    Result<bool> row = (*stmt)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return rows;
    Result<T> decoded = decode(**stmt);
    if (!decoded.ok()) return decoded.status();
    rows.push_back(std::move(*decoded));
  }
}

// As QueryAll, for at most one row.
template <class T, class Bind, class Decode>
Result<std::optional<T>> QueryOne(Connection& conn, std::string_view sql, Bind bind, Decode decode) {
  Result<StatementHandle> stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  bind(**stmt);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<T>();
  Result<T> decoded = decode(**stmt);
  if (!decoded.ok()) return decoded.status();
  return std::optional<T>(std::move(*decoded));
}

// A single integer (COUNT(*) and the like).
template <class Bind>
Result<std::int64_t> QueryCount(Connection& conn, std::string_view sql, Bind bind) {
  Result<StatementHandle> stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  bind(**stmt);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*stmt)->ColumnInt(0) : std::int64_t{0};
}

constexpr auto kNoParams = [](Statement&) {};

// Binds `ids` as the one JSON array a batch read's json_each(?) reads.
auto BindTextArray(const std::vector<std::string>& ids) {
  return [array = EncodeTextArray(ids)](Statement& s) { s.BindText(array); };
}

// The least text greater than every text that starts with `prefix`, byte
// by byte: the prefix with its last code point replaced by the next one
// (UTF-8 keeps code point order byte-wise and no encoding is a prefix of
// another). A last U+10FFFF has no next one and is dropped first; nullopt
// when nothing is left. Valid UTF-8 in, valid UTF-8 out, which PostgreSQL
// requires of a text parameter (a bound such as prefix + 0xFF is not).
std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    std::size_t start = prefix.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(prefix[start]) & 0xC0) == 0x80) --start;
    const auto lead = static_cast<unsigned char>(prefix[start]);
    const std::size_t length = prefix.size() - start;
    std::uint32_t c = lead < 0x80 ? lead : lead < 0xE0 ? lead & 0x1F : lead < 0xF0 ? lead & 0x0F : lead & 0x07;
    for (std::size_t i = 1; i < length; ++i) c = (c << 6) | (static_cast<unsigned char>(prefix[start + i]) & 0x3F);
    prefix.resize(start);
    if (c >= 0x10FFFF) continue;
    ++c;
    if (c == 0xD800) c = 0xE000;  // no surrogates in UTF-8
    AppendUtf8(prefix, c);
    return prefix;
  }
  return std::nullopt;
}

std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

}  // namespace

Result<std::vector<CaseListQuery>> BuildCaseListQueries(const CaseFilter& filter) {
  std::vector<CaseListQuery> queries;
  if (filter.limit <= 0) return queries;

  std::vector<std::string> conditions;
  std::vector<std::variant<std::int64_t, std::string>> params;
  if (!filter.states.empty()) {
    conditions.push_back("state IN (" + Placeholders(filter.states.size()) + ")");
    for (State state : filter.states) params.emplace_back(std::string(NameOf(state)));
  }
  if (filter.type) {
    conditions.push_back("type = ?");
    params.emplace_back(std::string(NameOf(*filter.type)));
  }
  if (filter.assignee) {
    conditions.push_back("assignee = ?");
    params.emplace_back(*filter.assignee);
  }
  if (filter.unassigned) conditions.push_back("assignee IS NULL");
  if (filter.order_id) {
    conditions.push_back("order_id = ?");
    params.emplace_back(*filter.order_id);
  }
  if (filter.buyer_id) {
    conditions.push_back("buyer_id = ?");
    params.emplace_back(*filter.buyer_id);
  }
  if (filter.breached) {
    conditions.push_back("breached = ?");
    params.emplace_back(std::int64_t{*filter.breached ? 1 : 0});
  }
  if (filter.due_before) {
    conditions.push_back("next_due_at < ?");
    params.emplace_back(*filter.due_before);
  }
  // A literal, so that SQLite can use the partial index cases_flagged.
  if (filter.flagged_only) conditions.push_back("risk_flagged = 1");
  if (filter.search_prefix) {
    // A prefix as a key range (no LIKE, whose case folding defeats the
    // indexes): [prefix, successor), or [prefix, …) when the prefix has no
    // successor (it is all U+10FFFF).
    const std::string low = *filter.search_prefix;
    const std::optional<std::string> high = PrefixSuccessor(low);
    std::string any;
    for (const char* column : {"order_id", "return_tracking_no", "replacement_tracking_no"}) {
      any += any.empty() ? "((" : " OR (";
      any += std::string(column) + " >= ?" + (high ? std::string(" AND ") + column + " < ?" : "") + ")";
      params.emplace_back(low);
      if (high) params.emplace_back(*high);
    }
    conditions.push_back(any + ")");
  }

  auto make = [&](std::vector<std::string> extra, std::vector<std::variant<std::int64_t, std::string>> extra_params,
                  const char* order_by, const char* from = "cases") {
    CaseListQuery q;
    q.sql = std::string("SELECT ") + kCaseColumns + " FROM " + from;
    std::vector<std::string> all = conditions;
    all.insert(all.end(), extra.begin(), extra.end());
    for (std::size_t i = 0; i < all.size(); ++i) q.sql += (i == 0 ? " WHERE " : " AND ") + all[i];
    q.sql += std::string(" ORDER BY ") + order_by + " LIMIT ?";
    q.params = params;
    q.params.insert(q.params.end(), extra_params.begin(), extra_params.end());
    return q;
  };

  if (!filter.sort_by_due) {
    if (!filter.has_cursor) {
      queries.push_back(make({}, {}, "created_at, id"));
    } else if (!filter.cursor_key) {
      return Status::Invalid("cursor", "a created_at cursor needs a key");
    } else {
      queries.push_back(make({"(created_at, id) > (?, ?)"}, {*filter.cursor_key, filter.cursor_id}, "created_at, id"));
    }
    return queries;
  }

  // Due sort, cases without a deadline last. Two index range scans instead of
  // one NULLS LAST sort, which no index serves: first the cases with a
  // deadline by (next_due_at, id), then those without by id.
  const bool cursor_in_nulls = filter.has_cursor && !filter.cursor_key;
  if (!cursor_in_nulls) {
    if (filter.has_cursor) {
      queries.push_back(make({"next_due_at IS NOT NULL", "(next_due_at, id) > (?, ?)"},
                             {*filter.cursor_key, filter.cursor_id}, "next_due_at, id"));
    } else {
      queries.push_back(make({"next_due_at IS NOT NULL"}, {}, "next_due_at, id"));
    }
  }
  if (!filter.due_before) {  // a case without a deadline is never due before anything
    // Every closed case is without a deadline, so the ranges of cases_due
    // and cases_assignee "without a deadline" hold the shop's whole history
    // (or an agent's), which SQLite, having no statistics, would read for a
    // queue of open states. Those states' few cases without a deadline are
    // then read from cases_state_due (state, next_due_at, id), its range
    // next_due_at IS NULL of each state, named with INDEXED BY.
    // (PostgreSQL chooses by its statistics: its dialect drops the hint.)
    const bool open_states_only =
        !filter.states.empty() && std::none_of(filter.states.begin(), filter.states.end(), IsTerminal);
    const char* from = open_states_only ? "cases INDEXED BY cases_state_due" : "cases";
    if (cursor_in_nulls) {
      queries.push_back(make({"next_due_at IS NULL", "id > ?"}, {filter.cursor_id}, "id", from));
    } else {
      queries.push_back(make({"next_due_at IS NULL"}, {}, "id", from));
    }
  }
  return queries;
}

template <class Base>
Result<std::optional<Order>> SqlReads<Base>::GetOrder(const std::string& id) {
  // The order and its lines in one statement: a row per line, the order's
  // columns first (read from the first row), or a single row without a
  // line (its line columns NULL) for an order that has none.
  Result<StatementHandle> stmt = conn_.Prepare(kOrderWithLinesSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(id);
  std::optional<Order> order;
  using PlacedLine = std::pair<std::int64_t, OrderLine>;  // position, line
  std::vector<PlacedLine> lines;
  constexpr int kLine = kOrderColumnCount;
  while (true) {
    AS_ASSIGN_OR_RETURN(const bool row, (*stmt)->Step());
    if (!row) break;
    if (!order) {
      AS_ASSIGN_OR_RETURN(Order read, ReadOrder(**stmt));
      order = std::move(read);
    }
    if ((*stmt)->IsNull(kLine)) continue;
    AS_ASSIGN_OR_RETURN(OrderLine line, ReadOrderLine(**stmt, kLine));
    lines.emplace_back((*stmt)->ColumnInt(kLine + 6), std::move(line));
  }
  if (!order) return order;
  for (auto& placed : SortedBy(std::move(lines), [](const PlacedLine& l) { return l.first; })) {
    order->lines.push_back(std::move(placed.second));
  }
  return order;
}

template <class Base>
Result<std::vector<Order>> SqlReads<Base>::ListOrders(const OrderFilter& filter, int limit) {
  // The queue's page: one query for the orders, one for all their lines.
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders o WHERE 1 = 1";
  std::vector<std::variant<std::int64_t, std::string>> params;
  if (!filter.statuses.empty()) {
    sql += " AND shipment_status IN (";
    for (std::size_t i = 0; i < filter.statuses.size(); ++i) {
      sql += i ? ", ?" : "?";
      params.emplace_back(std::string(NameOf(filter.statuses[i])));
    }
    sql += ")";
  }
  if (filter.buyer_id) {
    sql += " AND buyer_id = ?";
    params.emplace_back(*filter.buyer_id);
  }
  if (filter.ship_before) {
    sql += " AND ship_by < ?";
    params.emplace_back(*filter.ship_before);
  }
  if (filter.breached) {
    sql += std::string(*filter.breached ? " AND" : " AND NOT") +
           " EXISTS (SELECT 1 FROM deadlines d WHERE d.order_id = o.id AND d.breached_at IS NOT NULL)";
  }
  // Sort key: ship_by with nulls last (as a large sentinel), or placed_at.
  const std::string key = filter.by_ship_by ? "COALESCE(ship_by, 9223372036854775807)" : "placed_at";
  if (filter.after_set) {
    sql += " AND (" + key + " > ? OR (" + key + " = ? AND id > ?))";
    const std::int64_t k = filter.after_key.value_or(INT64_MAX);
    params.emplace_back(k);
    params.emplace_back(k);
    params.emplace_back(filter.after_id);
  }
  sql += " ORDER BY " + key + ", id LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(limit));
  AS_ASSIGN_OR_RETURN(
      auto orders, QueryAll<Order>(
                       conn_, sql,
                       [&](Statement& s) {
                         for (const auto& p : params) {
                           if (const auto* i = std::get_if<std::int64_t>(&p)) {
                             s.BindInt(*i);
                           } else {
                             s.BindText(std::get<std::string>(p));
                           }
                         }
                       },
                       ReadOrder));
  if (orders.empty()) return orders;
  std::string line_sql =
      "SELECT line_id, sku, title, qty, paid, no_reason_return, order_id FROM order_lines WHERE order_id IN (";
  for (std::size_t i = 0; i < orders.size(); ++i) line_sql += i ? ", ?" : "?";
  line_sql += ") ORDER BY order_id, position";
  std::map<std::string, Order*> by_id;
  for (auto& o : orders) by_id[o.id] = &o;
  using OwnedLine = std::pair<std::string, OrderLine>;  // order id, line
  AS_ASSIGN_OR_RETURN(auto lines,
                      QueryAll<OwnedLine>(
                          conn_, line_sql,
                          [&](Statement& s) {
                            for (const auto& o : orders) s.BindText(o.id);
                          },
                          [](Statement& s) -> Result<OwnedLine> {
                            AS_ASSIGN_OR_RETURN(OrderLine l, ReadOrderLine(s));
                            return std::make_pair(s.ColumnText(6), std::move(l));
                          }));
  for (auto& [order_id, line] : lines) by_id[order_id]->lines.push_back(std::move(line));
  return orders;
}

template <class Base>
Result<std::vector<DeadlineRow>> SqlReads<Base>::ListedOrderDeadlines(const std::string& order_id) {
  return SortedBy(QueryAll<DeadlineRow>(conn_, kListedOrderDeadlinesSql, [&](Statement& s) { s.BindText(order_id); }, ReadDeadline),
                  ByDue);
}

template <class Base>
Result<std::vector<DeadlineRow>> SqlReads<Base>::ListedOrderDeadlinesOf(const std::vector<std::string>& order_ids) {
  if (order_ids.empty()) return std::vector<DeadlineRow>();
  return QueryAll<DeadlineRow>(conn_, kListedOrderDeadlinesOfSql, BindTextArray(order_ids), ReadDeadline);
}

template <class Base>
Result<std::optional<CaseRow>> SqlReads<Base>::GetCase(const std::string& id) {
  return QueryOne<CaseRow>(
      conn_, std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = ?",
      [&](Statement& s) { s.BindText(id); }, ReadCaseRow);
}

template <class Base>
Result<std::vector<CaseRow>> SqlReads<Base>::CasesOfOrder(const std::string& order_id) {
  return SortedBy(QueryAll<CaseRow>(conn_, kCasesOfOrderSql, [&](Statement& s) { s.BindText(order_id); }, ReadCaseRow),
                  ByCreation);
}

template <class Base>
Result<std::vector<CaseRow>> SqlReads<Base>::OtherCasesOfOrder(const std::string& order_id,
                                                                 const std::string& case_id) {
  // The case itself is left out by the statement, so that its row (its
  // document above all) is not copied only to be dropped.
  return SortedBy(QueryAll<CaseRow>(conn_, kOtherCasesOfOrderSql,
                                    [&](Statement& s) { s.BindText(order_id).BindText(case_id); }, ReadCaseRow),
                  ByCreation);
}

template <class Base>
Result<std::vector<CaseRow>> SqlReads<Base>::CasesOfOrders(const std::vector<std::string>& order_ids) {
  if (order_ids.empty()) return std::vector<CaseRow>();
  return QueryAll<CaseRow>(conn_, kCasesOfOrdersSql, BindTextArray(order_ids), ReadCaseRow);
}

template <class Base>
Result<std::vector<CaseRow>> SqlReads<Base>::ListCases(const CaseFilter& filter) {
  Result<std::vector<CaseListQuery>> queries = BuildCaseListQueries(filter);
  if (!queries.ok()) return queries.status();
  std::vector<CaseRow> rows;
  for (const CaseListQuery& q : *queries) {
    const std::int64_t wanted = static_cast<std::int64_t>(filter.limit) - static_cast<std::int64_t>(rows.size());
    if (wanted <= 0) break;
    Result<std::vector<CaseRow>> part = QueryAll<CaseRow>(
        conn_, q.sql,
        [&](Statement& s) {
          for (const auto& p : q.params) {
            if (std::holds_alternative<std::int64_t>(p)) {
              s.BindInt(std::get<std::int64_t>(p));
            } else {
              s.BindText(std::get<std::string>(p));
            }
          }
          s.BindInt(wanted);
        },
        ReadCaseRow);
    if (!part.ok()) return part.status();
    for (CaseRow& row : *part) rows.push_back(std::move(row));
  }
  return rows;
}

template <class Base>
Result<std::vector<CaseRow>> SqlReads<Base>::CasesOfBuyer(const std::string& buyer_id, TimePoint from,
                                                             TimePoint to) {
  return QueryAll<CaseRow>(
      conn_,
      std::string("SELECT ") + kCaseColumns +
          " FROM cases WHERE buyer_id = ? AND created_at >= ? AND created_at <= ? ORDER BY created_at, id",
      [&](Statement& s) { s.BindText(buyer_id).BindInt(from).BindInt(to); }, ReadCaseRow);
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from,
                                                           TimePoint to) {
  return QueryCount(conn_, "SELECT COUNT(*) FROM orders WHERE buyer_id = ? AND placed_at >= ? AND placed_at <= ?",
                    [&](Statement& s) { s.BindText(buyer_id).BindInt(from).BindInt(to); });
}

template <class Base>
Result<std::vector<DeadlineRow>> SqlReads<Base>::ListedDeadlines(const std::string& case_id) {
  return SortedBy(QueryAll<DeadlineRow>(conn_, kListedDeadlinesSql, [&](Statement& s) { s.BindText(case_id); }, ReadDeadline),
                  ByDue);
}

template <class Base>
Result<std::vector<DeadlineRow>> SqlReads<Base>::ListedDeadlinesOf(const std::vector<std::string>& case_ids) {
  if (case_ids.empty()) return std::vector<DeadlineRow>();
  return QueryAll<DeadlineRow>(conn_, kListedDeadlinesOfSql, BindTextArray(case_ids), ReadDeadline);
}

template <class Base>
Result<std::vector<DeadlineRow>> SqlReads<Base>::DueDeadlines(TimePoint now, int limit) {
  if (limit <= 0) return std::vector<DeadlineRow>();
  return QueryAll<DeadlineRow>(
      conn_, kDueDeadlinesSql, [&](Statement& s) { s.BindInt(now).BindInt(limit); }, ReadDeadline);
}

template <class Base>
Result<std::vector<ExtendableDeadline>> SqlReads<Base>::OpenDeadlinesDueBefore(DeadlineKind kind,
                                                                                 std::optional<State> state,
                                                                                 TimePoint due_before) {
  // A range scan of deadlines_open_due up to due_before.
  std::string sql =
      "SELECT d.id, d.case_id, d.kind, d.started_at, d.due_at, d.status, d.closed_at, d.order_id, c.state,"
      " COALESCE(c.policy_version, o.policy_version)"
      " FROM deadlines d LEFT JOIN cases c ON c.id = d.case_id LEFT JOIN orders o ON o.id = d.order_id"
      " WHERE d.status = 'open' AND d.due_at < ? AND d.kind = ?";
  if (state) sql += " AND c.state = ?";
  sql += " ORDER BY d.due_at, d.id";
  return QueryAll<ExtendableDeadline>(
      conn_, sql,
      [&](Statement& s) {
        s.BindInt(due_before).BindText(NameOf(kind));
        if (state) s.BindText(NameOf(*state));
      },
      [](Statement& s) -> Result<ExtendableDeadline> {
        ExtendableDeadline e;
        AS_ASSIGN_OR_RETURN(e.deadline, ReadDeadline(s));
        if (const auto state_name = s.ColumnOptText(8)) {
          const auto case_state = ParseState(*state_name);
          if (!case_state) return Status::Internal("case " + e.deadline.case_id + " has an unknown state");
          e.case_state = *case_state;
        }
        e.policy_version = static_cast<int>(s.ColumnInt(9));
        return e;
      });
}

template <class Base>
Result<std::vector<Text>> SqlReads<Base>::TextsOfCase(const std::string& case_id) {
  return SortedBy(QueryAll<Text>(conn_, std::string("SELECT ") + kTextColumns + " FROM texts WHERE case_id = ?",
                                 [&](Statement& s) { s.BindText(case_id); }, ReadText),
                  [](const Text& t) { return std::tie(t.created_at, t.id); });
}

template <class Base>
Result<std::vector<Text>> SqlReads<Base>::TextsOfCases(const std::vector<std::string>& case_ids) {
  if (case_ids.empty()) return std::vector<Text>();
  return QueryAll<Text>(conn_, kTextsOfCasesSql, BindTextArray(case_ids), ReadText);
}

template <class Base>
Result<std::optional<Text>> SqlReads<Base>::GetText(const std::string& id) {
  return QueryOne<Text>(
      conn_, std::string("SELECT ") + kTextColumns + " FROM texts WHERE id = ?",
      [&](Statement& s) { s.BindText(id); }, ReadText);
}

template <class Base>
Result<std::optional<UserRow>> SqlReads<Base>::GetUser(const std::string& id) {
  return QueryOne<UserRow>(
      conn_, std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?",
      [&](Statement& s) { s.BindText(id); }, ReadUser);
}

template <class Base>
Result<std::optional<UserRow>> SqlReads<Base>::GetUserByName(const std::string& name) {
  return QueryOne<UserRow>(
      conn_, std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?",
      [&](Statement& s) { s.BindText(name); }, ReadUser);
}

template <class Base>
Result<std::optional<UserRow>> SqlReads<Base>::GetUserByTokenHash(const std::string& token_sha256) {
  return QueryOne<UserRow>(
      conn_,
      "SELECT u.id, u.name, u.role, u.approval_limit, u.external_id, u.disabled, u.password_hash, u.created_at"
      " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = ?",
      [&](Statement& s) { s.BindText(token_sha256); }, ReadUser);
}

template <class Base>
Result<std::vector<UserRow>> SqlReads<Base>::ListUsers() {
  return QueryAll<UserRow>(conn_, std::string("SELECT ") + kUserColumns + " FROM users ORDER BY created_at, id",
                           kNoParams, ReadUser);
}

template <class Base>
Result<std::optional<AuditRow>> SqlReads<Base>::AuditHead() {
  return QueryOne<AuditRow>(conn_, std::string("SELECT ") + kAuditColumns + " FROM audit ORDER BY seq DESC LIMIT 1",
                            kNoParams, ReadAudit);
}

template <class Base>
Result<std::vector<AuditRow>> SqlReads<Base>::ListAudit(const AuditFilter& filter) {
  if (filter.limit <= 0) return std::vector<AuditRow>();
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ?";
  if (filter.case_id) sql += " AND case_id = ?";
  if (filter.actor_id) sql += " AND actor_id = ?";
  if (filter.action) sql += " AND action = ?";
  if (filter.from) sql += " AND at >= ?";
  if (filter.to) sql += " AND at <= ?";
  if (filter.before_seq) sql += " AND seq < ?";
  sql += filter.newest_first ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq LIMIT ?";
  return QueryAll<AuditRow>(
      conn_, sql,
      [&](Statement& s) {
        s.BindInt(filter.after_seq);
        if (filter.case_id) s.BindText(*filter.case_id);
        if (filter.actor_id) s.BindText(*filter.actor_id);
        if (filter.action) s.BindText(*filter.action);
        if (filter.from) s.BindText(*filter.from);
        if (filter.to) s.BindText(*filter.to);
        if (filter.before_seq) s.BindInt(*filter.before_seq);
        s.BindInt(filter.limit);
      },
      ReadAudit);
}

template <class Base>
Status SqlReads<Base>::ScanAudit(const std::function<bool(const AuditRow&)>& fn) {
  Result<StatementHandle> stmt = conn_.Prepare(std::string("SELECT ") + kAuditColumns + " FROM audit ORDER BY seq");
  if (!stmt.ok()) return stmt.status();
  AuditRow entry;  // one row for the whole scan: its strings keep their buffers
  while (true) {
    Result<bool> row = (*stmt)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    ReadAuditInto(**stmt, &entry);
    if (!fn(entry)) return Status::Ok();
  }
}

template <class Base>
Status SqlReads<Base>::AuditHashes(std::int64_t from_seq, std::int64_t to_seq,
                                      const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) {
  Result<StatementHandle> stmt = conn_.Prepare("SELECT seq, hash FROM audit WHERE seq >= ? AND seq <= ? ORDER BY seq");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt(from_seq).BindInt(to_seq);
  while (true) {
    Result<bool> row = (*stmt)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    if (!fn((*stmt)->ColumnInt(0), (*stmt)->ColumnText(1))) return Status::Ok();
  }
}

template <class Base>
Result<std::optional<PolicyRow>> SqlReads<Base>::GetPolicy(int version) {
  return QueryOne<PolicyRow>(
      conn_, "SELECT version, doc, created_at FROM policies WHERE version = ?",
      [&](Statement& s) { s.BindInt(version); }, ReadPolicy);
}

template <class Base>
Result<std::optional<PolicyRow>> SqlReads<Base>::LatestPolicy() {
  return QueryOne<PolicyRow>(conn_, "SELECT version, doc, created_at FROM policies ORDER BY version DESC LIMIT 1",
                             kNoParams, ReadPolicy);
}

template <class Base>
Result<std::optional<int>> SqlReads<Base>::LatestPolicyVersion() {
  return QueryOne<int>(conn_, "SELECT version FROM policies ORDER BY version DESC LIMIT 1", kNoParams,
                       [](Statement& s) -> Result<int> { return static_cast<int>(s.ColumnInt(0)); });
}

template <class Base>
Result<std::optional<std::string>> SqlReads<Base>::GetSetting(const std::string& key) {
  return QueryOne<std::string>(
      conn_, "SELECT value FROM settings WHERE key = ?", [&](Statement& s) { s.BindText(key); },
      [](Statement& s) -> Result<std::string> { return s.ColumnText(0); });
}

template <class Base>
Result<std::optional<IdempotencyRow>> SqlReads<Base>::GetIdempotency(const std::string& scope,
                                                                        const std::string& key) {
  return QueryOne<IdempotencyRow>(
      conn_, "SELECT scope, key, request_hash, status, body, created_at FROM idempotency WHERE scope = ? AND key = ?",
      [&](Statement& s) { s.BindText(scope).BindText(key); }, ReadIdempotency);
}

template <class Base>
Result<std::optional<SessionRow>> SqlReads<Base>::GetSession(const std::string& id_sha256) {
  return QueryOne<SessionRow>(
      conn_, "SELECT id_sha256, user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_sha256 = ?",
      [&](Statement& s) { s.BindText(id_sha256); }, ReadSession);
}

template <class Base>
Result<std::vector<std::pair<State, std::int64_t>>> SqlReads<Base>::CountCasesByState() {
  return QueryAll<std::pair<State, std::int64_t>>(
      conn_, "SELECT state, COUNT(*) FROM cases GROUP BY state ORDER BY state", kNoParams,
      [](Statement& s) -> Result<std::pair<State, std::int64_t>> {
        const auto state = ParseState(s.ColumnText(0));
        if (!state) return Status::Internal("a case has the unknown state " + s.ColumnText(0));
        return std::make_pair(*state, s.ColumnInt(1));
      });
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountOpenDeadlinesDueBefore(TimePoint t) {
  return QueryCount(conn_, "SELECT COUNT(*) FROM deadlines WHERE status = 'open' AND due_at < ?",
                    [&](Statement& s) { s.BindInt(t); });
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountBreachedDeadlines() {
  return QueryCount(conn_, "SELECT COUNT(*) FROM deadlines WHERE status = 'breached'", kNoParams);
}

template <class Base>
Result<std::vector<WebhookRow>> SqlReads<Base>::ListWebhooks() {
  return QueryAll<WebhookRow>(conn_,
                              std::string("SELECT ") + kWebhookColumns + " FROM webhooks ORDER BY created_at, id",
                              kNoParams, ReadWebhook);
}

template <class Base>
Result<std::optional<WebhookRow>> SqlReads<Base>::GetWebhook(const std::string& id) {
  return QueryOne<WebhookRow>(
      conn_, std::string("SELECT ") + kWebhookColumns + " FROM webhooks WHERE id = ?",
      [&](Statement& s) { s.BindText(id); }, ReadWebhook);
}

template <class Base>
Result<std::optional<OutboxRow>> SqlReads<Base>::GetOutbox(std::int64_t id) {
  return QueryOne<OutboxRow>(
      conn_, std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?",
      [&](Statement& s) { s.BindInt(id); }, ReadOutbox);
}

template <class Base>
Result<std::vector<OutboxRow>> SqlReads<Base>::OutboxAfter(std::int64_t after_id, int limit) {
  if (limit <= 0) return std::vector<OutboxRow>();
  return QueryAll<OutboxRow>(
      conn_, std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
      [&](Statement& s) { s.BindInt(after_id).BindInt(limit); }, ReadOutbox);
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountOutboxAfter(std::int64_t after_id) {
  return QueryCount(conn_, "SELECT COUNT(*) FROM outbox WHERE id > ?",
                    [&](Statement& s) { s.BindInt(after_id); });
}

template <class Base>
Result<std::vector<DeliveryRow>> SqlReads<Base>::DueDeliveries(const std::string& webhook_id, TimePoint now,
                                                                  int limit) {
  if (limit <= 0) return std::vector<DeliveryRow>();
  return QueryAll<DeliveryRow>(
      conn_, kDueDeliveriesSql, [&](Statement& s) { s.BindText(webhook_id).BindInt(now).BindInt(limit); },
      ReadDelivery);
}

template <class Base>
Result<std::vector<DeliveryRow>> SqlReads<Base>::ListDeliveries(const std::string& webhook_id, int limit,
                                                                   std::int64_t after_id) {
  if (limit <= 0) return std::vector<DeliveryRow>();
  return QueryAll<DeliveryRow>(
      conn_,
      std::string("SELECT ") + kDeliveryColumns +
          " FROM deliveries WHERE webhook_id = ? AND id > ? ORDER BY id LIMIT ?",
      [&](Statement& s) { s.BindText(webhook_id).BindInt(after_id).BindInt(limit); }, ReadDelivery);
}

template <class Base>
Result<std::optional<DeliveryRow>> SqlReads<Base>::GetDelivery(std::int64_t id) {
  return QueryOne<DeliveryRow>(
      conn_, std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE id = ?",
      [&](Statement& s) { s.BindInt(id); }, ReadDelivery);
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountPendingDeliveries() {
  return QueryCount(conn_, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'", kNoParams);
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountDeadDeliveries() {
  // A scan of the partial index deliveries_dead: as long as there are dead
  // deliveries, not deliveries.
  return QueryCount(conn_, "SELECT COUNT(*) FROM deliveries WHERE status = 'dead'", kNoParams);
}

namespace {

constexpr const char* kStaffEventColumns = "seq, at, user_id, case_id, kind, value, currency";

StaffEventRow ReadStaffEvent(Statement& s) {
  StaffEventRow row;
  row.seq = s.ColumnInt(0);
  row.at = s.ColumnInt(1);
  row.user_id = s.ColumnText(2);
  row.case_id = s.ColumnText(3);
  row.kind = s.ColumnText(4);
  row.value = s.ColumnInt(5);
  row.currency = s.ColumnOptText(6);
  return row;
}

// A report period [from, to) as two bound parameters `>= ? AND < ?`; an open side
// is the end of the range, so that every period runs the same statement.
void BindPeriod(Statement& s, const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
  s.BindInt(from.value_or(std::numeric_limits<std::int64_t>::min()));
  s.BindInt(to.value_or(std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

template <class Base>
Result<std::vector<StaffEventRow>> SqlReads<Base>::ListStaffEvents(std::int64_t after_seq,
                                                                      std::int64_t up_to_seq) {
  return QueryAll<StaffEventRow>(
      conn_,
      std::string("SELECT ") + kStaffEventColumns +
          " FROM staff_events WHERE seq > ? AND seq <= ? ORDER BY seq, user_id, kind",
      [&](Statement& s) { s.BindInt(after_seq).BindInt(up_to_seq); },
      [](Statement& s) -> Result<StaffEventRow> { return ReadStaffEvent(s); });
}

template <class Base>
Result<std::optional<std::int64_t>> SqlReads<Base>::LastStaffEventSeq() {
  Result<std::optional<std::optional<std::int64_t>>> max = QueryOne<std::optional<std::int64_t>>(
      conn_, "SELECT MAX(seq) FROM staff_events", kNoParams,
      [](Statement& s) -> Result<std::optional<std::int64_t>> { return s.ColumnOptInt(0); });
  if (!max.ok()) return max.status();
  return max->has_value() ? **max : std::optional<std::int64_t>();
}

template <class Base>
Result<std::vector<StaffEventCount>> SqlReads<Base>::CountStaffEvents(std::optional<TimePoint> from,
                                                                         std::optional<TimePoint> to,
                                                                         const std::optional<std::string>& currency) {
  return QueryAll<StaffEventCount>(
      conn_, currency ? kCountStaffEventsInCurrencySql : kCountStaffEventsSql,
      [&](Statement& s) {
        BindPeriod(s, from, to);
        if (currency) s.BindText(*currency);
      },
      [](Statement& s) -> Result<StaffEventCount> {
        return StaffEventCount{s.ColumnText(0), s.ColumnText(1), s.ColumnInt(2), s.ColumnInt(3)};
      });
}

template <class Base>
Result<std::vector<std::pair<std::string, std::int64_t>>> SqlReads<Base>::StaffEventValues(
    const std::string& kind, std::optional<TimePoint> from, std::optional<TimePoint> to) {
  return QueryAll<std::pair<std::string, std::int64_t>>(
      conn_, kStaffEventValuesSql,
      [&](Statement& s) {
        BindPeriod(s, from, to);
        s.BindText(kind);
      },
      [](Statement& s) -> Result<std::pair<std::string, std::int64_t>> {
        return std::make_pair(s.ColumnText(0), s.ColumnInt(1));
      });
}

template <class Base>
Result<std::vector<StaffEventRow>> SqlReads<Base>::StaffEventsOfUser(const std::string& user_id,
                                                                        std::optional<TimePoint> from,
                                                                        std::optional<TimePoint> to) {
  return QueryAll<StaffEventRow>(
      conn_,
      std::string("SELECT ") + kStaffEventColumns +
          " FROM staff_events WHERE user_id = ? AND at >= ? AND at < ? ORDER BY seq, kind",
      [&](Statement& s) {
        s.BindText(user_id);
        BindPeriod(s, from, to);
      },
      [](Statement& s) -> Result<StaffEventRow> { return ReadStaffEvent(s); });
}

// A case's currency is its order's.
template <class Base>
Result<std::optional<std::string>> SqlReads<Base>::MostCommonCaseCurrency() {
  return QueryOne<std::string>(
      conn_,
      "SELECT currency FROM case_facts GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1",
      kNoParams, [](Statement& s) -> Result<std::string> { return s.ColumnText(0); });
}

namespace {

constexpr const char* kCaseFactColumns =
    "case_id, type, reason, buyer_id, currency, state, created_at, requested_amount, agreed_amount, approved_at,"
    " refunded_amount, refunded_at, refunds_failed, return_shipped_at, return_delivered_at, return_received_at,"
    " inspection_result, inspection_grade";

Result<CaseFactsRow> ReadCaseFacts(Statement& s) {
  CaseFactsRow r;
  r.case_id = s.ColumnText(0);
  r.type = s.ColumnText(1);
  r.reason = s.ColumnText(2);
  r.buyer_id = s.ColumnText(3);
  r.currency = s.ColumnText(4);
  r.state = s.ColumnText(5);
  r.created_at = s.ColumnInt(6);
  r.requested_amount = s.ColumnInt(7);
  r.agreed_amount = s.ColumnOptInt(8);
  r.approved_at = s.ColumnOptInt(9);
  r.refunded_amount = s.ColumnInt(10);
  r.refunded_at = s.ColumnOptInt(11);
  r.refunds_failed = s.ColumnInt(12);
  r.return_shipped_at = s.ColumnOptInt(13);
  r.return_delivered_at = s.ColumnOptInt(14);
  r.return_received_at = s.ColumnOptInt(15);
  r.inspection_result = s.ColumnOptText(16);
  r.inspection_grade = s.ColumnOptText(17);
  return r;
}

Result<CaseFactLineRow> ReadCaseFactLine(Statement& s) {
  CaseFactLineRow r;
  r.case_id = s.ColumnText(0);
  r.line_id = s.ColumnText(1);
  r.sku = s.ColumnText(2);
  r.qty = s.ColumnInt(3);
  r.refunded_amount = s.ColumnInt(4);
  r.created_at = s.ColumnInt(5);
  return r;
}

Result<std::int64_t> ReadFirstInt(Statement& s) { return s.ColumnInt(0); }


}  // namespace

template <class Base>
Result<std::optional<CaseFactsRow>> SqlReads<Base>::GetCaseFacts(const std::string& case_id) {
  return QueryOne<CaseFactsRow>(
      conn_, std::string("SELECT ") + kCaseFactColumns + " FROM case_facts WHERE case_id = ?",
      [&](Statement& s) { s.BindText(case_id); }, ReadCaseFacts);
}

template <class Base>
Result<std::vector<CaseFactLineRow>> SqlReads<Base>::CaseFactLines(const std::string& case_id) {
  return QueryAll<CaseFactLineRow>(
      conn_,
      "SELECT case_id, line_id, sku, qty, refunded_amount, created_at FROM case_fact_lines WHERE case_id = ?"
      " ORDER BY line_id",
      [&](Statement& s) { s.BindText(case_id); }, ReadCaseFactLine);
}

template <class Base>
Result<std::int64_t> SqlReads<Base>::CountCaseFacts() {
  return QueryCount(conn_, "SELECT COUNT(*) FROM case_facts", kNoParams);
}

template <class Base>
Result<std::vector<CaseFactTotalsRow>> SqlReads<Base>::CaseFactTotals(std::optional<TimePoint> from,
                                                                         std::optional<TimePoint> to) {
  // A range scan of case_facts_created; the groups are few (reasons ×
  // currencies × grades). Compensation cases are the compensation report's
  // (engine/reports/compensation_report.h), not the goods reports'.
  return QueryAll<CaseFactTotalsRow>(
      conn_,
      "SELECT reason, currency, inspection_grade, COUNT(*),"
      " SUM(CASE WHEN agreed_amount > 0 THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN refunded_at IS NOT NULL THEN 1 ELSE 0 END),"
      " SUM(refunded_amount), SUM(refunds_failed),"
      " SUM(CASE WHEN state = 'refunding' THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN inspection_result IS NOT NULL THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN inspection_result = 'pass' THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN inspection_result = 'fail' THEN 1 ELSE 0 END)"
      " FROM case_facts WHERE created_at >= ? AND created_at < ? AND type <> 'compensation'"
      " GROUP BY reason, currency, inspection_grade ORDER BY reason, currency, inspection_grade",
      [&](Statement& s) { BindPeriod(s, from, to); },
      [](Statement& s) -> Result<CaseFactTotalsRow> {
        CaseFactTotalsRow r;
        r.reason = s.ColumnText(0);
        r.currency = s.ColumnText(1);
        r.inspection_grade = s.ColumnOptText(2);
        r.cases = s.ColumnInt(3);
        r.approved = s.ColumnInt(4);
        r.refunded_cases = s.ColumnInt(5);
        r.refunded_amount = s.ColumnInt(6);
        r.refunds_failed = s.ColumnInt(7);
        r.awaiting_refund = s.ColumnInt(8);
        r.inspected = s.ColumnInt(9);
        r.passed = s.ColumnInt(10);
        r.failed = s.ColumnInt(11);
        return r;
      });
}

template <class Base>
Result<std::vector<CaseFactLineTotalsRow>> SqlReads<Base>::CaseFactLineTotals(std::optional<TimePoint> from,
                                                                                 std::optional<TimePoint> to,
                                                                                 const std::string& currency) {
  // One pass over the covering index case_fact_lines_reason, in group order.
  return QueryAll<CaseFactLineTotalsRow>(
      conn_,
      "SELECT reason, type, sku, COUNT(DISTINCT case_id), SUM(qty),"
      " SUM(CASE WHEN currency = ? THEN refunded_amount ELSE 0 END)"
      " FROM case_fact_lines INDEXED BY case_fact_lines_reason"
      " WHERE created_at >= ? AND created_at < ?"
      " GROUP BY reason, type, sku ORDER BY reason, type, sku",
      [&](Statement& s) {
        s.BindText(currency);
        BindPeriod(s, from, to);
      },
      [](Statement& s) -> Result<CaseFactLineTotalsRow> {
        CaseFactLineTotalsRow r;
        r.reason = s.ColumnText(0);
        r.type = s.ColumnText(1);
        r.sku = s.ColumnText(2);
        r.cases = s.ColumnInt(3);
        r.units = s.ColumnInt(4);
        r.refunded_amount = s.ColumnInt(5);
        return r;
      });
}

template <class Base>
Result<std::vector<std::int64_t>> SqlReads<Base>::CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from,
                                                                     std::optional<TimePoint> to,
                                                                     const std::optional<std::string>& currency) {
  std::string sql;
  switch (span) {
    case CaseFactSpan::kReceipt:
      sql =
          "SELECT return_received_at - COALESCE(return_delivered_at, return_shipped_at) FROM case_facts"
          " WHERE created_at >= ? AND created_at < ?"
          " AND return_received_at IS NOT NULL AND return_shipped_at IS NOT NULL";
      break;
    case CaseFactSpan::kApprovalToRefund:
      sql =
          "SELECT refunded_at - approved_at FROM case_facts WHERE created_at >= ? AND created_at < ?"
          " AND refunded_at IS NOT NULL AND approved_at IS NOT NULL";
      break;
  }
  if (currency) sql += " AND currency = ?";
  sql += " ORDER BY 1";
  return QueryAll<std::int64_t>(
      conn_, sql,
      [&](Statement& s) {
        BindPeriod(s, from, to);
        if (currency) s.BindText(*currency);
      },
      ReadFirstInt);
}

template <class Base>
Result<std::vector<DeadlineTotalsRow>> SqlReads<Base>::DeadlineTotals(std::optional<TimePoint> from,
                                                                         std::optional<TimePoint> to) {
  // A range scan of deadlines_started. A deadline breached before schema
  // version 3 has no breached_at; while still listed its status tells.
  return QueryAll<DeadlineTotalsRow>(
      conn_,
      std::string("SELECT kind, COUNT(*), SUM(CASE WHEN status <> 'done' THEN 1 ELSE 0 END),"
                  " SUM(CASE WHEN breached_at IS NOT NULL OR status = 'breached' THEN 1 ELSE 0 END),"
                  " SUM(CASE WHEN extensions > 0 THEN 1 ELSE 0 END)"
                  " FROM deadlines d WHERE started_at >= ? AND started_at < ?") +
          " GROUP BY kind ORDER BY kind",
      [&](Statement& s) { BindPeriod(s, from, to); },
      [](Statement& s) -> Result<DeadlineTotalsRow> {
        DeadlineTotalsRow r;
        r.kind = s.ColumnText(0);
        r.started = s.ColumnInt(1);
        r.open = s.ColumnInt(2);
        r.breached = s.ColumnInt(3);
        r.extended = s.ColumnInt(4);
        return r;
      });
}

template <class Base>
Result<std::vector<OrderShippingRow>> SqlReads<Base>::OrderShipping(std::optional<TimePoint> from,
                                                                       std::optional<TimePoint> to) {
  // A range scan of orders_paid; the breach from deadlines_order.
  return QueryAll<OrderShippingRow>(
      conn_,
      "SELECT o.paid_at, CASE WHEN o.shipment_status = 'shipped' THEN o.shipped_at END,"
      " EXISTS (SELECT 1 FROM deadlines d WHERE d.order_id = o.id AND d.kind = 'order_ship'"
      " AND (d.breached_at IS NOT NULL OR d.status = 'breached'))"
      " FROM orders o WHERE o.paid_at >= ? AND o.paid_at < ?",
      [&](Statement& s) { BindPeriod(s, from, to); },
      [](Statement& s) -> Result<OrderShippingRow> {
        OrderShippingRow r;
        r.paid_at = s.ColumnInt(0);
        r.shipped_at = s.ColumnOptInt(1);
        r.late = s.ColumnInt(2) != 0;
        return r;
      });
}

template <class Base>
Result<std::vector<std::int64_t>> SqlReads<Base>::DeadlineSecondsToAct(const std::string& kind,
                                                                          std::optional<TimePoint> from,
                                                                          std::optional<TimePoint> to) {
  return QueryAll<std::int64_t>(
      conn_,
      std::string("SELECT closed_at - started_at FROM deadlines d"
                  " WHERE started_at >= ? AND started_at < ? AND kind = ? AND status = 'done'"
                  " AND closed_at IS NOT NULL") +
          " ORDER BY 1",
      [&](Statement& s) {
        BindPeriod(s, from, to);
        s.BindText(kind);
      },
      ReadFirstInt);
}

template <class Base>
Result<std::vector<std::pair<std::string, std::int64_t>>> SqlReads<Base>::SoldUnitsBySku(
    std::optional<TimePoint> from, std::optional<TimePoint> to) {
  return QueryAll<std::pair<std::string, std::int64_t>>(
      conn_,
      "SELECT l.sku, SUM(l.qty) FROM orders o JOIN order_lines l ON l.order_id = o.id"
      " WHERE o.placed_at >= ? AND o.placed_at < ? GROUP BY l.sku ORDER BY l.sku",
      [&](Statement& s) { BindPeriod(s, from, to); },
      [](Statement& s) -> Result<std::pair<std::string, std::int64_t>> {
        return std::make_pair(s.ColumnText(0), s.ColumnInt(1));
      });
}

template class SqlReads<ReadTxn>;
template class SqlReads<WriteTxn>;

}  // namespace aftersales::sql
