#include "engine/audit/audit_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "domain/utf8.h"
#include "engine/audit/canonical_json_check.h"
#include "engine/crypto.h"

namespace aftersales {
namespace {

using nlohmann::json;

// I-JSON (RFC 7493) and RFC 8785 represent numbers as IEEE doubles: integers
// beyond ±(2^53 − 1) would not survive a round trip through other verifiers.
constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;
// Audit data is shallow; a deeper document is a bug or a tampered row.
constexpr int kMaxDepth = 256;

Status Refuse(std::string message) { return Status::Invalid("data", std::move(message)); }

// The UTF-16 code units of a UTF-8 string; RFC 8785 §3.2.3 sorts keys by them.
bool ToUtf16(std::string_view s, std::u16string* out) {
  out->clear();
  std::size_t pos = 0;
  while (pos < s.size()) {
    char32_t cp = 0;
    if (!DecodeUtf8(s, &pos, &cp)) return false;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out->push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out->push_back(static_cast<char16_t>(cp));
    }
  }
  return true;
}

// RFC 8785 §3.2.2.2: only '"', '\\' and U+0000..U+001F are escaped, with the
// short forms where JSON has them; everything else is written as is (UTF-8).
Status AppendString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  std::size_t pos = 0;
  while (pos < s.size()) {
    // A run of ASCII that needs no escape is copied as it is.
    const std::size_t run = pos;
    pos = PlainStringRunEnd(s, pos);
    out->append(s.substr(run, pos - run));
    if (pos == s.size()) break;
    const std::size_t start = pos;
    char32_t cp = 0;
    if (!DecodeUtf8(s, &pos, &cp)) return Refuse("a string is not valid UTF-8");
    switch (cp) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (cp < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[cp >> 4]);
          out->push_back(kHex[cp & 0x0f]);
        } else {
          out->append(s.substr(start, pos - start));
        }
    }
  }
  out->push_back('"');
  return Status::Ok();
}

Status AppendValue(const json& v, int depth, std::string* out) {
  if (depth > kMaxDepth) return Refuse("nested too deeply");
  switch (v.type()) {
    case json::value_t::null:
      out->append("null");
      return Status::Ok();
    case json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return Status::Ok();
    case json::value_t::number_integer: {
      const auto n = v.get<std::int64_t>();
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger) return Refuse("integer outside ±(2^53 - 1)");
      out->append(std::to_string(n));
      return Status::Ok();
    }
    case json::value_t::number_unsigned: {
      const auto n = v.get<std::uint64_t>();
      if (n > static_cast<std::uint64_t>(kMaxSafeInteger)) return Refuse("integer outside ±(2^53 - 1)");
      out->append(std::to_string(n));
      return Status::Ok();
    }
    case json::value_t::number_float:
      return Refuse("floating-point numbers are not allowed (integers only)");
    case json::value_t::string:
      return AppendString(v.get_ref<const std::string&>(), out);
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out->push_back(',');
        first = false;
        AS_RETURN_IF_ERROR(AppendValue(item, depth + 1, out));
      }
      out->push_back(']');
      return Status::Ok();
    }
    case json::value_t::object: {
      // nlohmann orders keys by UTF-8 bytes; RFC 8785 wants UTF-16 code
      // units, which differ for characters above U+FFFF against U+E000-U+FFFF.
      std::vector<std::pair<std::u16string, json::const_iterator>> members;
      members.reserve(v.size());
      for (auto it = v.cbegin(); it != v.cend(); ++it) {
        std::u16string key;
        if (!ToUtf16(it.key(), &key)) return Refuse("a key is not valid UTF-8");
        members.emplace_back(std::move(key), it);
      }
      std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& [key, it] : members) {
        if (!first) out->push_back(',');
        first = false;
        AS_RETURN_IF_ERROR(AppendString(it.key(), out));
        out->push_back(':');
        AS_RETURN_IF_ERROR(AppendValue(it.value(), depth + 1, out));
      }
      out->push_back('}');
      return Status::Ok();
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      break;
  }
  return Refuse("not a JSON value");
}

