// Issue "Integrations": what the outbound gateway costs, and what it buys when an upstream fails.
// (a) added latency: sequential keep-alive GETs from this process to a tiny node:http upstream
//     (pinned to the server core), plain axios and the gateway interleaved in the same run;
// (b) two instances answering 503 to 20 % of calls at random: success rate and attempts per call;
// (c) two instances resetting every connection: how many calls it takes to open a breaker, then
//     the latency of the calls that fail fast (503, nothing sent).
// The gateway is built with the options the app derives from its configuration (dist/).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../dist/src/config/app.config.js';
import { ProviderGeocode } from '../../dist/src/modules/geocode/maps.client.js';
import {
  ApiKeyAuth,
  breakerOptions,
  gatewayPolicy,
  retryBudget,
  ServiceGateway,
} from '../../dist/src/gateway/index.js';
import { startPinned, stop } from './lib.js';

const ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 50);
const PER_ROUND = Number(process.env.BENCH_GATEWAY_CALLS ?? 200);
const FAULT_CALLS = Number(process.env.BENCH_GATEWAY_FAULT_CALLS ?? 10000);
const FAULT_CONCURRENCY = 16;
const FAIL_RATE = 0.2;
const FAULT_RETRY_BASE_MS = 2;
const DEAD_CALLS = Number(process.env.BENCH_GATEWAY_DEAD_CALLS ?? 5000);

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { n: samples.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean };
}

/** The gateway as the app builds it for a service, for a configuration of `env`. */
function appGateway(name, urls, env, extra = {}) {
  const integrations = loadConfig({ NODE_ENV: 'test', SANDBOX_ENABLED: 'false', ...env }).integrations;
  return new ServiceGateway({
    name,
    urls,
    http: axios.create(),
    policy: gatewayPolicy(integrations.policy),
    breakers: breakerOptions(integrations.policy),
    retryBudget: retryBudget(integrations.policy),
    auth: new ApiKeyAuth('bench-key'),
    ...extra,
  });
}

async function upstream(ports, failRate, extraEnv = {}) {
  const child = await startPinned(
    ['scripts/bench/upstream-server.js'],
    { PORTS: ports.join(','), FAIL_RATE: String(failRate), ...extraEnv },
    `http://127.0.0.1:${ports[ports.length - 1]}/health`,
  );
  const count = async () => (await fetch(`http://127.0.0.1:${ports[0]}/_count`)).json();
  const reset = () => fetch(`http://127.0.0.1:${ports[0]}/_reset`);
  return { child, count, reset };
}

async function addedLatency() {
  const port = 3311;
  const base = `http://127.0.0.1:${port}`;
  const server = await upstream([port], 0);
  // The same logging the app does per attempt (pino at info), written nowhere.
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const gateway = appGateway('maps', [base], {}, { registry: new Registry(), logger });
  const plainAgent = new http.Agent({ keepAlive: true });
  const plain = axios.create({ httpAgent: plainAgent });
  const query = { address: 'tokyo station' };
  const viaAxios = async () => {
    const res = await plain.get(`${base}/v1/geocode`, { params: query, headers: { 'X-API-Key': 'bench-key' } });
    if (res.status !== 200) throw new Error(`axios got ${res.status}`);
  };
  const viaGateway = async () => {
    const res = await gateway.request({ method: 'GET', path: '/v1/geocode', query, responseType: ProviderGeocode });
    if (res.status !== 200) throw new Error(`gateway got ${res.status}`);
  };
  const time = async (fn, n, into) => {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      into?.push(performance.now() - t);
    }
  };
  try {
    await time(viaAxios, 2000);
    await time(viaGateway, 2000);
    const a = [];
    const g = [];
    for (let r = 0; r < ROUNDS; r++) {
      await time(viaAxios, PER_ROUND, a);
      await time(viaGateway, PER_ROUND, g);
    }
    return { axios: summary(a), gateway: summary(g) };
  } finally {
    gateway.close();
    plainAgent.destroy();
    await stop(server.child);
  }
}

