// Compiles the refund_only machine in its own translation unit.
#include "workflows/refund_only.h"

#include "workflows/machine_adapter.h"

namespace aftersales::workflow {

const Workflow& RefundOnlyWorkflow() {
  static const MachineAdapter<RefundOnlyMachine> kWorkflow;
  return kWorkflow;
}

}  // namespace aftersales::workflow