json OptionalString(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

// Parses the stored data column. nullopt when it is not JSON.
std::optional<json> ParseData(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// The entry of SPEC §7 without `hash`, with `data` already parsed.
json HashedEntry(const AuditRow& row, json data) {
  return json{{"seq", row.seq},
              {"at", row.at},
              {"actor", {{"id", row.actor_id}, {"role", row.actor_role}}},
              {"case_id", OptionalString(row.case_id)},
              {"action", row.action},
              {"from_state", OptionalString(row.from_state)},
              {"to_state", OptionalString(row.to_state)},
              {"data", std::move(data)},
              {"prev_hash", row.prev_hash}};
}

Status AppendOptionalString(const std::optional<std::string>& s, std::string* out) {
  if (!s) {
    out->append("null");
    return Status::Ok();
  }
  return AppendString(*s, out);
}

// Writes into *text (replacing what it held) the bytes SPEC §7 hashes for
// `row` given the canonical text of its data: prev_hash followed by the
// canonical entry without `hash`, written here key by key in RFC 8785 order
// (the keys are ASCII, so byte order is UTF-16 order) — the text
// CanonicalJson(HashedEntry(row, data)) would give.
Status WriteHashedText(const AuditRow& row, std::string_view canonical_data, std::string* text) {
  if (row.seq > kMaxSafeInteger || row.seq < -kMaxSafeInteger) return Refuse("integer outside ±(2^53 - 1)");
  text->assign(row.prev_hash);
  text->reserve(text->size() + canonical_data.size() + 256);
  text->append("{\"action\":");
  AS_RETURN_IF_ERROR(AppendString(row.action, text));
  text->append(",\"actor\":{\"id\":");
  AS_RETURN_IF_ERROR(AppendString(row.actor_id, text));
  text->append(",\"role\":");
  AS_RETURN_IF_ERROR(AppendString(row.actor_role, text));
  text->append("},\"at\":");
  AS_RETURN_IF_ERROR(AppendString(row.at, text));
  text->append(",\"case_id\":");
  AS_RETURN_IF_ERROR(AppendOptionalString(row.case_id, text));
  text->append(",\"data\":");
  text->append(canonical_data);
  text->append(",\"from_state\":");
  AS_RETURN_IF_ERROR(AppendOptionalString(row.from_state, text));
  text->append(",\"prev_hash\":");
  AS_RETURN_IF_ERROR(AppendString(row.prev_hash, text));
  text->append(",\"seq\":");
  text->append(std::to_string(row.seq));
  text->append(",\"to_state\":");
  AS_RETURN_IF_ERROR(AppendOptionalString(row.to_state, text));
  text->push_back('}');
  return Status::Ok();
}

// The hash of `row` given the canonical text of its data.
Result<std::string> HashWithCanonicalData(const AuditRow& row, std::string_view canonical_data) {
  std::string text;
  AS_RETURN_IF_ERROR(WriteHashedText(row, canonical_data, &text));
  return Sha256Hex(text);
}

Result<std::string> HashOf(const AuditRow& row) {
  std::optional<json> data = ParseData(row.data);
  if (!data) return Refuse("data is not valid JSON");
  Result<std::string> canonical_data = CanonicalJson(*data);
  if (!canonical_data.ok()) return canonical_data.status();
  return HashWithCanonicalData(row, *canonical_data);
}

std::string SeqText(std::int64_t seq) { return "seq " + std::to_string(seq); }

// Why the stored data of `row` is not the canonical text its hash covers:
// not JSON, not representable canonically, or not in canonical form. Empty
// when it is canonical after all.
std::string DataProblem(const AuditRow& row) {
  std::optional<json> data = ParseData(row.data);
  if (!data) return SeqText(row.seq) + ": data is not valid JSON (entry edited)";
  Result<std::string> canonical = CanonicalJson(*data);
  if (!canonical.ok()) {
    return SeqText(row.seq) + ": data is not canonical: " + canonical.status().message() + " (entry edited)";
  }
  // The hash covers the parsed data, so a re-spaced or re-ordered data
  // column would still match it: the stored text must be canonical.
  if (*canonical != row.data) return SeqText(row.seq) + ": data is not in canonical form (entry edited)";
  return std::string();
}


// Checks entries one after another in seq order: continuity, the
// prev_hash link, canonical data and the hash. Stops at the first bad one.
class ChainChecker {
 public:
  explicit ChainChecker(const ScanProgress& progress) : progress_(progress) {}

  // False once an entry fails; the result then names it.
  bool Check(const AuditRow& row) {
    if (row.seq > expected_seq_) return Fail(expected_seq_, SeqText(expected_seq_) + " missing (entry deleted)");
    if (row.seq < expected_seq_) {
      return Fail(row.seq, SeqText(row.seq) + ": out of sequence, expected " + SeqText(expected_seq_));
    }
    if (row.prev_hash != prev_hash_) {
      return Fail(row.seq, SeqText(row.seq) + ": prev_hash does not match the previous entry's hash " +
                               "(entry inserted, deleted or reordered)");
    }
    // One pass over the stored text proves it canonical, so it is hashed as
    // stored: no parse tree, no re-serialisation. Only a text that fails
    // the pass is parsed, to say why (DataProblem, as the full check says).
    if (!IsCanonicalJson(row.data)) {
      std::string problem = DataProblem(row);
      if (!problem.empty()) return Fail(row.seq, std::move(problem));
    }
    if (!WriteHashedText(row, row.data, &hashed_text_).ok() || !hasher_.HexDigest(hashed_text_, &hex_) ||
        !ConstantTimeEquals(std::string_view(hex_.data(), hex_.size()), row.hash)) {
      return Fail(row.seq, SeqText(row.seq) + ": hash mismatch (entry edited)");
    }
    ++result_.entries;
    prev_hash_ = row.hash;
    ++expected_seq_;
    progress_.Tick(result_.entries);
    return true;
  }

  AuditVerification TakeResult() { return std::move(result_); }

 private:
  bool Fail(std::int64_t seq, std::string problem) {
    result_.ok = false;
    result_.first_bad_seq = seq;
    result_.problem = std::move(problem);
    return false;
  }

  const ScanProgress& progress_;
  AuditVerification result_;
  std::int64_t expected_seq_ = 1;
  std::string prev_hash_ = kGenesisHash;
  // Reused for every entry: the hashed bytes and the hash context.
  std::string hashed_text_;
  Sha256Hasher hasher_;
  Sha256Hasher::Hex hex_{};
};

// Hands rows from the scanning thread to the checking one in batches, a
// fixed few of them recycled, so the copies reuse their strings' memory and
// the scan runs at most a few batches ahead. One producer, one consumer.
class RowHandoff {
 public:
  static constexpr std::size_t kBatchRows = 256;
  static constexpr std::size_t kBatches = 4;

  struct Batch {
    std::vector<AuditRow> rows = std::vector<AuditRow>(kBatchRows);
    std::size_t size = 0;
  };

  RowHandoff() {
    for (Batch& b : batches_) free_.push_back(&b);
  }

  // Producer: copies `row` into the batch being filled. False once the
  // consumer has stopped (a bad entry), which ends the scan.
  bool Add(const AuditRow& row) {
    if (stopped_.load(std::memory_order_relaxed)) return false;
    if (!filling_ && !(filling_ = TakeFree())) return false;
    filling_->rows[filling_->size++] = row;  // assignment keeps the strings' capacity
    if (filling_->size == kBatchRows) {
      Hand(filling_);
      filling_ = nullptr;
    }
    return true;
  }

  // Producer: the scan is over (or failed); hands over what is left.
  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (filling_ && filling_->size > 0) full_.push_back(filling_);
    filling_ = nullptr;
    done_ = true;
    changed_.notify_all();
  }

  // Consumer: the next full batch in scan order, or null when none will come.
  Batch* NextFull() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    Batch* b = full_.front();
    full_.pop_front();
    return b;
  }

  // Consumer: `batch` is checked; the producer may fill it again.
  void Recycle(Batch* batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    batch->size = 0;
    free_.push_back(batch);
    changed_.notify_all();
  }

  // Consumer: no more rows are wanted (a bad entry, or the check is over).
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  Batch* TakeFree() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty() || stopped_; });
    if (stopped_) return nullptr;
    Batch* b = free_.back();
    free_.pop_back();
    return b;
  }

  void Hand(Batch* batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    full_.push_back(batch);
    changed_.notify_all();
  }

  std::array<Batch, kBatches> batches_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch*> full_;     // in scan order
  std::vector<Batch*> free_;
  Batch* filling_ = nullptr;    // the producer's own
  bool done_ = false;
  std::atomic<bool> stopped_{false};  // also read without the lock, at each row
};

