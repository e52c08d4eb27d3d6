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
