// lifecycle_http: what one durable request costs the server, measured as an
// integrator sees it (docs/BENCHMARKS.md, "A request's CPU").
//
//   node bench/lifecycle_http.mjs --bin PATH [--lifecycles N] [--reads N]
//        [--json FILE] [--perf PREFIX] [--callgrind FILE] [--keep] [--quick]
//
// It starts `aftersales serve` on a fresh SQLite file exactly as a shop
// would (real clock, so the deadline scheduler and the webhook dispatcher
// run beside it; the access log on stderr goes to a file, as a service
// manager would send it), creates its users over the API, posts N delivered
// orders, then drives N sequential return_refund lifecycles over one
// keep-alive connection: submit, approve, ship_return, receive,
// refund_issued (5 durable requests each, every answer checked), then N×5
// GET /api/v1/cases/{id}, then 5 s with nothing to answer (what the
// scheduler, the webhook dispatcher and the connection loop cost while
// waiting). The server's CPU is read from its own counters
// (/proc/PID/stat utime + stime, /proc/PID/status context switches) before
// and after each phase, so other work on the machine barely moves it.
//
// Printed per phase: requests, wall time, server CPU per request (user,
// system, total), context switches per request, against the targets of the
// performance issue (0.25 ms per durable request, 0.1 ms per GET). Nothing
// is asserted about speed; the run fails only when a request is not
// answered as the workflow says.
//
// Last, one more lifecycle with the WAL emptied before each request prints
// how many pages each durable request wrote, by table and index (the
// sqlite3 shell must be installed; scripts/install-deps.sh installs it).
//
// --perf PREFIX records the server with `perf record -e cpu-clock
// --call-graph dwarf` (release builds keep no frame pointers) during each
// measured phase, into PREFIX-lifecycle.data and PREFIX-get.data (perf must
// be installed); bench/perf_breakdown.mjs turns one into the table of
// docs/BENCHMARKS.md.
//
// --callgrind FILE runs the server under valgrind's callgrind, which counts
// the instructions it executes (user space) into FILE: a measure that the
// machine's other work does not move, for comparing two builds on the same
// workload (callgrind_annotate FILE; valgrind must be installed). Its CPU
// figures are then valgrind's, not the server's.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

function parseArgs(argv) {
  const o = { bin: '', lifecycles: 200, reads: 0, json: '', perf: '', callgrind: '', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--bin') o.bin = next();
    else if (a === '--lifecycles') o.lifecycles = Number(next());
    else if (a === '--reads') o.reads = Number(next());
    else if (a === '--json') o.json = next();
    else if (a === '--perf') o.perf = next();
    else if (a === '--callgrind') o.callgrind = next();
    else if (a === '--keep') o.keep = true;
    else if (a === '--quick') o.lifecycles = 20;
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.bin) throw new Error('--bin PATH (the aftersales binary) is required');
  if (!(o.lifecycles > 0)) throw new Error('--lifecycles must be a positive number');
  if (!o.reads) o.reads = o.lifecycles * 5;
  return o;
}

// The process's CPU (ms) and context switches from its own counters.
function serverCounters(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const field = (text, name) => Number((text.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [0, 0])[1]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  // Context switches are counted per thread: the sum over the live threads.
  let switches = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      switches += field(t, 'voluntary_ctxt_switches') + field(t, 'nonvoluntary_ctxt_switches');
    } catch {
      // the thread ended meanwhile
    }
  }
  return {
    userMs: (utime * 1000) / ticks,
    systemMs: (stime * 1000) / ticks,
    switches,
    threads: field(status, 'Threads'),
    rssKb: field(status, 'VmRSS'),
  };
}

class Client {
  constructor(base) {
    this.url = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.requests = 0;
  }

  request(method, route, token, body) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { Authorization: `Bearer ${token}` };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.url.hostname, port: this.url.port, method, path: `/api/v1${route}`, headers, agent: this.agent },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            this.requests++;
            const text = Buffer.concat(chunks).toString('utf8');
            let json = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            resolve({ status: res.statusCode, json, text });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async expect(status, method, route, token, body) {
    const answer = await this.request(method, route, token, body);
    if (answer.status !== status) {
      throw new Error(`${method} ${route} answered ${answer.status}, expected ${status}: ${answer.text.slice(0, 300)}`);
    }
    return answer.json;
  }
}

