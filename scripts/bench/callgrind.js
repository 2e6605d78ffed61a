// Instructions per request, counted by valgrind's callgrind: user-space instructions do not depend on
// what else the machine runs, so two builds (or two runs) compare within a few per cent where CPU
// time on this virtual machine moved ±50 % between identical runs. What they leave out is the
// kernel's share (socket reads and writes, epoll), the same for every server answering the same bytes.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { parseDump } from './callgrind-attribution.js';
import { median, startServer, stop, tempDir } from './lib.js';

const run = promisify(execFile);

// valgrind names the FIFOs that callgrind_control talks through after $HOST (and $USER): the server
// and callgrind_control must see the same value, so both get this one.
const VG_ENV = { HOST: '127.0.0.1' };

/** The server `node args` under callgrind, counting nothing until `measure` turns it on. */
export async function startCallgrind(args, env, readyUrl, { timeoutMs = 300_000, nodeArgs = [] } = {}) {
  const dir = tempDir('bench-callgrind-');
  const valgrind = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`];
  // --single-threaded: compilation and garbage collection on the main thread; under valgrind, which runs one
  // thread at a time, V8's background threads would get their turn at random and optimised code arrive late.
  const child = await startServer(
    valgrind,
    ['--single-threaded', ...nodeArgs, ...args],
    { ...env, ...VG_ENV },
    readyUrl,
    {
      timeoutMs,
      pollMs: 500,
    },
  );
  return { child, dir };
}

async function control(server, ...args) {
  await run('callgrind_control', [...args, String(server.child.pid)], { env: { ...process.env, ...VG_ENV } });
}

/** The newest dump callgrind wrote, and its instruction total. */
function lastDump(dir) {
  const newest = readdirSync(dir)
    .filter((f) => /^cg\.\d+\.\d+$/.test(f))
    .map((f) => ({ f, n: Number(f.split('.')[2]) }))
    .sort((a, b) => b.n - a.n)[0];
  const path = join(dir, newest.f);
  const match = /^summary: (\d+)$/m.exec(readFileSync(path, 'utf8'));
  if (!match) throw new Error(`no summary in ${newest.f}`);
  return { path, total: Number(match[1]) };
}

// V8's compilers, entered from running code through these runtime functions (with --single-threaded
// their jobs run inside them; a budget interrupt is where tiering decides to optimise). Tiering up goes on
// for thousands of requests under valgrind, and one optimising compile can cost as much as a round's
// requests: a one-time cost, counted apart.
const COMPILER_ENTRY = /^v8::internal::Runtime_(Compile|InstallBaselineCode|BytecodeBudgetInterrupt)/;

/** A dump's instruction total and the part of it spent compiling (entries' own and callees' instructions). */
function totals(path) {
  const { self, edges } = parseDump(path);
  let all = 0;
  let compiling = 0;
  for (const [fn, cost] of self) {
    all += cost;
    if (!COMPILER_ENTRY.test(fn)) continue;
    compiling += cost;
    for (const inclusive of edges.get(fn)?.values() ?? []) compiling += inclusive;
  }
  return { all, compiling };
}

/** One counted stretch: `work` runs between a zero and a dump; its instructions and wall time. */
async function counted(server, work) {
  await control(server, '--zero');
  const started = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await control(server, '--dump');
  const dump = lastDump(server.dir);
  return { result, seconds, dump: dump.path, ...totals(dump.path) };
}

/**
 * `opts` (autocannon's) sent `warmup` requests uncounted; then a few seconds with no request, counted,
 * for what the server runs by the clock (timers, pollers): under valgrind a request takes ~25× longer
 * than natively, so that share would land on the requests 25× over; it is taken off each round by its
 * duration. Then rounds of `requests` each, counted one by one, until three in a row agree within
 * `agree`, at most `rounds`. A round's figure is (total − compiling − idle rate × seconds) ÷ requests;
 * the result is the median of the last three, `settled` whether they agreed, and `compiling` the median
 * instructions per request spent in V8's compilers in those rounds.
 */
export async function measure(
  server,
  name,
  opts,
  { warmup = 6000, requests = 2000, rounds = 12, agree = 0.03, idleSeconds = 5 } = {},
) {
  const connections = opts.connections ?? 10;
  await autocannon({ ...opts, connections, amount: warmup });
  await control(server, '--instr=on');
  const idle = await counted(server, () => new Promise((r) => setTimeout(r, idleSeconds * 1000)));
  const idleRate = (idle.all - idle.compiling) / idle.seconds;
  const perRequest = [];
  const compiling = [];
  let failed = 0;
  let settled = false;
  let last;
  while (!settled && perRequest.length < rounds) {
    last = await counted(server, () => autocannon({ ...opts, connections, amount: requests }));
    const r = last.result;
    failed += r.non2xx + r.errors + r.timeouts;
    perRequest.push((last.all - last.compiling - idleRate * last.seconds) / r.requests.total);
    compiling.push(last.compiling / r.requests.total);
    const three = perRequest.slice(-3);
    settled = three.length === 3 && Math.max(...three) <= Math.min(...three) * (1 + agree);
  }
  await control(server, '--instr=off');
  const three = perRequest.slice(-3);
  return {
    name,
    instructions: median(three),
    min: Math.min(...three),
    max: Math.max(...three),
    compiling: median(compiling.slice(-3)),
    idlePerSecond: idleRate,
    rounds: perRequest.length,
    settled,
    failed,
    // the last round's dump, for a breakdown (callgrind-attribution.js)
    dump: last.dump,
    requests,
  };
}

export async function stopCallgrind(server) {
  await stop(server.child, { killAfterMs: 60_000 });
  rmSync(`/tmp/perf-${server.child.pid}.map`, { force: true });
}
