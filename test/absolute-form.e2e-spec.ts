import { Controller, Get, Module } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { PROBLEM_BASE } from '../src/common/http/problem.js';
import { bearer } from './helpers/http.js';
import { absoluteForm, rawRequest, type RawAnswer } from './helpers/raw-http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';

/** A route that forgot `@Auth`: the default-deny branch of the auth guard must still refuse it. */
@Controller({ path: 'forgotten-auth', version: '1' })
class ForgottenAuthController {
  @Get()
  get() {
    return { reachable: true };
  }
}

@Module({ controllers: [ForgottenAuthController] })
class ForgottenAuthModule {}

async function listen(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

function expectRawProblem(res: RawAnswer, status: number, slug: string): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ type: PROBLEM_BASE + slug, status });
  expect(res.json?.requestId).toBe(res.headers['x-request-id']);
  return res.json!;
}

const wrongSecret = new URLSearchParams({
  grant_type: 'client_credentials',
  client_id: BOOTSTRAP.id,
  client_secret: 'wrong-secret-000000000',
}).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/**
 * RFC 9112 §3.2.2 absolute-form (`GET http://host/api/v1/users HTTP/1.1`) on a real socket: every
 * rule applies by the matched route, so this form gets exactly what origin-form gets.
 */
describe('absolute-form request targets (e2e, raw sockets)', () => {
  describe('rate limit (5 per minute)', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
      port = await listen(t);
    });
    afterAll(async () => {
      await t.close();
    });

    it('30 absolute-form requests on /api/v1/users: 5 pass, the rest 429', async () => {
      const auth = bearer(await t.token());
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await rawRequest(port, absoluteForm('GET', '/api/v1/users', { Authorization: auth }));
        statuses.push(res.status);
        if (i === 5) expectRawProblem(res, 429, 'too-many-requests');
      }
      // The subject's own budget: the token request above spent a point of the IP's, not this one.
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    });

    it('20 wrong secrets on absolute-form /oauth/token: 429 after the budget, no unlimited guessing', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        statuses.push((await rawRequest(port, absoluteForm('POST', '/oauth/token', FORM, wrongSecret))).status);
      }
      // The bootstrap token request of the test above spent one of the IP's 5.
      expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
      expect(statuses.slice(4).every((s) => s === 429)).toBe(true);
    });
  });

  describe('REST conventions and auth', () => {
    let t: TestApp;
    let port: number;
    let auth: string;
    beforeAll(async () => {
      t = await startTestApp({}, { imports: [ForgottenAuthModule] });
      port = await listen(t);
      auth = bearer(await t.token());
      await t.http.post('/api/v1/users').set('authorization', auth).send({ name: 'Ada', email: 'ada@example.com' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('envelope, ETag, Vary, fields projection and paging links as in origin-form', async () => {
      const res = await rawRequest(port, absoluteForm('GET', '/api/v1/users?fields=name', { Authorization: auth }));
      expect(res.status).toBe(200);
      expect(res.headers.etag).toMatch(/^"/);
      expect(res.headers.vary).toContain('Accept');
      expect(res.json).toMatchObject({ status: 'success', total: 1, data: [{ name: 'Ada' }] });
      expect(Object.keys((res.json!.data as object[])[0])).toEqual(['name']);
      const links = (res.json!.metadata as { links: { self: string } }).links;
      expect(links.self).toBe('/api/v1/users?fields=name&offset=0&limit=20');
    });

    it('an Accept the route cannot produce stays 406', async () => {
      const res = await rawRequest(
        port,
        absoluteForm('GET', '/api/v1/users', { Authorization: auth, Accept: 'text/html' }),
      );
      expectRawProblem(res, 406, 'not-acceptable');
    });

    it('an unknown query parameter on POST stays 400, and nothing is created', async () => {
      const body = JSON.stringify({ name: 'Bob', email: 'bob@example.com' });
      const headers = { Authorization: auth, 'Content-Type': 'application/json' };
      const res = await rawRequest(port, absoluteForm('POST', '/api/v1/users?debug=1', headers, body));
      const problem = expectRawProblem(res, 400, 'validation-error');
      expect(problem.instance).toBe('/api/v1/users');
      const list = await t.http.get('/api/v1/users').set('authorization', auth).expect(200);
      expect((list.body as { total: number }).total).toBe(1);
    });

    it('a /api route without @Auth is denied by default in either form', async () => {
      await t.http.get('/api/v1/forgotten-auth').expect(401);
      const res = await rawRequest(port, absoluteForm('GET', '/api/v1/forgotten-auth'));
      expectRawProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('OPTIONS lists the methods of the documented path in either form', async () => {
      const res = await rawRequest(port, absoluteForm('OPTIONS', '/api/v1/users'));
      expect(res.status).toBe(200);
      expect(res.headers.allow).toContain('POST');
      expect(res.json).toMatchObject({ status: 'success', data: { path: '/api/v1/users' } });
    });
  });
});
