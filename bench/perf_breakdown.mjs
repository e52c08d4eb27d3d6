// perf_breakdown: where a request's CPU goes, from a `perf record` of the
// server (bench/lifecycle_http.mjs --perf PREFIX writes one per phase).
//
//   perf script -i PREFIX-lifecycle.data | node bench/perf_breakdown.mjs [--other N]
//
// Each sample is given to the first part of a request, in the order below,
// one of whose markers is in its call stack, so that a COMMIT's fdatasync
// is counted as the sync and not as the engine that called it. Prints a
// Markdown table of the shares; --other N also lists the N leaf functions
// most often left in "other", to see what the markers miss.
import { createInterface } from 'node:readline';

const PARTS = [
  ['COMMIT: fdatasync', ['fdatasync', 'do_fsync']],
  ['COMMIT: WAL frames and commit', ['GroupCommit::CommitBatch', 'SqliteWriteTxn::Commit']],
  ['auth: bearer token lookup', ['Authenticate']],
  ['idempotency record', ['Idempoten']],
  ['wake-ups and thread hand-offs', ['futex', 'pthread_cond', 'epoll', '__schedule']],
  ['access log and metrics', ['OnLogged', 'AccessLog', 'HttpMetrics::Observe']],
  ['HTTP: rendering and writing the response', ['write_response', 'WriteReply', '__libc_write', 'tcp_sendmsg', '__sys_sendto', 'sendmsg']],
  ['HTTP: reading and parsing the request', ['read_headers', 'stream_line_reader', '__libc_recv', 'recvfrom', 'tcp_recvmsg', 'parse_request_line', 'read_content', '__libc_read']],
  ['HTTP: route matching', ['regex', 'MatchRoutePath']],
  ['engine: staff events from the case history', ['RecordStaffEvents']],
  ['engine: report facts', ['PutCaseFacts']],
  ['engine: audit entry (canonical JSON, SHA-256)', ['AuditLog::Append', 'Canonical', 'Sha256']],
  ['engine: other SQLite statements', ['sqlite3_step', 'sqlite3_prepare', 'SqliteStatement', 'SqliteConnection::Prepare', 'SqliteReadTxn', 'BeginRead']],
  ['engine: JSON parse and render (case documents, request bodies)', ['CaseFromRow', 'CaseJson', 'CaseToRow', 'parser<', 'serializer<', 'WireJson', 'CaseView']],
  ['engine: workflow, checks and the rest', ['CaseCommands', 'OrderCommands', 'CaseQueries', 'CaseWork', 'Workflow', 'JsonApi']],
  ['deadline scheduler and webhook dispatcher', ['DeadlineScheduler', 'DeadlineSweeper', 'WebhookDispatcher']],
  ['HTTP: connection loop and other plumbing', ['httplib::', 'HttpServer', 'GuardedServer', 'ConnectionLoop']],
];

const otherLimit = process.argv[2] === '--other' ? Number(process.argv[3]) : 0;
const counts = new Map(PARTS.map(([name]) => [name, 0]));
counts.set('other', 0);
const otherLeaves = new Map();
let stack = [];
let total = 0;

function flush() {
  if (stack.length === 0) return;
  total++;
  const text = stack.join('\n');
  const part = PARTS.find(([, markers]) => markers.some((m) => text.includes(m)));
  if (part) {
    counts.set(part[0], counts.get(part[0]) + 1);
  } else {
    counts.set('other', counts.get('other') + 1);
    otherLeaves.set(stack[0], (otherLeaves.get(stack[0]) || 0) + 1);
  }
  stack = [];
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') {
    flush();
  } else if (/^\s/.test(line)) {
    const frame = line.trim().split(' ').slice(1).join(' ');
    if (frame) stack.push(frame);
  } else {
    stack = [];  // a sample's header line
  }
}
flush();

if (total === 0) {
  console.error('perf_breakdown: no samples on stdin (pipe `perf script -i FILE` into it)');
  process.exit(1);
}
console.log(`| part of the request | share of the server's CPU samples (${total}) |`);
console.log('|---|---:|');
for (const [name, n] of counts) console.log(`| ${name} | ${((100 * n) / total).toFixed(1)}% |`);
for (const [leaf, n] of [...otherLeaves].sort((a, b) => b[1] - a[1]).slice(0, otherLimit)) console.log(`${n} ${leaf}`);
