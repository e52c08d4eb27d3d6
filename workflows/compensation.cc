// Compiles the compensation machine in its own translation unit.
#include "workflows/compensation.h"

#include "workflows/machine_adapter.h"

namespace aftersales::workflow {

const Workflow& CompensationWorkflow() {
  static const MachineAdapter<CompensationMachine> kWorkflow;
  return kWorkflow;
}

}  // namespace aftersales::workflow
