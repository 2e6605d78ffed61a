// Issue 12: the REST pipeline against bare Fastify in instructions per request (callgrind.js), the
// measure that holds still on this machine: a change is judged by it before the CPU-time suites.
// BENCH_INSTR_MAINS=label=path,… picks the builds (default: the bundle `npm start` runs; add e.g.
// `sources=dist/src/main.js` or another checkout's build), each measured in the same run.
// BENCH_INSTR_REQUESTS / _ROUNDS / _WARMUP size the rounds; PostgreSQL by id runs when a server answers
// at BENCH_DATABASE_URL. BENCH_INSTR_BREAKDOWN=1 also says where each case's instructions go, by the
// components of the CPU profile suite (callgrind-attribution.js; the servers run with --perf-basic-prof).
import { join } from 'node:path';
import { attribute, frameOf } from './callgrind-attribution.js';
import { measure, startCallgrind, stopCallgrind } from './callgrind.js';
import { benchAppEnv, scratchPostgres, tempDir } from './lib.js';
import { COMPONENTS, componentOf } from './profile.js';
import { replayableHeaders, seedUsers } from './rest.js';

const MAINS = (process.env.BENCH_INSTR_MAINS ?? 'bundle=dist/bundle/main.js').split(',').map((entry) => {
  const [label, path] = entry.split('=');
  return { label, path };
});
const SIZES = {
  requests: Number(process.env.BENCH_INSTR_REQUESTS ?? 2000),
  rounds: Number(process.env.BENCH_INSTR_ROUNDS ?? 12),
  warmup: Number(process.env.BENCH_INSTR_WARMUP ?? 6000),
};
const BREAKDOWN = process.env.BENCH_INSTR_BREAKDOWN === '1';
/** Thousands of instructions, as the tables print them. */
const k = (n) => (n === undefined ? '–' : `${(n / 1000).toFixed(1)} k`);
// BENCH_INSTR_POSTGRES_ONLY=1: only user by id on PostgreSQL (its breakdown, say), without the ratios.
const POSTGRES_ONLY = process.env.BENCH_INSTR_POSTGRES_ONLY === '1';
const NODE_ARGS = BREAKDOWN ? ['--perf-basic-prof'] : [];

/** One case counted; with BREAKDOWN, its last round's instructions per request by component. */
async function counted(server, name, opts) {
  const row = await measure(server, name, opts, SIZES);
  if (!BREAKDOWN) return row;
  const parts = new Map();
  const charged = attribute(row.dump, `/tmp/perf-${server.child.pid}.map`);
  for (const [fn, cost] of charged) {
    const component = componentOf([frameOf(fn)]);
    parts.set(component, (parts.get(component) ?? 0) + cost / row.requests);
  }
  // The functions that cost most, natives folded into their JavaScript callers: where to look next.
  const top = [...charged]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, cost]) => `  - ${k(cost / row.requests)} ${fn.replace(/file:\/\/\/.*?\/(node_modules|dist)\//, '$1/')}`);
  return { ...row, parts, top };
}

function topFunctions(rows) {
  return rows
    .map((r) => `- ${r.name}, the costliest functions (instructions per request):\n${r.top.join('\n')}`)
    .join('\n');
}

function breakdownTable(rows) {
  const lines = [
    `| component (instructions per request, last round) | ${rows.map((r) => r.name).join(' | ')} |`,
    `|---|${rows.map(() => '---:').join('|')}|`,
  ];
  for (const [component] of COMPONENTS) {
    const cells = rows.map((r) => r.parts.get(component));
    if (cells.every((v) => v === undefined || v < 50)) continue;
    lines.push(`| ${component} | ${cells.map(k).join(' | ')} |`);
  }
  return lines.join('\n');
}

async function measureApp(port, main, label, databaseEnv, withProfile) {
  const base = `http://127.0.0.1:${port}`;
  const env = benchAppEnv(port, { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'info', ...databaseEnv });
  const server = await startCallgrind([main], env, `${base}/health/ready`, { nodeArgs: NODE_ARGS });
  try {
    const { headers, id } = await seedUsers(base);
    const rows = [];
    let answer;
    if (withProfile) {
      const url = `${base}/api/v1/users/${id}/profile`;
      const res = await fetch(url, { headers });
      answer = { body: await res.text(), headers: replayableHeaders(res.headers) };
      rows.push(await counted(server, `${label}: GET /api/v1/users/{id}/profile (cache warm)`, { url, headers }));
    }
    const url = `${base}/api/v1/users/${id}`;
    rows.push(await counted(server, `${label}: GET /api/v1/users/{id}`, { url, headers }));
    return { rows, answer };
  } finally {
    await stopCallgrind(server);
  }
}