async function underFaults() {
  const ports = [3312, 3313];
  const server = await upstream(ports, FAIL_RATE);
  const gateway = appGateway(
    'maps',
    ports.map((p) => `http://127.0.0.1:${p}`),
    { RETRY_BASE_DELAY_MS: String(FAULT_RETRY_BASE_MS) },
    { registry: new Registry() },
  );
  const latencies = [];
  let ok = 0;
  const failures = {};
  let next = 0;
  try {
    // Warm the sockets, then start counting from zero.
    for (let i = 0; i < 200; i++) await gateway.request({ method: 'GET', path: '/v1/geocode' }).catch(() => undefined);
    await server.reset();
    const worker = async () => {
      while (next < FAULT_CALLS) {
        next++;
        const t = performance.now();
        try {
          await gateway.request({ method: 'GET', path: '/v1/geocode', responseType: ProviderGeocode });
          ok++;
        } catch (e) {
          const why = e?.reason ?? String(e);
          failures[why] = (failures[why] ?? 0) + 1;
        }
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: FAULT_CONCURRENCY }, worker));
    const { calls: attempts, failed } = await server.count();
    const snap = gateway.snapshot();
    return {
      calls: FAULT_CALLS,
      ok,
      failures,
      attempts,
      upstreamFailed: failed,
      latency: summary(latencies),
      denied: snap.retryBudget.denied,
      circuits: [snap.circuit.state, ...snap.instances.map((i) => i.circuit)].join(' / '),
    };
  } finally {
    gateway.close();
    await stop(server.child);
  }
}