function startServer(bin, dir, callgrind) {
  const db = path.join(dir, 'bench.db');
  const adminToken = 'lifecycle-bench-admin-token-0123456789abcdef';
  const log = openSync(path.join(dir, 'server.err'), 'w');
  const serve = ['serve', '--db', db, '--listen', '127.0.0.1:0'];
  const [command, args] = callgrind
    ? ['valgrind', ['--tool=callgrind', `--callgrind-out-file=${callgrind}`, bin, ...serve]]
    : [bin, serve];
  const startSeconds = callgrind ? 120 : 30;
  const child = spawn(command, args, {
    env: { ...process.env, AFTERSALES_BOOTSTRAP_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', log],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${startSeconds} s`)),
      startSeconds * 1000,
    );
    child.stdout.on('data', (c) => {
      out += c.toString();
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], adminToken });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) at start; see ${dir}/server.err`));
    });
  });
}

function isoAgo(hours) {
  return new Date(Date.now() - hours * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function createUsers(api, adminToken) {
  const users = {};
  for (const role of ['integration', 'agent', 'warehouse', 'finance']) {
    const user = await api.expect(201, 'POST', '/users', adminToken, { name: `bench-${role}`, role });
    users[role] = user.token;
  }
  return users;
}

function startPerf(pid, file) {
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '1000', '--call-graph', 'dwarf,16384', '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => setTimeout(() => resolve(perf), 1000));
}

async function stopPerf(perf) {
  const exited = new Promise((r) => perf.on('exit', r));
  perf.kill('SIGINT');
  await exited;
}

// One phase: runs `work`, returns the server's counters moved by it; with
// `perfFile`, the server is recorded meanwhile.
async function measure(pid, api, name, perfFile, work) {
  const perf = perfFile ? await startPerf(pid, perfFile) : null;
  const before = serverCounters(pid);
  const requestsBefore = api.requests;
  const started = process.hrtime.bigint();
  await work();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const after = serverCounters(pid);
  if (perf) await stopPerf(perf);
  const requests = api.requests - requestsBefore;
  return {
    phase: name,
    requests,
    wall_ms: wallMs,
    user_ms_per_request: (after.userMs - before.userMs) / requests,
    system_ms_per_request: (after.systemMs - before.systemMs) / requests,
    cpu_ms_per_request: (after.userMs + after.systemMs - before.userMs - before.systemMs) / requests,
    switches_per_request: (after.switches - before.switches) / requests,
    threads: after.threads,
    rss_kb: after.rssKb,
  };
}

// The five durable requests of one return_refund lifecycle on order
// `orderId`, each answer checked; `step(name, send)` runs each one (the
// pages phase wraps it). Returns the case id.
async function lifecycle(api, users, orderId, i, step = (name, send) => send()) {
  const kase = await step('submit', () =>
    api.expect(201, 'POST', '/cases', users.integration, {
      order_id: orderId,
      buyer_id: `b-bench-${i % 50}`,
      type: 'return_refund',
      reason: 'quality_issue',
      description: 'The lid leaks.',
      lines: [{ line_id: '1', qty: 1 }],
    }),
  );
  const base = `/cases/${kase.id}/actions`;
  await step('approve', () => api.expect(200, 'POST', `${base}/approve`, users.agent, { expected_version: 1 }));
  await step('ship_return', () =>
    api.expect(200, 'POST', `${base}/ship_return`, users.integration, {
      carrier: 'SF Express',
      tracking_no: `SF${100000 + i}`,
    }),
  );
  await step('receive', () =>
    api.expect(200, 'POST', `${base}/receive`, users.warehouse, { result: 'pass', grade: 'A' }),
  );
  const done = await step('refund_issued', () =>
    api.expect(200, 'POST', `${base}/refund_issued`, users.finance, { external_ref: `ALIPAY-${i}` }),
  );
  if (done.state !== 'refunded') throw new Error(`case ${kase.id} ended ${done.state}, not refunded`);
  return kase.id;
}

// The pages each durable request of one more lifecycle writes. A commit
// appends every page it changed to the WAL, once; with the WAL emptied
// before the request (a TRUNCATE checkpoint through the sqlite3 shell, the
// server being idle between requests), the frames found after the answer
// are that request's pages, each named by the B-tree it belongs to
// (SQLite's dbstat table). Fewer pages is a cheaper COMMIT: less to write
// and to sync.
async function pagesPerRequest(db, api, users, orderId, i) {
  const sqlite = (sql) => execFileSync('sqlite3', [db, sql]).toString();
  const walPages = () => {
    const wal = readFileSync(`${db}-wal`);
    const pages = [];
    // A 32-byte header, then frames of a 24-byte header (page number first) and a page.
    const pageSize = wal.readUInt32BE(8);
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) pages.push(wal.readUInt32BE(at));
    return pages;
  };
  const rows = [];
  await lifecycle(api, users, orderId, i, async (name, send) => {
    sqlite('PRAGMA wal_checkpoint(TRUNCATE)');
    const answer = await send();
    const pages = walPages();
    sqlite('PRAGMA wal_checkpoint(TRUNCATE)');
    const names = sqlite(`SELECT pageno, name FROM dbstat WHERE pageno IN (${pages.join(',') || 0})`)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('|'));
    const nameOf = new Map(names.map(([page, name]) => [Number(page), name]));
    const byTree = {};
    for (const page of pages) {
      const name = nameOf.get(page) || 'other';
      byTree[name] = (byTree[name] || 0) + 1;
    }
    rows.push({ request: name, pages: pages.length, by_tree: byTree });
    return answer;
  });
  return rows;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-lifecycle-'));
  const { child, url, adminToken } = await startServer(options.bin, dir, options.callgrind);
  const results = [];
  let idle = null;
  let pages = [];
  try {
    const api = new Client(url);
    const users = await createUsers(api, adminToken);
    const n = options.lifecycles;
    const orderIds = [];
    console.log(`server pid ${child.pid} at ${url}; ${n + 1} orders posted first`);
    for (let i = 0; i <= n; i++) {  // the last one for the pages phase
      const id = `SO-BENCH-${i}`;
      await api.expect(201, 'POST', '/orders', users.integration, {
        id,
        buyer_id: `b-bench-${i % 50}`,
        currency: 'CNY',
        placed_at: isoAgo(120),
        delivered_at: isoAgo(48),
        shipping_paid: 0,
        lines: [{ line_id: '1', sku: 'CUP-TH-500', title: 'Thermos cup', qty: 2, paid: 12900 }],
      });
      orderIds.push(id);
    }
    const caseIds = [];
    results.push(
      await measure(child.pid, api, 'lifecycle (5 durable requests)', options.perf && `${options.perf}-lifecycle.data`, async () => {
        for (let i = 0; i < n; i++) caseIds.push(await lifecycle(api, users, orderIds[i], i));
      }),
    );
    results.push(
      await measure(child.pid, api, 'GET /api/v1/cases/{id}', options.perf && `${options.perf}-get.data`, async () => {
        for (let i = 0; i < options.reads; i++) {
          const id = caseIds[i % caseIds.length];
          const kase = await api.expect(200, 'GET', `/cases/${id}`, users.agent);
          if (kase.id !== id) throw new Error(`GET /cases/${id} answered case ${kase.id}`);
        }
      }),
    );
    // The server with nothing to answer: what its scheduler, webhook
    // dispatcher and connection loop cost while waiting.
    const idleSeconds = 5;
    const before = serverCounters(child.pid);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const after = serverCounters(child.pid);
    idle = {
      seconds: idleSeconds,
      cpu_ms_per_second: (after.userMs + after.systemMs - before.userMs - before.systemMs) / idleSeconds,
      switches_per_second: (after.switches - before.switches) / idleSeconds,
    };
    pages = await pagesPerRequest(path.join(dir, 'bench.db'), api, users, orderIds[n], n);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`files kept in ${dir}`);
  }

  const targets = { 'lifecycle (5 durable requests)': 0.25, 'GET /api/v1/cases/{id}': 0.1 };
  console.log('');
  console.log('| phase | requests | wall ms/request | server CPU ms/request (user + system) | target | context switches/request |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const target = targets[r.phase];
    const met = r.cpu_ms_per_request <= target ? 'met' : `missed, ${(r.cpu_ms_per_request / target).toFixed(1)}x over`;
    console.log(
      `| ${r.phase} | ${r.requests} | ${(r.wall_ms / r.requests).toFixed(3)} | ` +
        `${r.cpu_ms_per_request.toFixed(3)} (${r.user_ms_per_request.toFixed(3)} + ${r.system_ms_per_request.toFixed(3)}) | ` +
        `≤ ${target} (${met}) | ${r.switches_per_request.toFixed(1)} |`,
    );
  }
  console.log(
    `idle for ${idle.seconds} s: ${idle.cpu_ms_per_second.toFixed(2)} ms of CPU and ` +
      `${idle.switches_per_second.toFixed(1)} context switches per second`,
  );
  console.log(`server threads ${results[results.length - 1].threads}, RSS ${results[results.length - 1].rss_kb} KiB`);
  console.log('');
  console.log('| durable request | pages it wrote to the WAL | by B-tree (table or index) |');
  console.log('|---|---:|---|');
  for (const p of pages) {
    const trees = Object.entries(p.by_tree)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([name, count]) => (count > 1 ? `${name} ${count}` : name));
    console.log(`| ${p.request} | ${p.pages} | ${trees.join(', ')} |`);
  }
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ lifecycles: options.lifecycles, results, idle, pages }, null, 2) + '\n');
  }
}

main().catch((e) => {
  console.error(`lifecycle_http: ${e.message}`);
  process.exit(1);
});