// Scans the log into `checker`. The store's scan (SQLite's steps and the
// row copies) and the checks (the canonical pass and SHA-256) each take
// about half of the work, so the scan runs on the calling thread and the
// checks on a second one, a few batches apart; rows are checked in seq
// order, so the first bad entry and the problem reported are those of one
// thread. `progress` is ticked from the checking thread, never from two at
// once. The thread is always joined; an exception it throws is rethrown
// here. Without a second thread (none can be started) all runs here.
Status ScanAndCheck(ReadTxn& txn, ChainChecker& checker) {
  RowHandoff handoff;
  std::exception_ptr thrown;
  std::thread checking;
  try {
    checking = std::thread([&] {
      try {
        while (RowHandoff::Batch* batch = handoff.NextFull()) {
          bool go_on = true;
          for (std::size_t i = 0; i < batch->size && go_on; ++i) go_on = checker.Check(batch->rows[i]);
          handoff.Recycle(batch);
          if (!go_on) break;
        }
      } catch (...) {
        thrown = std::current_exception();
      }
      handoff.Stop();
    });
  } catch (const std::system_error&) {
    return txn.ScanAudit([&](const AuditRow& row) { return checker.Check(row); });
  }
  struct JoinAtExit {
    RowHandoff& handoff;
    std::thread& thread;
    ~JoinAtExit() {
      handoff.Finish();
      thread.join();
    }
  };
  Status scanned;
  {
    JoinAtExit join{handoff, checking};
    scanned = txn.ScanAudit([&](const AuditRow& row) { return handoff.Add(row); });
  }
  if (thrown) std::rethrow_exception(thrown);
  return scanned;
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  AS_RETURN_IF_ERROR(AppendValue(value, 0, &out));
  return out;
}

