// The profile suite's second sampler (BENCH_PROFILE_SAMPLER=perf): Linux `perf record -e cpu-clock -g` on the
// server process while the load runs, with node's `--perf-basic-prof` naming JIT-compiled JavaScript. Unlike
// V8's profiler it samples the kernel too, and charges a sample to the kernel when it was taken there: a socket
// write's kernel time (on loopback the client's receive path and waking the client run inside it) is its own
// line instead of landing on the JavaScript frame that made the call. The components are the profile suite's;
// each share of the samples is scaled to the server's CPU per request from /proc (perf adds its own cost, so
// compare shares and the two servers within one run). Needs Debian's linux-perf. BENCH_PERF_KEEP=<dir> keeps each
// recording there (<case>.data) and node's /tmp/perf-<pid>.map, for `perf report -i` afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { load, startPinned, stop, tempDir } from './lib.js';

export const KERNEL_WRITE = 'kernel: socket writes (send, loopback receive, waking the client)';
export const KERNEL_OTHER = 'kernel: socket reads, polling, other';
const GC_FRAME = /v8::internal::(Heap::CollectGarbage|Scavenger|MarkCompactCollector|ConcurrentMarking)/;

export const perfAvailable = () => spawnSync('perf', ['--version']).status === 0;

/** A `perf script -F ip,sym,dso` frame as the profile suite's components read one (url, functionName). */
function frameOf(line) {
  const text = line.trim().replace(/^[0-9a-f]+\s+/, '');
  const dso = /\(([^()]*)\)$/.exec(text)?.[1] ?? '';
  const symbol = text.replace(/\s*\([^()]*\)$/, '');
  // JIT code: `JS:*name url:line:column`, the name empty for an anonymous function.
  const js = /^JS:\S?(\S*)\s+(.+?)(?::\d+:\d+)?$/.exec(symbol);
  if (js) return { functionName: js[1], url: js[2], kernel: false };
  return { functionName: symbol, url: '', kernel: dso.includes('kernel') };
}

/** µs per request by component from a `perf script` dump: each sample's share of `cpuPerRequest`. */
function breakdown(script, componentOf, cpuPerRequest) {
  const counts = new Map();
  let samples = 0;
  for (const block of script.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length === 0) continue;
    const frames = lines.map(frameOf);
    samples++;
    let name;
    if (frames[0].kernel) name = frames.some((f) => /writev/.test(f.functionName)) ? KERNEL_WRITE : KERNEL_OTHER;
    else if (frames.some((f) => GC_FRAME.test(f.functionName))) name = 'garbage collection';
    else name = componentOf(frames.filter((f) => f.url !== '' || !f.kernel));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return new Map([...counts].map(([k, n]) => [k, (n / samples) * cpuPerRequest]));
}

/** Runs `args` (with --perf-basic-prof) under `perf record` while `url` is loaded; the breakdown and /proc row. */
export async function perfRecorded(name, args, env, readyUrl, prepare, componentOf) {
  const keep = process.env.BENCH_PERF_KEEP;
  const dir = keep ?? tempDir('bench-perf-');
  mkdirSync(dir, { recursive: true });
  const server = await startPinned(['--perf-basic-prof', ...args], env, readyUrl);
  let row;
  let script;
  try {
    const { url, headers } = await prepare();
    await load(`${name} (warm-up)`, { url, headers, duration: 2 });
    const data = join(dir, `${name.replace(/[^\w.-]+/g, '_')}.data`);
    const recorder = spawn(
      'perf',
      ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-o', data, '-p', `${server.pid}`],
      { stdio: 'ignore' },
    );
    const recorded = new Promise((resolve) => recorder.once('exit', resolve));
    try {
      row = await load(name, { url, headers }, server);
    } finally {
      recorder.kill('SIGINT');
      await recorded;
    }
    // perf reads the JIT names from /tmp/perf-<pid>.map, which exists while the server does.
    script = spawnSync('perf', ['script', '-i', data, '-F', 'ip,sym,dso'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    }).stdout;
  } finally {
    await stop(server);
    if (!keep) {
      rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { row, parts: breakdown(script, componentOf, row.cpuPerRequest) };
}
