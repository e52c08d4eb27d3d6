// Fuzz target `policy`: the policy loader (workflows/policy.h), by both of
// its ways in: a policy file (`serve --policy FILE`, LoadPolicyFile) and the
// body of PUT /api/v1/policy (ParseJsonBody, then ParsePolicy).
//
// Input: the bytes of a policy document.
//
// Invariants, beyond "no crash, no sanitizer report, no exception":
//  - a body the HTTP layer reads as JSON gets the same verdict from the file
//    loader, naming the same key when refused;
//  - an accepted policy round-trips: the stored form (its document dumped,
//    as PolicyRegistry stores it) parses back to the same typed policy,
//    since a stored version that no longer parses serves 500s;
//  - an accepted policy's numbers are in range and every score total falls
//    into a band.

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "fuzz/fuzz_check.h"
#include "web/json_body.h"
#include "workflows/policy.h"

namespace aftersales::fuzz {
namespace {

using nlohmann::json;

// The typed policy as JSON, to compare two parses field by field.
json TypedPolicy(const Policy& p) {
  json bands = json::array();
  for (const auto& b : p.scorecard.bands) {
    bands.push_back({{"name", b.name}, {"min_points", b.min_points ? json(*b.min_points) : json(nullptr)}});
  }
  json deadlines = json::array();
  for (const auto& rule : p.deadline_rules) deadlines.push_back({rule.hours, rule.business_hours});
  json late = nullptr;
  if (const auto& rule = p.LateCompensation()) late = {rule->percent, rule->min, rule->max, rule->form};
  json paid_by = json::object();
  for (const auto& [reason, payer] : p.return_shipping_paid_by) paid_by[reason] = NameOf(payer);
  return {{"preset", p.preset},
          {"no_reason_window_days", p.no_reason_window_days},
          {"default_window_days", p.default_window_days},
          {"fault_exchange_window_days", p.fault_exchange_window_days},
          {"compensation_reasons", p.compensation_reasons},
          {"refund_issue_no_reason_from_submit", p.refund_issue_no_reason_from_submit},
          {"ship_within_hours", p.fulfilment.ship_within_hours ? json(*p.fulfilment.ship_within_hours) : json()},
          {"late_compensation", late},
          {"compensation",
           {p.compensation.window_days, p.compensation.max_percent_of_paid, p.compensation.voucher_valid_days}},
          {"failures_before_choice", p.repair.failures_before_choice},
          {"warranty_days", p.warranty_days},
          {"warranty_days_by_sku_prefix", p.warranty_days_by_sku_prefix},
          {"webhook_retention_days", p.webhook_retention_days},
          {"return_shipping_paid_by", paid_by},
          {"calendar", p.calendar ? json(p.calendar->time_zone_name()) : json()},
          {"reasons", p.reasons},
          {"reject_reasons", p.reject_reasons},
          {"agent_limit", p.agent_limit},
          {"supervisor_limit", p.supervisor_limit},
          {"return_address", p.return_address},
          {"deadlines", deadlines},
          {"receipt_after_delivery_hours", p.receipt_after_delivery_hours},
          {"scorecard_points", p.scorecard.points},
          {"scorecard_bands", bands},
          {"risk",
           {p.risk.window_days, p.risk.cases, p.risk.refund_only_cases, p.risk.refunded_amount,
            p.risk.return_rate_percent, p.risk.min_orders_for_rate, p.risk.require_supervisor}}};
}

std::string FirstField(const Status& s) { return s.errors().empty() ? "" : s.errors().front().field; }

void CheckAccepted(const Policy& policy) {
  // As PolicyRegistry stores a version and reads it back.
  const json stored = json::parse(policy.document.dump(), nullptr, false);
  FUZZ_CHECK(!stored.is_discarded(), "the stored form of an accepted policy is not JSON");
  auto reread = ParsePolicy(stored);
  FUZZ_CHECK(reread.ok(), "the stored form of an accepted policy is refused: " + reread.status().message());
  FUZZ_CHECK(TypedPolicy(*reread) == TypedPolicy(policy), "the stored form of a policy reads differently:\n  " +
                                                              TypedPolicy(policy).dump() + "\n  " +
                                                              TypedPolicy(*reread).dump());

  FUZZ_CHECK(policy.no_reason_window_days >= 1 && policy.default_window_days >= 1, "a return window below a day");
  constexpr TimePoint kStart = 1795000000;  // 2026-11-18
  for (int k = 0; k < kDeadlineKindCount; ++k) {
    const auto kind = static_cast<DeadlineKind>(k);
    if (kind == DeadlineKind::kOrderShip && !policy.fulfilment.ship_within_hours) continue;  // unsupervised
    FUZZ_CHECK(policy.DueAt(kind, kStart) > kStart, "a deadline that is not in the future");
  }
  FUZZ_CHECK(policy.IsReason("no_reason"), "an accepted policy without no_reason");
  for (std::int64_t total :
       {std::numeric_limits<std::int64_t>::min(), std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
    FUZZ_CHECK(!policy.scorecard.BandOf(total).empty(), "score total " + std::to_string(total) + " has no band");
  }
}

// The file the loader reads, rewritten for each input: an in-memory file
// (memfd) opened through /proc, so that the loader's real file reading runs
// without a disk write per input.
class PolicyFile {
 public:
  PolicyFile() : fd_(::memfd_create("policy.json", 0)), path_("/proc/self/fd/" + std::to_string(fd_)) {
    FUZZ_CHECK(fd_ >= 0, std::string("memfd_create failed: ") + std::strerror(errno));
  }
  ~PolicyFile() { ::close(fd_); }
  PolicyFile(const PolicyFile&) = delete;
  PolicyFile& operator=(const PolicyFile&) = delete;

  const std::string& Write(std::string_view bytes) {
    const bool written =
        ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
    FUZZ_CHECK(written, std::string("cannot write the policy file: ") + std::strerror(errno));
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace
}  // namespace aftersales::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aftersales;
  using namespace aftersales::fuzz;
  static PolicyFile file;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  auto from_file = LoadPolicyFile(file.Write(bytes));
  if (from_file.ok()) {
    CheckAccepted(*from_file);
  } else {
    FUZZ_CHECK(from_file.status().code() == Code::kValidationFailed,
               std::string("LoadPolicyFile answered ") + CodeName(from_file.status().code()));
  }

  auto body = ParseJsonBody(bytes);
  if (!body.ok()) return 0;
  auto from_body = ParsePolicy(*body);
  FUZZ_CHECK(from_body.ok() == from_file.ok(),
             "PUT /policy and the policy file disagree: " +
                 (from_body.ok() ? from_file.status().message() : from_body.status().message()));
  if (from_body.ok()) {
    FUZZ_CHECK(TypedPolicy(*from_body) == TypedPolicy(*from_file), "PUT /policy and the policy file read differently");
  } else {
    FUZZ_CHECK(FirstField(from_body.status()) == FirstField(from_file.status()),
               "PUT /policy and the policy file name different keys: " + FirstField(from_body.status()) + " and " +
                   FirstField(from_file.status()));
  }
  return 0;
}
