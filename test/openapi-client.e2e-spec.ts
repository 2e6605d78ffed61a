// A client generated from the OpenAPI document (openapi-typescript types + openapi-fetch) calls every operation
// of the document against the running app, with the documented auth. Every response goes through
// OpenApiContract: its status must be documented, its Content-Type declared and its body valid against the
// documented schema. The last test fails when an operation of the document was never called, so a route added
// later without a client call here fails CI.
import type { AddressInfo } from 'node:net';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { BOOTSTRAP } from './helpers/test-app.js';
import { startWithSandbox, type SandboxedApp } from './support/integrations.js';
import { exerciseResource, kitResources, sampleOf } from './support/kit-resources.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { servedDocument } from './support/openapi.js';
import { STANDARD_SECRET, STANDARD_UNKNOWN_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';

/** JSON answers: the envelope, problems (`application/problem+json`), terminus reports, RFC 6749 errors. */
type JsonMedia = `application/${string}json`;
type Api = Client<paths, JsonMedia>;
/** The text representations: `text/csv` of collections, `text/plain` of /metrics. */
type TextApi = Client<paths, 'text/csv' | 'text/plain'>;

const ENV = {
  // A webhook source for the receiver: Standard Webhooks, any address.
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_SWEEP_INTERVAL_MS: '200',
  // The upstream failure below must come from retries, not from an open breaker.
  CIRCUIT_MIN_CALLS: '100000',
  DEBUG_ENABLED: 'true',
};

/** Statuses answered with an error body: 4xx and 5xx. */
const isError = (status: number) => status >= 400;

describe('generated OpenAPI client (openapi-typescript + openapi-fetch) against every documented operation', () => {
  let s: SandboxedApp;
  let contract: OpenApiContract;
  let baseUrl: string;
  /** No credentials. */
  let anonymous: Api;
  /** The bootstrap client's token: every scope. */
  let admin: Api;
  /** A token narrowed to users:read. */
  let reader: Api;

  let adminToken: string;

  /** A typed client of the document; every response it receives is checked against the document. */
  function client<Media extends `${string}/${string}` = JsonMedia>(token?: string): Client<paths, Media> {
    const api = createClient<paths, Media>({ baseUrl, headers: token ? { authorization: `Bearer ${token}` } : {} });
    api.use(contract.middleware);
    return api;
  }

  beforeAll(async () => {
    s = await startWithSandbox(ENV);
    await s.t.app.listen(0, '127.0.0.1');
    const { port } = s.t.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    contract = new OpenApiContract(await servedDocument(s.t.app));
    anonymous = client();
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('auth: POST /oauth/token', () => {
    it('JSON body: 200 with a Bearer token of every scope', async () => {
      const { data, response } = await anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret },
      });
      expect(response.status).toBe(200);
      expect(data?.token_type).toBe('Bearer');
      expect(data?.scope.split(' ')).toEqual(expect.arrayContaining(['users:write', 'ops:admin', 'webhooks:admin']));
      adminToken = data?.access_token ?? '';
      admin = client(adminToken);
    });

    it('form body with a narrowing scope: 200 with only that scope', async () => {
      const { data, response } = await anonymous.POST('/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          scope: 'users:read',
        },
        bodySerializer: (body) =>
          new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(200);
      expect(data?.scope).toBe('users:read');
      reader = client(data?.access_token);
    });

    it('401 invalid_client for a wrong secret, 400 for another grant type (RFC 6749 error bodies)', async () => {
      const bad = await anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: 'wrong-secret' },
      });
      expect(bad.response.status).toBe(401);
      expect(bad.error).toMatchObject({ error: 'invalid_client' });

      const grant = await anonymous.POST('/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          scope: 'nope:nope',
        },
      });
      expect(grant.response.status).toBe(400);
      expect(grant.error).toMatchObject({ error: 'invalid_scope' });
    });

    it('400 problem for a body that is not JSON at all', async () => {
      const malformed = await anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials' },
        bodySerializer: () => '{"grant_type":',
      });
      expect(malformed.response.status).toBe(400);
      expect(malformed.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('users', () => {
    let userId: string;
    let etag: string;

    it('POST: 201 with Location; 409 for the same email; 400 for an invalid one; 401 without, 403 with a read-only token', async () => {
      const created = await admin.POST('/api/v1/users', { body: { name: '山田太郎', email: 'yamada@example.com' } });
      expect(created.response.status).toBe(201);
      userId = created.data?.data.userId ?? '';
      expect(created.response.headers.get('location')).toBe(`/api/v1/users/${userId}`);

      const clash = await admin.POST('/api/v1/users', { body: { name: 'Other', email: 'yamada@example.com' } });
      expect(clash.response.status).toBe(409);
      expect(clash.error?.type).toMatch(/unique-violation$/);

      const invalid = await admin.POST('/api/v1/users', { body: { name: 'Bad', email: 'not-an-email' } });
      expect(invalid.response.status).toBe(400);
      expect(invalid.error?.errors?.[0]?.field).toBe('email');

      const unauthenticated = await anonymous.POST('/api/v1/users', { body: { name: 'A', email: 'a@example.com' } });
      expect(unauthenticated.response.status).toBe(401);
      expect(unauthenticated.response.headers.get('www-authenticate')).toMatch(/^Bearer/);

      const forbidden = await reader.POST('/api/v1/users', { body: { name: 'A', email: 'a@example.com' } });
      expect(forbidden.response.status).toBe(403);
    });

    it('GET list: 200 page with total and links (JSON and CSV); 400 for limit=0; 406 for an Accept it cannot produce', async () => {
      await admin.POST('/api/v1/users', { body: { name: '佐藤花子', email: 'sato@example.com' } });
      const page = await admin.GET('/api/v1/users', {
        params: { query: { offset: 0, limit: 1, sort: '-createdAt,name' } },
      });
      expect(page.response.status).toBe(200);
      expect(page.data?.total).toBe(2);
      expect(page.data?.data).toHaveLength(1);
      expect(page.data?.metadata.links.next).toBe('/api/v1/users?sort=-createdAt%2Cname&offset=1&limit=1');

      const filtered = await admin.GET('/api/v1/users', { params: { query: { email: 'sato@example.com' } } });
      expect(filtered.data?.data.map((u) => u.name)).toEqual(['佐藤花子']);

      const sparse = await admin.GET('/api/v1/users', { params: { query: { fields: 'name,email', sort: 'email' } } });
      expect(sparse.data?.data).toEqual([
        { name: '佐藤花子', email: 'sato@example.com' },
        { name: '山田太郎', email: 'yamada@example.com' },
      ]);
      const unknownField = await admin.GET('/api/v1/users', { params: { query: { fields: 'password' } } });
      expect(unknownField.response.status).toBe(400);

      const text: TextApi = client(adminToken);
      const csv = await text.GET('/api/v1/users', { headers: { accept: 'text/csv' }, parseAs: 'text' });
      expect(csv.response.status).toBe(200);
      expect(csv.data?.split('\n')[0]).toBe('userId,name,email,createdAt,updatedAt');

      const zero = await admin.GET('/api/v1/users', { params: { query: { limit: 0 } } });
      expect(zero.response.status).toBe(400);
      const fraction = await admin.GET('/api/v1/users', { params: { query: { offset: 1.5 } } });
      expect(fraction.response.status).toBe(400);

      const xml = await admin.GET('/api/v1/users', { headers: { accept: 'application/xml' } });
      expect(xml.response.status).toBe(406);
    });

    it('GET one: 200 with ETag, 304 for If-None-Match, 404 for an unknown id', async () => {
      const got = await admin.GET('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(got.response.status).toBe(200);
      expect(got.data?.data.email).toBe('yamada@example.com');
      const email = await admin.GET('/api/v1/users/{userId}', {
        params: { path: { userId }, query: { fields: 'email' } },
      });
      expect(email.data?.data).toEqual({ email: 'yamada@example.com' });
      etag = got.response.headers.get('etag') ?? '';
      expect(etag).not.toBe('');

      const same = await admin.GET('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-None-Match': etag } },
      });
      expect(same.response.status).toBe(304);

      const missing = await admin.GET('/api/v1/users/{userId}', { params: { path: { userId: 'NOSUCHUSER' } } });
      expect(missing.response.status).toBe(404);
      expect(missing.error?.instance).toBe('/api/v1/users/NOSUCHUSER');
    });

    it('PUT: 200 with If-Match, 412 when it is stale; PATCH: 200 (JSON and merge patch), without If-Match', async () => {
      const replaced = await admin.PUT('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-Match': etag } },
        body: { name: '山田一郎', email: 'yamada@example.com' },
      });
      expect(replaced.response.status).toBe(200);
      expect(replaced.data?.data.name).toBe('山田一郎');

      const stale = await admin.PUT('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-Match': etag } },
        body: { name: 'Late', email: 'yamada@example.com' },
      });
      expect(stale.response.status).toBe(412);

      const patched = await admin.PATCH('/api/v1/users/{userId}', {
        params: { path: { userId } },
        body: { name: '山田二郎' },
      });
      expect(patched.response.status).toBe(200);
      expect(patched.data?.data).toMatchObject({ name: '山田二郎', email: 'yamada@example.com' });

      const merged = await admin.PATCH('/api/v1/users/{userId}', {
        params: { path: { userId } },
        body: { email: 'ichiro@example.com' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(merged.response.status).toBe(200);
      expect(merged.data?.data.email).toBe('ichiro@example.com');
    });

    it('GET profile: 200; DELETE: 204, then 404', async () => {
      const profile = await reader.GET('/api/v1/users/{userId}/profile', { params: { path: { userId } } });
      expect(profile.response.status).toBe(200);
      expect(profile.data?.data).toMatchObject({ userId, name: '山田二郎' });

      const unacceptable = await admin.DELETE('/api/v1/users/{userId}', {
        params: { path: { userId } },
        headers: { accept: 'application/xml' },
      });
      expect(unacceptable.response.status).toBe(406);
      const deleted = await admin.DELETE('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(deleted.response.status).toBe(204);
      const again = await admin.DELETE('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(again.response.status).toBe(404);
    });
  });

  describe('operations', () => {
    it('GET /health, /health/live, /health/ready, /version, /status: 200 and public', async () => {
      const health = await anonymous.GET('/health');
      expect(health.response.status).toBe(200);
      expect(health.data?.status).toBe('ok');
      expect((await anonymous.GET('/health/live')).data?.status).toBe('ok');
      expect((await anonymous.GET('/health/ready')).response.status).toBe(200);
      const version = await anonymous.GET('/version');
      expect(version.data?.node).toBe(process.version);
      const status = await anonymous.GET('/status');
      expect(status.response.status).toBe(200);
      expect(status.data?.sla.latencyP95Ms.target).toBe('< 200');
    });

    it('GET /metrics: Prometheus text with ops:read, 401 problem without a token', async () => {
      const text: TextApi = client(adminToken);
      const metrics = await text.GET('/metrics', { parseAs: 'text' });
      expect(metrics.response.status).toBe(200);
      expect(metrics.data).toContain('# TYPE');
      const denied = await anonymous.GET('/metrics');
      expect(denied.response.status).toBe(401);
    });

    it('GET /debug: 200 with ops:admin, 403 problem without it', async () => {
      const debug = await admin.GET('/debug');
      expect(debug.response.status).toBe(200);
      expect(debug.data?.lifecycle).toBe('ready');
      const forbidden = await reader.GET('/debug');
      expect(forbidden.response.status).toBe(403);
    });
  });

  describe('payments', () => {
    let userId: string;
    let paymentId: string;

    beforeAll(async () => {
      const { data } = await admin.POST('/api/v1/users', { body: { name: 'Payer', email: 'payer@example.com' } });
      userId = data?.data.userId ?? '';
    });
    afterEach(async () => {
      await s.clearFaults();
    });

    it('POST: 201, the same Idempotency-Key again 200 (replay), 422 for an unknown user', async () => {
      const body = { userId, amount: 1200, currency: 'JPY' };
      const created = await admin.POST('/api/v1/payments', {
        params: { header: { 'Idempotency-Key': 'order-1' } },
        body,
      });
      expect(created.response.status).toBe(201);
      expect(created.data?.data.status).toBe('pending');
      paymentId = created.data?.data.paymentId ?? '';

      const replay = await admin.POST('/api/v1/payments', {
        params: { header: { 'Idempotency-Key': 'order-1' } },
        body,
      });
      expect(replay.response.status).toBe(200);
      expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.data?.data.paymentId).toBe(paymentId);

      const plain = await admin.POST('/api/v1/payments', { body: { userId, amount: 500, currency: 'JPY' } });
      expect(plain.response.status).toBe(201);
      expect(plain.data?.data.idempotencyKey).toBeNull();

      const unknown = await admin.POST('/api/v1/payments', {
        body: { userId: 'NOSUCHUSER', amount: 1, currency: 'JPY' },
      });
      expect(unknown.response.status).toBe(422);
    });

    it('POST: 502 problem naming the integration when every instance keeps failing', async () => {
      await s.fault('payment/a', { status: 500 });
      await s.fault('payment/b', { status: 500 });
      const failed = await admin.POST('/api/v1/payments', { body: { userId, amount: 700, currency: 'JPY' } });
      expect(failed.response.status).toBe(502);
      expect(failed.error?.integration).toBe('payment');
    });

    it('GET list (filtered) and one: 200; 404 for an unknown id', async () => {
      const list = await admin.GET('/api/v1/payments', {
        params: { query: { userId, status: 'pending', sort: 'amount' } },
      });
      expect(list.response.status).toBe(200);
      expect(list.data?.data.map((p) => p.amount)).toEqual([500, 1200]);

      const one = await admin.GET('/api/v1/payments/{paymentId}', { params: { path: { paymentId } } });
      expect(one.data?.data.paymentId).toBe(paymentId);
      const missing = await admin.GET('/api/v1/payments/{paymentId}', { params: { path: { paymentId: 'NOPE' } } });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('messages', () => {
    it('email: POST 201, 400 for an invalid address; GET list and one 200; 404 for an unknown id', async () => {
      const sent = await admin.POST('/api/v1/email-messages', {
        body: { to: 'yamada@example.com', subject: 'お支払いが完了しました', text: 'ご利用ありがとうございます。' },
      });
      expect(sent.response.status).toBe(201);
      const messageId = sent.data?.data.messageId ?? '';
      expect(sent.data?.data.providerMessageId).toMatch(/^msg_/);

      const invalid = await admin.POST('/api/v1/email-messages', { body: { to: 'nobody', subject: 's', text: 't' } });
      expect(invalid.response.status).toBe(400);

      const list = await admin.GET('/api/v1/email-messages', { params: { query: { to: 'yamada@example.com' } } });
      expect(list.data?.total).toBe(1);
      const one = await admin.GET('/api/v1/email-messages/{messageId}', { params: { path: { messageId } } });
      expect(one.data?.data.subject).toBe('お支払いが完了しました');
      const missing = await admin.GET('/api/v1/email-messages/{messageId}', {
        params: { path: { messageId: 'NOPE' } },
      });
      expect(missing.response.status).toBe(404);
    });

    it('SMS: POST 201, 400 for a number that is not E.164; GET list and one 200; 404 for an unknown id', async () => {
      const sent = await admin.POST('/api/v1/sms-messages', {
        body: { to: '+819012345678', body: '認証コード: 123456' },
      });
      expect(sent.response.status).toBe(201);
      const messageId = sent.data?.data.messageId ?? '';

      const invalid = await admin.POST('/api/v1/sms-messages', { body: { to: '090-1234-5678', body: 'x' } });
      expect(invalid.response.status).toBe(400);

      const list = await admin.GET('/api/v1/sms-messages', { params: { query: { to: '+819012345678', limit: 5 } } });
      expect(list.data?.total).toBe(1);
      const one = await admin.GET('/api/v1/sms-messages/{messageId}', { params: { path: { messageId } } });
      expect(one.data?.data.body).toBe('認証コード: 123456');
      const missing = await admin.GET('/api/v1/sms-messages/{messageId}', { params: { path: { messageId: 'NOPE' } } });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('integrations', () => {
    it('GET /geocode: 200 for a known place, 404 problem for an unknown one', async () => {
      const found = await admin.GET('/api/v1/geocode', { params: { query: { address: 'Tokyo Station' } } });
      expect(found.response.status).toBe(200);
      expect(found.data?.data.lat).toBeCloseTo(35.681236, 5);
      const unknown = await admin.GET('/api/v1/geocode', { params: { query: { address: 'Nowhere 1-2-3' } } });
      expect(unknown.response.status).toBe(404);
      expect(unknown.error?.integration).toBe('maps');
    });

    it('GET list and one: 200 with instances, circuit and token state; 404 for an unknown name', async () => {
      const list = await admin.GET('/api/v1/integrations', { params: { query: { sort: 'name' } } });
      expect(list.data?.data.map((i) => i.name)).toEqual(['email', 'maps', 'payment', 'sms']);
      const payment = await admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'payment' } },
      });
      expect(payment.data?.data.auth).toBe('oauth2');
      const email = await admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'email' } },
      });
      expect(email.data?.data.token).toBeNull();
      const missing = await admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'fax' } },
      });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('webhooks and webhook-events', () => {
    let eventId: string;

    /** POST /api/v1/webhooks/{source} with a Standard Webhooks delivery, its raw body sent byte for byte. */
    const deliver = (source: string, delivery: ReturnType<typeof standardDelivery>) =>
      anonymous.POST('/api/v1/webhooks/{source}', {
        params: {
          path: { source },
          header: {
            'webhook-id': delivery.headers['webhook-id'],
            'webhook-timestamp': delivery.headers['webhook-timestamp'],
          },
        },
        body: delivery.body.toString('utf8'),
        bodySerializer: (body) => body,
        headers: { 'content-type': 'application/json', 'webhook-signature': delivery.headers['webhook-signature'] },
      });

    it('receiver: 200 stored, 200 duplicate, 401 for a bad signature, 404 for an unknown source', async () => {
      const delivery = standardDelivery({ type: 'order.created', data: { orderId: 'o-1' } });
      const stored = await deliver('acme', delivery);
      expect(stored.response.status).toBe(200);
      expect(stored.data?.data.duplicate).toBe(false);
      eventId = stored.data?.data.eventId ?? '';

      const duplicate = await deliver('acme', delivery);
      expect(duplicate.data?.data).toEqual({ eventId, duplicate: true });

      const forged = await deliver('acme', standardDelivery({ type: 'x' }, { secret: STANDARD_UNKNOWN_SECRET }));
      expect(forged.response.status).toBe(401);
      const unknown = await deliver('nobody', standardDelivery({ type: 'x' }));
      expect(unknown.response.status).toBe(404);
    });

    it('GET list and one: 200; POST replay: 202 once settled; 404 for an unknown event', async () => {
      const settled = await waitFor(
        async () => {
          const { data } = await admin.GET('/api/v1/webhook-events/{eventId}', { params: { path: { eventId } } });
          // Typed "the event or its `fields` projection": without `fields` every property is there.
          return data && ['processed', 'ignored', 'dead'].includes(data.data.status ?? '') ? data.data : undefined;
        },
        { what: 'the event settled' },
      );
      expect(settled.status).toBe('ignored');
      expect(JSON.parse(settled.body ?? '')).toEqual({ type: 'order.created', data: { orderId: 'o-1' } });

      const list = await admin.GET('/api/v1/webhook-events', { params: { query: { source: 'acme', limit: 10 } } });
      expect(list.data?.data.map((e) => e.eventId)).toEqual([eventId]);

      const replayed = await admin.POST('/api/v1/webhook-events/{eventId}/replay', { params: { path: { eventId } } });
      expect(replayed.response.status).toBe(202);
      expect(replayed.data?.data.eventId).toBe(eventId);

      const missing = await admin.GET('/api/v1/webhook-events/{eventId}', { params: { path: { eventId: 'NOPE' } } });
      expect(missing.response.status).toBe(404);
      const noReplay = await admin.POST('/api/v1/webhook-events/{eventId}/replay', {
        params: { path: { eventId: 'NOPE' } },
      });
      expect(noReplay.response.status).toBe(404);
      // The replayed event settles again before the app stops.
      await waitFor(
        async () => {
          const { data } = await admin.GET('/api/v1/webhook-events/{eventId}', { params: { path: { eventId } } });
          return data?.data.status === 'ignored';
        },
        { what: 'the replayed event settled' },
      );
    });
  });

  describe('resources of the kit (document-driven)', () => {
    // A resource made by `npm run generate` is found in the served document (`x-resource`) and called here
    // without a hand-written call: each answer goes through the same contract check. Resources the typed
    // calls above already cover (users) are left to them.
    it('each resource not called above: create, list, get, 304, PUT, merge patch, 412, 404, DELETE', async () => {
      const called = new Set(contract.exchanges.map((e) => `${e.method.toUpperCase()} ${e.path}`));
      const check = (template: string, method: string, response: Response) =>
        contract.check(template, method, response);
      for (const resource of kitResources(contract.document)) {
        if (resource.operations.every((op) => called.has(op))) continue;
        await exerciseResource(resource, sampleOf(contract.document, resource), { baseUrl, token: adminToken, check });
      }
    });
  });

  describe('coverage of the document', () => {
    it('every (path, method) of the document was called through the client and its answer validated', () => {
      const called = new Set(contract.exchanges.map((e) => `${e.method.toUpperCase()} ${e.path}`));
      const missing = contract
        .operations()
        .map((op) => `${op.method.toUpperCase()} ${op.path}`)
        .filter((key) => !called.has(key));
      if (missing.length > 0) {
        throw new Error(
          `operations of the OpenAPI document never called in test/openapi-client.e2e-spec.ts:\n  ${missing.join('\n  ')}`,
        );
      }
    });

    it('every tag has at least one documented error response validated', () => {
      const tagsWithError = new Set(
        contract
          .operations()
          .flatMap((op) =>
            contract.exchanges.some((e) => e.path === op.path && e.method === op.method && isError(e.status))
              ? op.tags
              : [],
          ),
      );
      const tags = [...new Set(contract.operations().flatMap((op) => op.tags))];
      expect(tags.filter((tag) => !tagsWithError.has(tag))).toEqual([]);
      expect(tags.length).toBeGreaterThanOrEqual(8);
    });
  });
});
