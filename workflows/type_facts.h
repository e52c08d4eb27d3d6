// TypeFacts: what a case type decides for all the rows of its transition
// table, stated once on its machine (`kFacts`). Plain value.
#pragma once

#include "domain/vocabulary.h"

namespace aftersales {

// What an approve is checked against the caller's limit with.
enum class LimitBasis {
  kRequestedAmount,  // the money asked for
  kLinesValue,       // the value of the case's lines (a replacement agrees 0)
};

struct TypeFacts {
  CaseType type = CaseType::kRefundOnly;
  // The goods come back before money or a replacement: approve fixes
  // return_required true, and so do offers and grants unless they say
  // otherwise. False (refund_only): an offer or grant requiring a return is
  // refused (400).
  bool returns_goods = true;
  // Approve agrees to a replacement (agreed 0), not to money (exchange).
  bool replacement = false;
  LimitBasis approve_limit_on = LimitBasis::kRequestedAmount;
};

}  // namespace aftersales
