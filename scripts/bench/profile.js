// Issue 12: where a hot route's CPU goes. Runs the app (and bare Fastify sending the same bytes) under
// `node --cpu-prof` with the same load as the rest suite, keeps the samples taken while the load ran,
// and reports each component's self time as µs per request: the breakdown docs/benchmarks.md quotes.
// Sampled time covers the main thread's JavaScript and the native calls it makes (the socket writes
// included), not the kernel's share of reading and polling, so its per-request sum is below the
// /proc figure of the rest suite; compare components, and the two servers, within one run. A sample's
// interval includes any time the thread was preempted: on a loaded machine that time lands mostly on
// the frames that block in the kernel (the socket write), so profile an idle machine.
// BENCH_PROFILE_ROUTES picks routes (profile, byid), BENCH_DURATION_S the seconds of load.
// BENCH_PROFILE_SAMPLER=perf samples with Linux perf instead (perf-sampler.js): the kernel's share too.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchAppEnv, benchToken, load, startPinned, stop, tempDir } from './lib.js';
import { KERNEL_OTHER, KERNEL_WRITE, perfAvailable, perfRecorded } from './perf-sampler.js';

const PERF = process.env.BENCH_PROFILE_SAMPLER === 'perf';

// The innermost frame that names a component decides (tried in this order): Node's socket write called
// from inside a hook is the HTTP layer's, a file write called by the access log is the access log's.
// Native frames (no script URL) of the socket layer; other native frames count for their caller.
const SOCKET_CALLS = new Set(['writev', 'writeBuffer', 'writeString', 'writeUtf8String', 'writeLatin1String']);

export const COMPONENTS = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['access log line', (f) => /observability\/access-log|sonic-boom/.test(f.url)],
  ['metrics histogram + SLA window', (f) => /prom-client|observability\/(metrics|sla)/.test(f.url)],
  ['envelope, `fields`, ETag, JSON', (f) => /http\/(rest-response|etag|csv)\.js/.test(f.url)],
  ['auth guard, token claims', (f) => /modules\/auth\//.test(f.url)],
  ['rate limit', (f) => /rate-limit|rate-limiter-flexible/.test(f.url)],
  [
    'validation and input limits',
    (f) => /http\/(validation|input-limits)|class-validator|class-transformer/.test(f.url),
  ],
  ['cache read (cache-manager, Keyv)', (f) => /cache-manager|keyv|cache-metrics/.test(f.url)],
  ['database driver and reader', (f) => /better-sqlite3|typeorm|\/pg|pg-|primary-key-reader/.test(f.url)],
  ['compression hook', (f) => /@fastify\/compress/.test(f.url)],
  [
    'app hooks (security headers, request id, OPTIONS, routes)',
    (f) => /dist\/src\/(app\.setup|common\/http)/.test(f.url),
  ],
  ['feature code (controllers, services)', (f) => /dist\/src\/(modules|common\/resource)/.test(f.url)],
  ['NestJS routing: execution context, guards, pipes', (f) => /@nestjs\/|rxjs|reflect-metadata/.test(f.url)],
  ['Fastify core and router', (f) => /fastify|find-my-way|toad-cache|middie/.test(f.url)],
  [
    'Node HTTP layer: parsing, headers, socket writes',
    (f) => /^node:(_http|net|internal\/stream_base|internal\/streams)/.test(f.url) || SOCKET_CALLS.has(f.functionName),
  ],
  ['runtime: microtasks, nextTick, timers, "(program)"', () => true],
];

export function componentOf(frames) {
  for (const frame of frames) {
    const hit = COMPONENTS.find(([name, test]) => !name.startsWith('runtime') && test(frame));
    if (hit) return hit[0];
  }
  return COMPONENTS[COMPONENTS.length - 1][0];
}

