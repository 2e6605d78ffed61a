// The generated client (openapi-typescript types + openapi-fetch) against the operations endpoints, payments,
// email and SMS messages and the integrations: every answer goes through the suite's OpenApiContract (status
// documented, Content-Type declared, body valid against the documented schema). The operations this file calls
// are claimed in test/support/openapi-client-claims.ts; its last test checks the claim.
import { claimOf, missedClaims } from './support/openapi-client-claims.js';
import { openApiClientSuite, type TextApi } from './support/openapi-client-suite.js';

describe('generated OpenAPI client: operations, payments, messages and integrations', () => {
  const api = openApiClientSuite();

  describe('operations', () => {
    it('GET /health, /health/live, /health/ready, /version, /status: 200 and public', async () => {
      const health = await api.anonymous.GET('/health');
      expect(health.response.status).toBe(200);
      expect(health.data?.status).toBe('ok');
      expect((await api.anonymous.GET('/health/live')).data?.status).toBe('ok');
      expect((await api.anonymous.GET('/health/ready')).response.status).toBe(200);
      const version = await api.anonymous.GET('/version');
      expect(version.data?.node).toBe(process.version);
      const status = await api.anonymous.GET('/status');
      expect(status.response.status).toBe(200);
      expect(status.data?.sla.latencyP95Ms.target).toBe('< 200');
    });

    it('GET /metrics: Prometheus text with ops:read, 401 problem without a token', async () => {
      const text: TextApi = api.client(api.adminToken);
      const metrics = await text.GET('/metrics', { parseAs: 'text' });
      expect(metrics.response.status).toBe(200);
      expect(metrics.data).toContain('# TYPE');
      const denied = await api.anonymous.GET('/metrics');
      expect(denied.response.status).toBe(401);
    });

    it('GET /debug: 200 with ops:api.admin, 403 problem without it', async () => {
      const debug = await api.admin.GET('/debug');
      expect(debug.response.status).toBe(200);
      expect(debug.data?.lifecycle).toBe('ready');
      const forbidden = await api.reader.GET('/debug');
      expect(forbidden.response.status).toBe(403);
    });
  });

  describe('payments', () => {
    let userId: string;
    let paymentId: string;

    beforeAll(async () => {
      const { data } = await api.admin.POST('/api/v1/users', { body: { name: 'Payer', email: 'payer@example.com' } });
      userId = data?.data.userId ?? '';
    });
    afterEach(async () => {
      await api.s.clearFaults();
    });

    it('POST: 201, the same Idempotency-Key again 200 (replay), 422 for an unknown user', async () => {
      const body = { userId, amount: 1200, currency: 'JPY' };
      const created = await api.admin.POST('/api/v1/payments', {
        params: { header: { 'Idempotency-Key': 'order-1' } },
        body,
      });
      expect(created.response.status).toBe(201);
      expect(created.data?.data.status).toBe('pending');
      paymentId = created.data?.data.paymentId ?? '';

      const replay = await api.admin.POST('/api/v1/payments', {
        params: { header: { 'Idempotency-Key': 'order-1' } },
        body,
      });
      expect(replay.response.status).toBe(200);
      expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.data?.data.paymentId).toBe(paymentId);

      const plain = await api.admin.POST('/api/v1/payments', { body: { userId, amount: 500, currency: 'JPY' } });
      expect(plain.response.status).toBe(201);
      expect(plain.data?.data.idempotencyKey).toBeNull();

      const unknown = await api.admin.POST('/api/v1/payments', {
        body: { userId: 'NOSUCHUSER', amount: 1, currency: 'JPY' },
      });
      expect(unknown.response.status).toBe(422);
    });

    it('POST: 502 problem naming the integration when every instance keeps failing', async () => {
      await api.s.fault('payment/a', { status: 500 });
      await api.s.fault('payment/b', { status: 500 });
      const failed = await api.admin.POST('/api/v1/payments', { body: { userId, amount: 700, currency: 'JPY' } });
      expect(failed.response.status).toBe(502);
      expect(failed.error?.integration).toBe('payment');
    });

    it('GET list (filtered) and one: 200; 404 for an unknown id', async () => {
      const list = await api.admin.GET('/api/v1/payments', {
        params: { query: { userId, status: 'pending', sort: 'amount' } },
      });
      expect(list.response.status).toBe(200);
      expect(list.data?.data.map((p) => p.amount)).toEqual([500, 1200]);

      const one = await api.admin.GET('/api/v1/payments/{paymentId}', { params: { path: { paymentId } } });
      expect(one.data?.data.paymentId).toBe(paymentId);
      const missing = await api.admin.GET('/api/v1/payments/{paymentId}', { params: { path: { paymentId: 'NOPE' } } });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('messages', () => {
    it('email: POST 201, 400 for an invalid address; GET list and one 200; 404 for an unknown id', async () => {
      const sent = await api.admin.POST('/api/v1/email-messages', {
        body: { to: 'yamada@example.com', subject: 'お支払いが完了しました', text: 'ご利用ありがとうございます。' },
      });
      expect(sent.response.status).toBe(201);
      const messageId = sent.data?.data.messageId ?? '';
      expect(sent.data?.data.providerMessageId).toMatch(/^msg_/);

      const invalid = await api.admin.POST('/api/v1/email-messages', {
        body: { to: 'nobody', subject: 's', text: 't' },
      });
      expect(invalid.response.status).toBe(400);

      const list = await api.admin.GET('/api/v1/email-messages', { params: { query: { to: 'yamada@example.com' } } });
      expect(list.data?.total).toBe(1);
      const one = await api.admin.GET('/api/v1/email-messages/{messageId}', { params: { path: { messageId } } });
      expect(one.data?.data.subject).toBe('お支払いが完了しました');
      const missing = await api.admin.GET('/api/v1/email-messages/{messageId}', {
        params: { path: { messageId: 'NOPE' } },
      });
      expect(missing.response.status).toBe(404);
    });

    it('SMS: POST 201, 400 for a number that is not E.164; GET list and one 200; 404 for an unknown id', async () => {
      const sent = await api.admin.POST('/api/v1/sms-messages', {
        body: { to: '+819012345678', body: '認証コード: 123456' },
      });
      expect(sent.response.status).toBe(201);
      const messageId = sent.data?.data.messageId ?? '';

      const invalid = await api.admin.POST('/api/v1/sms-messages', { body: { to: '090-1234-5678', body: 'x' } });
      expect(invalid.response.status).toBe(400);

      const list = await api.admin.GET('/api/v1/sms-messages', {
        params: { query: { to: '+819012345678', limit: 5 } },
      });
      expect(list.data?.total).toBe(1);
      const one = await api.admin.GET('/api/v1/sms-messages/{messageId}', { params: { path: { messageId } } });
      expect(one.data?.data.body).toBe('認証コード: 123456');
      const missing = await api.admin.GET('/api/v1/sms-messages/{messageId}', {
        params: { path: { messageId: 'NOPE' } },
      });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('integrations', () => {
    it('GET /geocode: 200 for a known place, 404 problem for an unknown one', async () => {
      const found = await api.admin.GET('/api/v1/geocode', { params: { query: { address: 'Tokyo Station' } } });
      expect(found.response.status).toBe(200);
      expect(found.data?.data.lat).toBeCloseTo(35.681236, 5);
      const unknown = await api.admin.GET('/api/v1/geocode', { params: { query: { address: 'Nowhere 1-2-3' } } });
      expect(unknown.response.status).toBe(404);
      expect(unknown.error?.integration).toBe('maps');
    });

    it('GET list and one: 200 with instances, circuit and token state; 404 for an unknown name', async () => {
      const list = await api.admin.GET('/api/v1/integrations', { params: { query: { sort: 'name' } } });
      expect(list.data?.data.map((i) => i.name)).toEqual(['email', 'maps', 'payment', 'sms']);
      const payment = await api.admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'payment' } },
      });
      expect(payment.data?.data.auth).toBe('oauth2');
      const email = await api.admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'email' } },
      });
      expect(email.data?.data.token).toBeNull();
      const missing = await api.admin.GET('/api/v1/integrations/{integrationName}', {
        params: { path: { integrationName: 'fax' } },
      });
      expect(missing.response.status).toBe(404);
    });
  });

  describe('claimed coverage', () => {
    it('called every operation it claims in test/support/openapi-client-claims.ts, with an error answer of each claimed tag', () => {
      expect(
        missedClaims(api.contract, claimOf('openapi-client-operations-integrations', api.contract.document)),
      ).toEqual({
        operations: [],
        errorTags: [],
      });
    });
  });
});
