// The case types: each has its transition table in its own header and
// translation unit (refund_only.h/.cc, …); this is the one list of them.
#include <cstdio>
#include <cstdlib>

#include "workflows/workflow.h"

namespace aftersales {
namespace workflow {
const Workflow& RefundOnlyWorkflow();
const Workflow& ReturnRefundWorkflow();
const Workflow& ExchangeWorkflow();
const Workflow& CompensationWorkflow();
const Workflow& RepairWorkflow();
}  // namespace workflow

const std::vector<const Workflow*>& Workflow::All() {
  static const std::vector<const Workflow*> kAll = {
      &workflow::RefundOnlyWorkflow(),
      &workflow::ReturnRefundWorkflow(),
      &workflow::ExchangeWorkflow(),
      &workflow::CompensationWorkflow(),
      &workflow::RepairWorkflow(),
  };
  return kAll;
}

const Workflow& Workflow::For(CaseType type) {
  for (const Workflow* w : All()) {
    if (w->type() == type) return *w;
  }
  // A CaseType without a table is a build mistake, never a request's: stop
  // rather than run the case through another type's rules.
  std::fprintf(stderr, "aftersales: no transition table for case type %d\n", static_cast<int>(type));
  std::abort();
}

}  // namespace aftersales
