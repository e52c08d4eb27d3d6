// The words of the workflow (SPEC §4) the pages need to group cases.
export const STATES = [
  'requested', 'pending_approval', 'negotiating', 'rejected', 'escalated', 'awaiting_return',
  'return_in_transit', 'inspection_failed', 'refunding', 'replacement_pending', 'replacement_shipped',
  'refunded', 'exchanged', 'closed', 'cancelled',
  'repairing', 'repair_ready', 'repair_failed', 'repaired_shipped', 'repaired',
  'compensating', 'compensated',
];
export const TERMINAL = ['refunded', 'exchanged', 'closed', 'cancelled', 'repaired', 'compensated'];
export const OPEN_STATES = STATES.filter((s) => !TERMINAL.includes(s));
export const TYPES = ['refund_only', 'return_refund', 'exchange', 'repair', 'compensation'];
// The deadline kinds a manager may extend in bulk (SPEC §13.3): all but
// merchant_receipt and refund_issue, which carry legal refund limits.
export const EXTENDABLE_DEADLINES = [
  'merchant_response', 'buyer_response', 'appeal_window', 'buyer_ship', 'arbitration', 'replacement_ship',
  'replacement_confirm', 'order_ship', 'compensation_issue', 'repair_complete', 'repaired_ship', 'repaired_confirm',
];