Result<AuditRow> AuditLog::Append(WriteTxn& txn, const AuditRecord& record) {
  if (record.action.empty()) return Status::Invalid("action", "an audit entry needs an action");
  if (record.actor_id.empty() || record.actor_role.empty()) {
    return Status::Invalid("actor", "an audit entry needs an actor id and role");
  }
  Result<std::optional<AuditLink>> head = txn.AuditChainHead();
  if (!head.ok()) return head.status();

  AuditRow row;
  row.seq = head->has_value() ? (*head)->seq + 1 : 1;
  row.prev_hash = head->has_value() ? (*head)->hash : std::string(kGenesisHash);
  row.at = FormatTime(record.at);
  row.actor_id = record.actor_id;
  row.actor_role = record.actor_role;
  row.case_id = record.case_id;
  row.action = record.action;
  row.from_state = record.from_state;
  row.to_state = record.to_state;
  Result<std::string> data = CanonicalJson(record.data);
  if (!data.ok()) return data.status();
  row.data = std::move(*data);
  // row.data is canonical already: no need to parse it back.
  Result<std::string> hash = HashWithCanonicalData(row, row.data);  // also refuses invalid UTF-8 outside data
  if (!hash.ok()) return Status::Invalid("audit", hash.status().message());
  row.hash = std::move(*hash);

  AS_RETURN_IF_ERROR(txn.AppendAudit(row));
  return row;
}

std::string AuditLog::ComputeHash(const AuditRow& row) {
  // A row whose data is not canonicalizable JSON has no defined hash; the
  // empty string never equals a stored 64-digit hash, so Verify flags it.
  Result<std::string> hash = HashOf(row);
  return hash.ok() ? *hash : std::string();
}

Result<AuditVerification> AuditLog::Verify(ReadTxn& txn, const ScanProgress& progress) {
  ChainChecker checker(progress);
  const Status scanned = ScanAndCheck(txn, checker);
  AuditVerification result = checker.TakeResult();
  // A bad entry stands even when the scan failed further on: the reading
  // ahead of the check may have met a damaged page past it, which a scan
  // that stopped at the bad entry would never have read.
  if (result.ok && !scanned.ok()) return scanned;
  if (result.entries > 0) {
    // The last entry checked (seq == entries), read again in the same
    // snapshot rather than copied at every step of the scan.
    AuditFilter last;
    last.after_seq = result.entries - 1;
    last.limit = 1;
    Result<std::vector<AuditRow>> rows = txn.ListAudit(last);
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) result.head = std::move(rows->front());
  }
  return result;
}

nlohmann::json AuditLog::ToJson(const AuditRow& row) {
  std::optional<json> data = ParseData(row.data);
  json out = HashedEntry(row, data ? std::move(*data) : json(row.data));
  out["hash"] = row.hash;
  return out;
}

AuditRecord AuditRecordOf(const Actor& actor, TimePoint at, std::string action, nlohmann::json data) {
  AuditRecord r;
  r.at = at;
  r.actor_id = actor.id;
  r.actor_role = NameOf(actor.role);
  r.action = std::move(action);
  r.data = std::move(data);
  return r;
}

}  // namespace aftersales
