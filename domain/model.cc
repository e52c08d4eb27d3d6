#include "domain/model.h"

namespace aftersales {

const char* NameOf(RefundStatus s) {
  switch (s) {
    case RefundStatus::kPending: return "pending";
    case RefundStatus::kIssued: return "issued";
    case RefundStatus::kFailed: return "failed";
  }
  return "pending";
}

}  // namespace aftersales

namespace aftersales {

const char* NameOf(CompensationForm f) {
  switch (f) {
    case CompensationForm::kCash: return "cash";
    case CompensationForm::kVoucher: return "voucher";
    case CompensationForm::kPoints: return "points";
  }
  return "voucher";
}

std::optional<CompensationForm> ParseCompensationForm(const std::string& s) {
  for (auto f : {CompensationForm::kCash, CompensationForm::kVoucher, CompensationForm::kPoints}) {
    if (s == NameOf(f)) return f;
  }
  return std::nullopt;
}

}  // namespace aftersales
