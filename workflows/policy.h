// Policy: the typed form of SPEC §5's JSON (windows, reasons, limits, the
// return address and deadline lengths). Parsed and validated once; an
// invalid document is refused with the offending key named. Immutable once
// built; thread-safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

struct Policy {
  int version = 0;  // assigned when stored
  int no_reason_window_days = 7;
  int default_window_days = 15;
  std::vector<std::string> reasons;
  std::vector<std::string> reject_reasons;
  Money agent_limit = 20000;
  Money supervisor_limit = 200000;
  nlohmann::json return_address;
  std::array<std::int64_t, kDeadlineKindCount> deadline_hours{};
  std::int64_t receipt_after_delivery_hours = 72;
  nlohmann::json document;  // the validated document, as given

  std::int64_t DeadlineSeconds(DeadlineKind k) const { return deadline_hours[static_cast<int>(k)] * 3600; }
  bool IsReason(const std::string& r) const;
  bool IsRejectReason(const std::string& r) const;
  // The return window in days for a submit reason.
  int WindowDays(const std::string& reason) const {
    return reason == "no_reason" ? no_reason_window_days : default_window_days;
  }
};

// Validates `doc` into a Policy. Errors: validation_failed, with the dotted
// key (for example "deadlines.buyer_ship.hours") as the field.
Result<Policy> ParsePolicy(const nlohmann::json& doc);
// Reads and parses a policy file; the message names the file and the key.
Result<Policy> LoadPolicyFile(const std::string& path);
// The shipped default (workflows/policy.default.json, compiled in).
const char* DefaultPolicyJson();
Policy DefaultPolicy();

}  // namespace aftersales
