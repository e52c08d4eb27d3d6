// Runs the web UI's browser tests: creates a demo database in a temporary
// folder, starts `aftersales serve --test-clock` on a free loopback port,
// drives Debian's Chromium through playwright-core, stops the server and
// prints "N passed, M failed" as its last line (exit status 1 on failure).
//
//   node tests/ui/run_browser_tests.mjs --bin build/cli/aftersales \
//     --node-modules build/web/ui-node/node_modules [--chromium /usr/bin/chromium] \
//     [--screenshots docs/screenshots] [--only <substring>[|<substring>…]]
import {spawn, execFile} from 'node:child_process';
import {mkdtempSync, rmSync, mkdirSync, existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {TESTS as BASIC_TESTS} from './ui_tests.mjs';
import {WORKBENCH_TESTS} from './workbench_tests.mjs';
import {ORDERS_TESTS} from './orders_tests.mjs';
import {REPAIR_TESTS} from './repair_tests.mjs';
import {EXTENSION_TESTS} from './extension_tests.mjs';

// The extension tests last: they move deadlines of the shared server.
const TESTS = [...BASIC_TESTS, ...WORKBENCH_TESTS, ...ORDERS_TESTS, ...REPAIR_TESTS, ...EXTENSION_TESTS];

const SERVER_START_TIMEOUT_MS = 15000;
const TEST_TIMEOUT_MS = 120000;

function parseArgs(argv) {
  const args = {chromium: '/usr/bin/chromium'};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (m, c) => c.toUpperCase());
    args[key] = argv[i + 1];
  }
  for (const needed of ['bin', 'nodeModules']) {
    if (!args[needed]) throw new Error(`missing --${needed.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  return args;
}

// name → {role, password, token} from the demo command's printed logins.
function parseLogins(text) {
  const logins = {};
  const start = text.indexOf('Logins');
  for (const line of text.slice(start).split('\n').slice(2)) {
    const m = /^\s+(\S+)\s+(\S+)\s+(\S+)\s+(as_\S+)\s*$/.exec(line);
    if (m) logins[m[1]] = {role: m[2], password: m[3] === '-' ? null : m[3], token: m[4]};
  }
  return logins;
}

function startServer(bin, db) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--test-clock'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    let log = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}${log.slice(-2000)}`)), SERVER_START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({child, url: m[1], serverLog: () => log});
      }
    });
    child.stderr.on('data', (chunk) => {
      log = (log + chunk).slice(-200000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${log.slice(-2000)}`));
    });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    }, 5000);
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  })]).finally(() => clearTimeout(timer));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const require = createRequire(path.join(path.resolve(args.nodeModules), 'noop.js'));
  const {chromium} = require('playwright-core');
  if (!existsSync(args.chromium)) throw new Error(`Chromium not found at ${args.chromium} (Debian: apt-get install chromium)`);
  const work = mkdtempSync(path.join(tmpdir(), 'aftersales-ui-'));
  const db = path.join(work, 'demo.db');
  const {stdout} = await promisify(execFile)(args.bin, ['demo', '--db', db], {maxBuffer: 1 << 22});
  const logins = parseLogins(stdout);
  const server = await startServer(args.bin, db);
  if (args.screenshots) mkdirSync(args.screenshots, {recursive: true});
  console.log(`# server ${server.url}, ${Object.keys(logins).length} demo logins`);

  const env = {url: server.url, logins, chromium, executablePath: args.chromium, work, screenshots: args.screenshots || null, shared: {}};
  let passed = 0;
  let failed = 0;
  try {
    for (const test of TESTS) {
      if (args.only && !args.only.split('|').some((part) => test.name.includes(part))) continue;
      const started = Date.now();
      try {
        await withTimeout(test.run(env), TEST_TIMEOUT_MS, test.name);
        passed += 1;
        console.log(`ok - ${test.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed += 1;
        // The whole message (what the page showed is at its end), then where.
        const where = String(e && e.stack ? e.stack : '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 3);
        console.log(`not ok - ${test.name}\n  ${[String(e && e.message ? e.message : e), ...where].join('\n  ')}`);
      }
    }
  } finally {
    await stopServer(server.child);
    rmSync(work, {recursive: true, force: true});
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.log(`# ${e && e.stack ? e.stack : e}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
