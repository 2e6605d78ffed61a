// Property-based fuzzing of every operation of the served OpenAPI document (fast-check, fixed seed, bounded):
// valid, boundary and hostile values in every parameter, header and body (huge, deep, non-UTF-8, control
// characters, lone surrogates, prototype keys, duplicate keys, wrong media types), sent in process (Fastify
// inject) to one app wired to the sandbox. Every answer must be below 500, every error a problem document
// (or the media type the document declares for it), every answer valid against its documented schema
// (OpenApiContract), and the server healthy afterwards. All violations are collected and reported together.
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { BOOTSTRAP } from '../helpers/test-app.js';
import { startWithSandbox, type SandboxedApp } from '../support/integrations.js';
import { OpenApiContract } from '../support/openapi-contract.js';
import { servedDocument } from '../support/openapi.js';
import { STANDARD_SECRET, standardDelivery } from '../support/webhook-deliveries.js';
import type { Json, Schemas } from './arbitraries.js';
import { hostileRequests, requestArbitrary, type FuzzContext, type FuzzRequest, type Operation } from './requests.js';

/** Fixed: a failure reproduces with the same requests; change it to explore other corners. */
const SEED = 20261206;
/** Random requests per operation, besides the fixed hostile cases (which every operation gets). */
const RUNS_PER_OPERATION = 40;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

const ENV = {
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  DEBUG_ENABLED: 'true',
  CIRCUIT_MIN_CALLS: '100000',
};

interface Finding {
  operation: string;
  problem: string;
  request: string;
}

describe('fuzzing every operation of the OpenAPI document (fast-check, seeded)', () => {
  let s: SandboxedApp;
  let contract: OpenApiContract;
  let operations: Operation[];
  let ctx: FuzzContext;
  const findings: Finding[] = [];
  const sent = new Map<string, number>();

  beforeAll(async () => {
    s = await startWithSandbox(ENV);
    const document = await servedDocument(s.t.app);
    contract = new OpenApiContract(document);
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Json)[m]).map((method) => ({ path, method, op: (item as Json)[method] as Json })),
    );
    const token = await s.t.token();
    const user = await s.t.http
      .post('/api/v1/users')
      .set('authorization', `Bearer ${token}`)
      .send({ name: 'Fuzz', email: 'fuzz@example.com' })
      .expect(201);
    const delivery = standardDelivery({ type: 'fuzz.event', data: { n: 1 } });
    ctx = {
      schemas: (document.components?.schemas ?? {}) as Schemas,
      authorization: `Bearer ${token}`,
      known: {
        userId: [(user.body as { data: { userId: string } }).data.userId],
        integrationName: ['payment', 'email', 'sms', 'maps'],
        source: ['acme'],
      },
      examples: {
        'post /oauth/token': [
          {
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `grant_type=client_credentials&client_id=${BOOTSTRAP.id}&client_secret=${BOOTSTRAP.secret}`,
          },
          {
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({
              grant_type: 'client_credentials',
              client_id: BOOTSTRAP.id,
              client_secret: BOOTSTRAP.secret,
              scope: 'users:read users:read users:read',
            }),
          },
          {
            // A scope repeated 500 times: the token must stay within the documented 4,096 characters.
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `grant_type=client_credentials&client_id=${BOOTSTRAP.id}&client_secret=${BOOTSTRAP.secret}&scope=${'users:read+'.repeat(500)}`,
          },
        ],
        'post /api/v1/webhooks/{source}': [
          { method: 'POST', url: '/api/v1/webhooks/acme', headers: delivery.headers, payload: delivery.body },
        ],
      },
    };
  });
  afterAll(async () => {
    await s?.close();
  });

  const summary = (r: FuzzRequest) => {
    const body = r.payload === undefined ? '' : ` body=${String(r.payload).slice(0, 120)}`;
    const headers = Object.entries(r.headers)
      .filter(([k]) => k !== 'authorization')
      .map(([k, v]) => `${k}: ${v.slice(0, 60)}`)
      .join('; ');
    return `${r.method} ${r.url.slice(0, 200)} [${headers}]${body}`;
  };

  async function judge(operation: Operation, request: FuzzRequest): Promise<void> {
    const key = `${operation.method.toUpperCase()} ${operation.path}`;
    sent.set(key, (sent.get(key) ?? 0) + 1);
    const found = (problem: string) => findings.push({ operation: key, problem, request: summary(request) });
    let res: LightMyRequestResponse;
    try {
      res = await s.t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          payload: request.payload,
        });
    } catch (e) {
      found(`inject threw: ${(e as Error).message}`);
      return;
    }
    if (res.statusCode >= 500) found(`answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    const type = String(res.headers['content-type'] ?? '');
    const documented = ((operation.op.responses as Json)[String(res.statusCode)] as Json | undefined)?.content as
      Json | undefined;
    // An error is a problem document unless the document declares another media type for it (RFC 6749 errors
    // of the token endpoint, terminus's health report).
    if (res.statusCode >= 400 && !type.startsWith('application/problem+json')) {
      const declared = Object.keys(documented ?? {});
      if (!declared.some((m) => type.startsWith(m))) found(`${res.statusCode} answered as ${type || 'no body'}`);
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
    const body = res.rawPayload.length === 0 || res.statusCode === 304 ? null : res.rawPayload;
    try {
      await contract.check(operation.path, operation.method, new Response(body, { status: res.statusCode, headers }));
    } catch (e) {
      // The violation lines, without the echoed body (the last line) so equal defects collapse into one.
      const lines = (e as Error).message.split('\n');
      found((lines.length > 2 ? lines.slice(0, -1) : lines).slice(0, 3).join(' | ').slice(0, 400));
    }
  }

  it('every operation: no 5xx, errors are problems, answers valid against the document', async () => {
    for (const operation of operations) {
      const random = fc.sample(requestArbitrary(operation, ctx), { seed: SEED, numRuns: RUNS_PER_OPERATION });
      for (const request of [...hostileRequests(operation, ctx), ...random]) await judge(operation, request);
    }
    expect([...sent.keys()].sort()).toEqual(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort());
    // One line per distinct defect (operation + problem), with the first request that showed it.
    const distinct = new Map<string, Finding & { count: number }>();
    for (const f of findings) {
      const id = `${f.operation} ${f.problem.replace(/req_[\w-]+|\d{4}-\d\d-\d\dT[\d:.]+Z|\/\d+\//g, '')}`;
      const seen = distinct.get(id);
      if (seen) seen.count++;
      else distinct.set(id, { ...f, count: 1 });
    }
    const report = [...distinct.values()].map((f) => `${f.operation} (${f.count}x): ${f.problem}\n    ${f.request}`);
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${total} requests over ${operations.length} operations, ${findings.length} findings`);
    expect(report).toEqual([]);
    // Bounded: ~3,500 requests in process; the budget leaves room for a loaded CI machine.
  }, 150_000);

  it('the server is healthy afterwards', async () => {
    const live = await s.t.http.get('/health/live');
    expect(live.status).toBe(200);
    const users = await s.t.http.get('/api/v1/users?limit=1').set('authorization', ctx.authorization);
    expect(users.status).toBe(200);
    const ready = await s.t.http.get('/health/ready');
    expect(ready.status).toBe(200);
  });
});
