// CaseDocument: a Case value to and from its stored form (a CaseRow plus its
// listed DeadlineRows). The row's `doc` is JSON text holding every part of
// the case that has no column of its own. Thread-safe; no effect but the memo below.
// CaseFromRow remembers the documents it decoded last (a bounded memo,
// found by the document's whole text), so a document read again is not
// parsed again; CaseToRow remembers the document it encodes the same way,
// so a case just written is not parsed when it is next read either.
#pragma once

#include <vector>

#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

CaseRow CaseToRow(const Case& kase);
// Errors: internal when the stored document is corrupt.
Result<Case> CaseFromRow(const CaseRow& row, const std::vector<DeadlineRow>& deadlines);

}  // namespace aftersales