async function measureBare(port, name, env) {
  const url = `http://127.0.0.1:${port}`;
  const server = await startCallgrind(
    ['scripts/bench/bare-server.js'],
    { PORT: String(port), ...env },
    `${url}/health/ready`,
    { nodeArgs: NODE_ARGS },
  );
  try {
    return await counted(server, name, { url: `${url}/bare` });
  } finally {
    await stopCallgrind(server);
  }
}

export async function run() {
  const dir = tempDir('bench-instr-');
  const rows = [];
  let answer;
  for (const [i, { label, path }] of POSTGRES_ONLY ? [] : MAINS.entries()) {
    const sqlite = { SQLITE_PATH: join(dir, `${i}.sqlite`), DATABASE_URL: '' };
    const result = await measureApp(3310 + i, path, `${label}, SQLite`, sqlite, true);
    answer ??= result.answer;
    rows.push(...result.rows);
  }
  // The first build only, unless PostgreSQL is all this run measures; each in a database of its own.
  let measuredPostgres = false;
  for (const [i, { label, path }] of (POSTGRES_ONLY ? MAINS : MAINS.slice(0, 1)).entries()) {
    const scratch = await scratchPostgres(`benchinstr${i}`);
    if (!scratch) break;
    try {
      const url = { DATABASE_URL: scratch.url };
      rows.push(...(await measureApp(3320 + i, path, `${label}, PostgreSQL`, url, false)).rows);
      measuredPostgres = true;
    } finally {
      await scratch.drop();
    }
  }
  if (POSTGRES_ONLY) {
    return {
      title: 'Instructions per request under callgrind, user by id on PostgreSQL',
      markdown:
        rows.map((r) => `- ${r.name}: ${k(r.instructions)}`).join('\n') +
        (BREAKDOWN ? `\n\n${breakdownTable(rows)}\n\n${topFunctions(rows)}` : ''),
      targets: [
        { what: 'measured and settled', met: rows.length > 0 && rows.every((r) => r.settled && r.failed === 0) },
      ],
    };
  }
  const sameBytes = await measureBare(3321, 'bare Fastify, same bytes (headers and body)', {
    BARE_BODY: answer.body,
    BARE_HEADERS: JSON.stringify(answer.headers),
  });
  const sameBody = await measureBare(3322, 'bare Fastify, same body', { BARE_BODY: answer.body });
  const lines = [
    '| case | instructions per request | last three rounds, min–max (rounds run) | ratio (same bytes ÷ case) | compiling per request (taken off) | idle per second (taken off) | failed |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...[sameBody, sameBytes, ...rows].map(
      (r) =>
        `| ${r.name} | ${k(r.instructions)} | ${k(r.min)}–${k(r.max)} (${r.rounds}) | ${(sameBytes.instructions / r.instructions).toFixed(3)} | ${k(r.compiling)} | ${(r.idlePerSecond / 1e6).toFixed(1)} M | ${r.failed} |`,
    ),
  ];

  const all = [sameBody, sameBytes, ...rows];
  return {
    title: `Instructions per request under callgrind (rounds of ${SIZES.requests} requests after ${SIZES.warmup} uncounted, 10 connections, until three agree within 3 %, at most ${SIZES.rounds})`,
    markdown: lines.join('\n') + (BREAKDOWN ? `\n\n${breakdownTable(all)}\n\n${topFunctions(all)}` : ''),
    targets: [
      {
        what: 'every case answered 2xx, and settled: three rounds in a row within 3 % (the measure held still)',
        met: all.every((r) => r.failed === 0 && r.settled),
      },
      ...(measuredPostgres
        ? []
        : [{ what: 'user by id on PostgreSQL (no server answered: not measured)', met: false }]),
    ],
  };
}