async function deadUpstream() {
  const ports = [3314, 3315];
  const server = await upstream(ports, 0, { RESET: '1' });
  const gateway = appGateway(
    'maps',
    ports.map((p) => `http://127.0.0.1:${p}`),
    { RETRY_BASE_DELAY_MS: String(FAULT_RETRY_BASE_MS) },
    { registry: new Registry() },
  );
  const call = async () => {
    try {
      await gateway.request({ method: 'GET', path: '/v1/geocode', responseType: ProviderGeocode });
      return 'ok';
    } catch (e) {
      return `${e?.getStatus?.() ?? '?'} ${e?.reason ?? String(e)}`;
    }
  };
  try {
    // Calls in a row until the first one is refused by an open breaker (bounded).
    const before = [];
    let first;
    for (let i = 0; i < 100 && first === undefined; i++) {
      const outcome = await call();
      if (outcome.startsWith('503')) first = outcome;
      else before.push(outcome);
    }
    const { calls: attemptsToOpen } = await server.count();
    const latencies = [];
    const outcomes = {};
    for (let i = 0; i < DEAD_CALLS; i++) {
      const t = performance.now();
      const outcome = await call();
      latencies.push(performance.now() - t);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const { calls: attemptsAfter } = await server.count();
    const snap = gateway.snapshot();
    return {
      callsBefore: before.length,
      firstRefused: first ?? 'none in 100 calls',
      attemptsToOpen,
      sentWhileOpen: attemptsAfter - attemptsToOpen,
      latency: summary(latencies),
      outcomes,
      circuits: [snap.circuit.state, ...snap.instances.map((i) => i.circuit)].join(' / '),
    };
  } finally {
    gateway.close();
    await stop(server.child);
  }
}

const ms = (n) => n.toFixed(3);

export async function run() {
  const a = await addedLatency();
  const b = await underFaults();
  const c = await deadUpstream();
  const failFastOnly = Object.keys(c.outcomes).every((o) => o.startsWith('503 circuit-open'));
  const addedP50 = a.gateway.p50 - a.axios.p50;
  const addedP99 = a.gateway.p99 - a.axios.p99;
  const successRate = (b.ok / b.calls) * 100;
  const attemptsPerCall = b.attempts / b.calls;
  const markdown = [
    `(a) ${ROUNDS} × ${PER_ROUND} sequential keep-alive GETs per client, alternating blocks so both see the same conditions; upstream: node:http on the server core.`,
    'The gateway runs its whole pipeline: deadline, retry loop, instance pool, two breakers, API-key auth,',
    'response validation (class-validator), a Prometheus sample and a pino line (to /dev/null) per attempt.',
    '',
    '| client | calls | p50 ms | p99 ms | mean ms |',
    '|---|---:|---:|---:|---:|',
    `| plain axios (keep-alive agent) | ${a.axios.n} | ${ms(a.axios.p50)} | ${ms(a.axios.p99)} | ${ms(a.axios.mean)} |`,
    `| ServiceGateway | ${a.gateway.n} | ${ms(a.gateway.p50)} | ${ms(a.gateway.p99)} | ${ms(a.gateway.mean)} |`,
    `| **added by the gateway** | | **${ms(addedP50)}** | **${ms(addedP99)}** | ${ms(a.gateway.mean - a.axios.mean)} |`,
    '',
    `(b) ${b.calls} calls, ${FAULT_CONCURRENCY} at a time, to 2 instances answering 503 to ${FAIL_RATE * 100} % of calls at random;`,
    `RETRY_BASE_DELAY_MS=${FAULT_RETRY_BASE_MS}, the app's breakers (failure rate) and retry budget.`,
    '',
    '| calls | succeeded | success rate | upstream attempts | attempts per call | 503s answered | retries denied by budget | breakers (service / a / b) | p50 ms | p99 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    `| ${b.calls} | ${b.ok} | ${successRate.toFixed(2)} % | ${b.attempts} | ${attemptsPerCall.toFixed(3)} | ${b.upstreamFailed} | ${b.denied} | ${b.circuits} | ${ms(b.latency.p50)} | ${ms(b.latency.p99)} |`,
    ...(Object.keys(b.failures).length > 0 ? ['', `Failures by reason: ${JSON.stringify(b.failures)}`] : []),
    '',
    `(c) 2 instances resetting every connection (a dead upstream); RETRY_BASE_DELAY_MS=${FAULT_RETRY_BASE_MS}, the app's breakers`,
    `and retry budget. Calls in a row until the first 503, then ${DEAD_CALLS} calls while the breaker is open.`,
    '',
    '| calls answered 502 before the breaker opened | upstream attempts that opened it | first refused call | calls while open | attempts sent while open | fail-fast p50 ms | fail-fast p99 ms | breakers (service / a / b) |',
    '|---:|---:|---|---:|---:|---:|---:|---|',
    `| ${c.callsBefore} | ${c.attemptsToOpen} | ${c.firstRefused} | ${c.latency.n} | ${c.sentWhileOpen} | ${ms(c.latency.p50)} | ${ms(c.latency.p99)} | ${c.circuits} |`,
    '',
    `Outcomes while open: ${JSON.stringify(c.outcomes)}`,
  ].join('\n');
  return {
    title: 'Outbound gateway: added latency over plain axios, retries under 20 % upstream errors, a dead upstream',
    markdown,
    targets: [
      { what: `gateway adds ≤ 0.5 ms at p50 (measured ${ms(addedP50)} ms)`, met: addedP50 <= 0.5 },
      { what: `gateway adds ≤ 2 ms at p99 (measured ${ms(addedP99)} ms)`, met: addedP99 <= 2 },
      {
        what: `success rate ≥ 99.5 % with 20 % upstream 503s (measured ${successRate.toFixed(2)} %)`,
        met: successRate >= 99.5,
      },
      {
        what: `≤ 1.3 upstream attempts per call (measured ${attemptsPerCall.toFixed(3)})`,
        met: attemptsPerCall <= 1.3,
      },
      {
        what: `dead upstream: a breaker opens within 10 calls (measured ${c.callsBefore} calls answered 502 first)`,
        met: c.callsBefore <= 10 && c.firstRefused.startsWith('503'),
      },
      {
        what: `dead upstream: every call while open is a 503 that sends nothing (measured ${c.sentWhileOpen} attempts sent)`,
        met: failFastOnly && c.sentWhileOpen === 0,
      },
      {
        what: `dead upstream: fail-fast p99 ≤ 1 ms (measured ${ms(c.latency.p99)} ms)`,
        met: c.latency.p99 <= 1,
      },
    ],
  };
}
