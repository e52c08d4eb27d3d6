// The words of the workflow (SPEC §4) the pages need to group cases.
export const STATES = [
  'requested', 'pending_approval', 'negotiating', 'rejected', 'escalated', 'awaiting_return',
  'return_in_transit', 'inspection_failed', 'refunding', 'replacement_pending', 'replacement_shipped',
  'refunded', 'exchanged', 'closed', 'cancelled',
  'repairing', 'repair_ready', 'repair_failed', 'repaired_shipped', 'repaired',
];
export const TERMINAL = ['refunded', 'exchanged', 'closed', 'cancelled', 'repaired'];
export const OPEN_STATES = STATES.filter((s) => !TERMINAL.includes(s));
export const TYPES = ['refund_only', 'return_refund', 'exchange', 'repair'];
