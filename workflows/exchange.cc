// Compiles the exchange machine in its own translation unit.
#include "workflows/exchange.h"

#include "workflows/machine_adapter.h"

namespace aftersales::workflow {

const Workflow& ExchangeWorkflow() {
  static const MachineAdapter<ExchangeMachine> kWorkflow;
  return kWorkflow;
}

}  // namespace aftersales::workflow
