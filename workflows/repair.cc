// Compiles the repair machine in its own translation unit.
#include "workflows/repair.h"

#include "workflows/machine_adapter.h"

namespace aftersales::workflow {

const Workflow& RepairWorkflow() {
  static const MachineAdapter<RepairMachine> kWorkflow;
  return kWorkflow;
}

}  // namespace aftersales::workflow
