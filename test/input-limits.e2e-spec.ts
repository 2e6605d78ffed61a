import { INPUT_LIMITS } from '../src/common/http/input-limits.js';
import { bearer, expectProblem, type Problem } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';

interface CappedProblem extends Problem {
  errorsOmitted?: number;
}

/** `{"a":{"a":...{"a":1}}}` nested `levels` deep, built as text (JSON.stringify would overflow). */
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/**
 * Hostile shapes of input get a small 400 problem: bounded by counts and sizes (never by time),
 * refused before anything recursive or per-property walks them.
 */
describe('input limits (e2e)', () => {
  let t: TestApp;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_ACME_SCHEME: 'standard',
      WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
      WEBHOOK_ACME_ALLOWED_IPS: '127.0.0.1/32,::1/128',
    });
    auth = bearer(await t.token());
  });
  afterAll(async () => {
    await t.close();
  });

  const postUser = (body: string, type = 'application/json') =>
    t.http.post('/api/v1/users').set('authorization', auth).set('content-type', type).send(body);

  describe('nesting', () => {
    it('a body nested 2,000 levels on a JSON route: 400 naming the limit, not a stack overflow', async () => {
      for (const body of [deepObject(2000), deepArray(2000)]) {
        const problem = expectProblem(await postUser(body), 400, 'validation-error', '/api/v1/users');
        expect(problem.errors).toEqual([
          { field: 'body', code: 'bodyTooDeep', message: `the body nests deeper than ${INPUT_LIMITS.maxDepth} levels` },
        ]);
      }
    });

    it('the bound is exact: 32 levels are read (then validated), 33 refused', async () => {
      const within = expectProblem(await postUser(deepObject(INPUT_LIMITS.maxDepth)), 400, 'validation-error');
      expect(within.errors?.some((e) => e.code === 'bodyTooDeep')).toBe(false);
      const beyond = expectProblem(await postUser(deepObject(INPUT_LIMITS.maxDepth + 1)), 400, 'validation-error');
      expect(beyond.errors?.[0].code).toBe('bodyTooDeep');
    });

    it('the same on a merge patch and on the token endpoint, in the caller language', async () => {
      const patch = await t.http
        .patch('/api/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAV')
        .set('authorization', auth)
        .set('content-type', 'application/merge-patch+json')
        .set('accept-language', 'ja')
        .send(deepObject(5000));
      const problem = expectProblem(patch, 400, 'validation-error');
      expect(problem.errors?.[0]).toMatchObject({ field: 'body', code: 'bodyTooDeep' });
      expect(problem.errors?.[0].message).toContain('32');
      expect(problem.errors?.[0].message).not.toContain('nests');
      const token = await t.http.post('/oauth/token').set('content-type', 'application/json').send(deepArray(5000));
      expectProblem(token, 400, 'validation-error', '/oauth/token');
    });

    it('a signed webhook whose payload nests 5,000 levels: a 4xx or an accepted delivery, never a 5xx', async () => {
      const delivery = standardDelivery(undefined, {
        body: Buffer.from(`{"type":"order.created","data":${deepObject(5000)}}`),
      });
      const res = await t.http.post('/api/v1/webhooks/acme').set(delivery.headers).send(delivery.body);
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('property and parameter counts', () => {
    it('10,000 unknown body properties: one small problem naming the bound (was 1.24 MB)', async () => {
      const body = JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p${i}`, i])));
      const res = await postUser(body);
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors).toEqual([
        {
          field: 'body',
          code: 'bodyTooManyValues',
          message: `the body has more than ${INPUT_LIMITS.maxBodyValues} values`,
        },
      ]);
      expect(res.text.length).toBeLessThan(1000);
    });

    it('within the bound, at most 100 errors are listed and the rest counted in errorsOmitted', async () => {
      const count = INPUT_LIMITS.maxBodyValues - 2;
      const unknown = Array.from({ length: count }, (_, i) => [`unknown${i}`, i]);
      const res = await postUser(
        JSON.stringify({ name: 'Ada', email: 'ada@example.com', ...Object.fromEntries(unknown) }),
      );
      const problem = expectProblem(res, 400, 'validation-error') as CappedProblem;
      expect(problem.errors).toHaveLength(100);
      expect(problem.errorsOmitted).toBe(count - 100);
      expect(problem.detail!.length).toBeLessThanOrEqual(10_000);
      expect(res.text.length).toBeLessThan(30_000);
    });

    it('a property name of 5,000 characters is clipped in the problem to the documented 200', async () => {
      const res = await postUser(JSON.stringify({ name: 'Ada', email: 'ada@example.com', ['k'.repeat(5000)]: 1 }));
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors).toHaveLength(1);
      expect(problem.errors![0].field.length).toBeLessThanOrEqual(200);
      expect(problem.errors![0].message.length).toBeLessThanOrEqual(1000);
      expect(problem.detail!.length).toBeLessThanOrEqual(10_000);
    });

    it('1,500 unknown query parameters: one small problem naming the bound (was 183 KB)', async () => {
      const query = Array.from({ length: 1500 }, (_, i) => `q${i}=1`).join('&');
      const res = await t.http.get(`/api/v1/users?${query}`).set('authorization', auth);
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.errors).toEqual([
        {
          field: 'query',
          code: 'queryTooManyValues',
          message: `the query string has more than ${INPUT_LIMITS.maxQueryValues} parameter values`,
        },
      ]);
      expect(res.text.length).toBeLessThan(1000);
    });

    it('a parameter repeated past the bound counts each value; within it, the usual rules answer', async () => {
      const repeated = Array.from({ length: INPUT_LIMITS.maxQueryValues + 1 }, () => 'sort=name').join('&');
      const over = await t.http.get(`/api/v1/users?${repeated}`).set('authorization', auth);
      expect(expectProblem(over, 400, 'validation-error').errors?.[0].code).toBe('queryTooManyValues');
      const unknown = Array.from({ length: INPUT_LIMITS.maxQueryValues }, (_, i) => `q${i}=1`).join('&');
      const within = await t.http.get(`/api/v1/users?${unknown}`).set('authorization', auth);
      expect(expectProblem(within, 400, 'validation-error').errors?.[0].code).toBe('whitelistValidation');
    });
  });
});