/** µs of self time per component between `from` and `to` (µs on the profile's clock), per request. */
function breakdown(dir, from, to, requests) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = new Map();
  const frames = (id) => {
    if (!stackOf.has(id)) {
      const list = [];
      for (let at = id; at !== undefined; at = parent.get(at)) list.push(nodes.get(at).callFrame);
      stackOf.set(id, list);
    }
    return stackOf.get(id);
  };
  const micros = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < from || t > to) continue;
    const stack = frames(profile.samples[i]);
    if (stack[0].functionName === '(idle)') continue;
    const name = componentOf(stack);
    micros.set(name, (micros.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return new Map([...micros].map(([k, v]) => [k, v / requests]));
}

/** Runs `args` under the profiler, loads `url` and returns the breakdown and the /proc figure. */
async function profiled(name, args, env, readyUrl, prepare) {
  if (PERF) return perfRecorded(name, args, env, readyUrl, prepare, componentOf);
  const dir = tempDir('bench-profile-');
  mkdirSync(dir, { recursive: true });
  const server = await startPinned(
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=1000', ...args],
    env,
    readyUrl,
  );
  let row;
  let from;
  let to;
  try {
    const { url, headers } = await prepare();
    await load(`${name} (warm-up)`, { url, headers, duration: 2 });
    // The profile's clock is Node's monotonic clock, the one process.hrtime reads.
    from = Number(process.hrtime.bigint() / 1000n);
    row = await load(name, { url, headers }, server);
    to = Number(process.hrtime.bigint() / 1000n);
  } finally {
    await stop(server); // the profile is written on exit
  }
  const parts = breakdown(dir, from, to, row.total);
  rmSync(dir, { recursive: true, force: true });
  return { row, parts };
}

async function appRoute(route) {
  const port = 3331;
  const base = `http://127.0.0.1:${port}`;
  const env = benchAppEnv(port, {
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'info',
    SQLITE_PATH: join(tempDir('bench-profile-db-'), 'bench.sqlite'),
    DATABASE_URL: '',
  });
  let sample;
  const result = await profiled(route, ['dist/src/main.js'], env, `${base}/health/ready`, async () => {
    const headers = { authorization: `Bearer ${await benchToken(base)}` };
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '山田太郎', email: 'yamada@example.com' }),
    }).then((r) => r.json());
    const url = `${base}/api/v1/users/${created.data.userId}${route === 'profile' ? '/profile' : ''}`;
    const res = await fetch(url, { headers });
    const skip = new Set(['date', 'connection', 'keep-alive', 'content-length']);
    sample = { body: await res.text(), headers: Object.fromEntries([...res.headers].filter(([k]) => !skip.has(k))) };
    return { url, headers };
  });
  return { ...result, sample };
}

async function bareRoute(sample) {
  const port = 3332;
  const env = { PORT: String(port), BARE_BODY: sample.body, BARE_HEADERS: JSON.stringify(sample.headers) };
  const url = `http://127.0.0.1:${port}/bare`;
  return profiled('bare', ['scripts/bench/bare-server.js'], env, `http://127.0.0.1:${port}/health/ready`, async () => ({
    url,
  }));
}

export async function run() {
  if (PERF && !perfAvailable()) {
    return {
      title: 'Where the CPU of a request goes (perf)',
      markdown: '',
      targets: [{ what: 'perf is not installed', met: false }],
    };
  }
  const routes = (process.env.BENCH_PROFILE_ROUTES ?? 'profile,byid').split(',');
  const columns = [];
  for (const route of routes) columns.push(await appRoute(route));
  columns.unshift(await bareRoute(columns[0].sample));
  const names = [
    'bare Fastify, same bytes',
    ...routes.map((r) => (r === 'profile' ? 'GET …/{id}/profile (cache warm)' : 'GET …/{id} (SQLite)')),
  ];
  const fmt = (n) => (n === undefined ? '–' : n.toFixed(1));
  const lines = [
    `| component (sampled self time, µs per request) | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
  ];
  for (const component of [...COMPONENTS.map(([c]) => c), KERNEL_WRITE, KERNEL_OTHER]) {
    const cells = columns.map((c) => c.parts.get(component));
    if (cells.every((v) => v === undefined || v < 0.05)) continue;
    lines.push(`| ${component} | ${cells.map(fmt).join(' | ')} |`);
  }
  const sum = (c) => [...c.parts.values()].reduce((a, b) => a + b, 0);
  lines.push(`| **sampled total** | ${columns.map((c) => `**${fmt(sum(c))}**`).join(' | ')} |`);
  lines.push(`| server CPU from /proc (profiler on) | ${columns.map((c) => fmt(c.row.cpuPerRequest)).join(' | ')} |`);
  return {
    title: PERF
      ? 'Where the CPU of a request goes (perf record -e cpu-clock under load, kernel included, scaled to /proc)'
      : 'Where the CPU of a request goes (node --cpu-prof under load, self time by component)',
    markdown: lines.join('\n'),
    targets: [],
  };
}
