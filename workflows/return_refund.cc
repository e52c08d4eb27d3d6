// Compiles the return_refund machine in its own translation unit.
#include "workflows/return_refund.h"

#include "workflows/machine_adapter.h"

namespace aftersales::workflow {

const Workflow& ReturnRefundWorkflow() {
  static const MachineAdapter<ReturnRefundMachine> kWorkflow;
  return kWorkflow;
}

}  // namespace aftersales::workflow
