import { envelope, expectProblem, ISO_UTC, list, type UserBody } from './helpers/http.js';
import { NAMES, seededSuite } from './support/rest-conventions-app.js';

function isSorted(values: string[], direction: 'asc' | 'desc'): boolean {
  return values.every((v, i) => i === 0 || (direction === 'asc' ? values[i - 1] <= v : values[i - 1] >= v));
}

describe('REST conventions (§1 shape, §2 query)', () => {
  const s = seededSuite();

  describe('§1 envelope and request id', () => {
    it('a single resource: status, data, metadata.requestId/timestamp, nothing else', async () => {
      const res = await s.get(`/api/v1/users/${s.users[0].userId}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = envelope<UserBody>(res);
      expect(Object.keys(body).sort()).toEqual(['data', 'metadata', 'status']);
      expect(body.status).toBe('success');
      expect(typeof body.data.userId).toBe('string');
      expect(body.metadata.requestId).toBe(res.headers['x-request-id']);
      expect(body.metadata.timestamp).toMatch(ISO_UTC);
    });

    it('a collection: data array, total of all matching rows (not the page), offset, limit, links', async () => {
      const res = await s.get('/api/v1/users').expect(200);
      const body = list<UserBody>(res);
      expect(Object.keys(body).sort()).toEqual(['data', 'metadata', 'status', 'total']);
      expect(body.status).toBe('success');
      expect(body.data).toHaveLength(20);
      expect(body.total).toBe(NAMES.length);
      expect(body.metadata).toMatchObject({ offset: 0, limit: 20, requestId: res.headers['x-request-id'] });
      expect(body.metadata.timestamp).toMatch(ISO_UTC);
      expect(body.metadata.links).toEqual({
        self: '/api/v1/users?offset=0&limit=20',
        next: '/api/v1/users?offset=20&limit=20',
        prev: null,
      });
    });

    it('echoes a sane X-Request-Id in the header and the body', async () => {
      const res = await s.get('/api/v1/users').set('x-request-id', 'client-trace.42:abc').expect(200);
      expect(res.headers['x-request-id']).toBe('client-trace.42:abc');
      expect(list<UserBody>(res).metadata.requestId).toBe('client-trace.42:abc');
    });

    it('generates a new id when the given one is not sane, and a different one per request', async () => {
      for (const insane of ['has spaces in it', '<script>alert(1)</script>', 'x'.repeat(200)]) {
        const res = await s.get('/api/v1/users').set('x-request-id', insane).expect(200);
        const id = res.headers['x-request-id'] as string;
        expect(id).not.toBe(insane);
        expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        expect(list<UserBody>(res).metadata.requestId).toBe(id);
      }
      const a = await s.get('/api/v1/users').expect(200);
      const b = await s.get('/api/v1/users').expect(200);
      expect(a.headers['x-request-id']).toBeTruthy();
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('errors carry X-Request-Id too, echoed or generated, and the same id as body requestId', async () => {
      const echoed = await s.get('/api/v1/users/01NOSUCHUSER0000000000000').set('x-request-id', 'err-trace-1');
      expect(echoed.headers['x-request-id']).toBe('err-trace-1');
      expect(expectProblem(echoed, 404).requestId).toBe('err-trace-1');

      const unauthenticated = await s.t.http.get('/api/v1/users').set('x-request-id', 'err-trace-2');
      expect(expectProblem(unauthenticated, 401).requestId).toBe('err-trace-2');

      const generated = await s.get('/api/v1/users?limit=0').set('x-request-id', 'bad id');
      const problem = expectProblem(generated, 400);
      expect(problem.requestId).not.toBe('bad id');
      expect(problem.requestId.length).toBeGreaterThan(0);
    });

    it('404 problem for an unknown path, inside and outside /api/v1', async () => {
      expectProblem(await s.get('/api/v1/no-such-things'), 404, 'not-found', '/api/v1/no-such-things');
      expectProblem(await s.t.http.get('/no-such-page'), 404, 'not-found', '/no-such-page');
    });

    it('URLs the router refuses are problems with X-Request-Id too', async () => {
      // An id longer than any id can be is an unknown id.
      const long = await s.get(`/api/v1/users/${'x'.repeat(300)}`).set('x-request-id', 'long-id-trace');
      expect(long.headers['x-request-id']).toBe('long-id-trace');
      expectProblem(long, 404, 'not-found');
      const malformed = await s.get('/api/v1/users/%E0%A4%A').set('x-request-id', 'bad-url-trace');
      expect(malformed.headers['x-request-id']).toBe('bad-url-trace');
      expectProblem(malformed, 400, 'bad-request');
    });
  });

  describe('§2 offset and limit', () => {
    it('pages through the collection with next/prev links, total unchanged', async () => {
      const last = list<UserBody>(await s.get('/api/v1/users?offset=20').expect(200));
      expect(last.data).toHaveLength(NAMES.length - 20);
      expect(last.total).toBe(NAMES.length);
      expect(last.metadata.links).toEqual({
        self: '/api/v1/users?offset=20&limit=20',
        next: null,
        prev: '/api/v1/users?offset=0&limit=20',
      });

      const middle = list<UserBody>(await s.get('/api/v1/users?offset=10&limit=5').expect(200));
      expect(middle.data).toHaveLength(5);
      expect(middle.metadata).toMatchObject({ offset: 10, limit: 5 });
      expect(middle.metadata.links.next).toBe('/api/v1/users?offset=15&limit=5');
      expect(middle.metadata.links.prev).toBe('/api/v1/users?offset=5&limit=5');

      const all = list<UserBody>(await s.get('/api/v1/users?limit=100').expect(200));
      expect(all.data).toHaveLength(NAMES.length);
      expect(all.metadata.links.next).toBeNull();
      expect(all.data.slice(10, 15).map((u) => u.userId)).toEqual(middle.data.map((u) => u.userId));
    });

    it('an offset past the end is an empty page, not an error', async () => {
      const body = list<UserBody>(await s.get('/api/v1/users?offset=1000').expect(200));
      expect(body.data).toEqual([]);
      expect(body.total).toBe(NAMES.length);
    });

    it.each([
      ['offset', '-1'],
      ['offset', '1.5'],
      ['offset', 'abc'],
      ['limit', '0'],
      ['limit', '101'],
      ['limit', '-5'],
      ['limit', '2.5'],
      ['limit', 'ten'],
      // Number() would read these as numbers; the contract's integers are decimal.
      ['limit', '0x10'],
      ['limit', '1e2'],
      ['limit', '%2B5'],
      ['limit', '%201'],
      ['limit', ''],
      ['offset', ''],
    ])('%s=%s: 400 with errors[] naming it', async (param, value) => {
      const res = await s.get(`/api/v1/users?${param}=${value}`);
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.errors?.length).toBeGreaterThan(0);
      expect(problem.errors?.every((e) => e.field === param)).toBe(true);
    });

    it('limit=100 is the maximum allowed', async () => {
      expect(list<UserBody>(await s.get('/api/v1/users?limit=100').expect(200)).metadata.limit).toBe(100);
    });
  });

  describe('§2 fields', () => {
    it('fields=name,email: each item has only those properties', async () => {
      const body = list<Record<string, unknown>>(await s.get('/api/v1/users?fields=name,email&limit=100').expect(200));
      expect(body.data).toHaveLength(NAMES.length);
      for (const item of body.data) expect(Object.keys(item).sort()).toEqual(['email', 'name']);
    });

    it('an unknown name: 400 listing the allowed ones', async () => {
      const problem = expectProblem(await s.get('/api/v1/users?fields=name,secret'), 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('fields');
      expect(problem.errors?.[0].message).toContain('secret');
      expect(problem.errors?.[0].message).toContain('userId, name, email, createdAt, updatedAt');
    });
  });

  describe('§2 sort', () => {
    it('sort=name ascending and sort=-name descending', async () => {
      const asc = list<UserBody>(await s.get('/api/v1/users?sort=name&limit=100').expect(200)).data.map((u) => u.name);
      expect(asc).toHaveLength(NAMES.length);
      expect(isSorted(asc, 'asc')).toBe(true);
      expect(asc[0]).toBe('alpha');
      const desc = list<UserBody>(await s.get('/api/v1/users?sort=-name&limit=100').expect(200)).data.map(
        (u) => u.name,
      );
      expect(isSorted(desc, 'desc')).toBe(true);
      expect(desc[0]).toBe('user21');
    });

    it('several keys: sort=name,-createdAt', async () => {
      const data = list<UserBody>(await s.get('/api/v1/users?sort=name,-createdAt&limit=100').expect(200)).data;
      expect(
        isSorted(
          data.map((u) => u.name),
          'asc',
        ),
      ).toBe(true);
      const alphas = data.filter((u) => u.name === 'alpha').map((u) => u.createdAt);
      expect(alphas).toHaveLength(3);
      expect(isSorted(alphas, 'desc')).toBe(true);
    });

    it.each(['password', '-password', 'name,bogus'])('sort=%s (unknown key): 400', async (sort) => {
      const problem = expectProblem(await s.get(`/api/v1/users?sort=${sort}`), 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('sort');
      // The message names the key that is wrong, not only the ones that are right.
      expect(problem.errors?.[0].message).toContain(`unknown sort key(s) ${sort.split(',').pop()}`);
    });
  });

  describe('§2 filters and unknown parameters', () => {
    it('filters by name: total counts the matching rows; links keep the filter', async () => {
      const body = list<UserBody>(await s.get('/api/v1/users?name=alpha&limit=2').expect(200));
      expect(body.total).toBe(3);
      expect(body.data).toHaveLength(2);
      expect(body.data.every((u) => u.name === 'alpha')).toBe(true);
      const next = new URL(body.metadata.links.next!, 'http://x');
      expect(next.pathname).toBe('/api/v1/users');
      expect(Object.fromEntries(next.searchParams)).toEqual({ name: 'alpha', offset: '2', limit: '2' });
      const rest = list<UserBody>(await s.get(body.metadata.links.next!).expect(200));
      expect(rest.data).toHaveLength(1);
      expect(rest.data[0].name).toBe('alpha');
    });

    it('filters by email', async () => {
      const target = s.users[5];
      const body = list<UserBody>(await s.get(`/api/v1/users?email=${encodeURIComponent(target.email)}`).expect(200));
      expect(body.total).toBe(1);
      expect(body.data.map((u) => u.userId)).toEqual([target.userId]);
      const none = list<UserBody>(await s.get('/api/v1/users?email=nobody%40example.com').expect(200));
      expect(none).toMatchObject({ total: 0, data: [] });
    });

    it('an unknown query parameter on a collection: 400 naming it', async () => {
      const problem = expectProblem(await s.get('/api/v1/users?role=admin'), 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toEqual(['role']);
    });

    it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
      'a parameter or body property named like an Object.prototype member (%s) is unknown too: 400',
      async (name) => {
        const query = expectProblem(await s.get(`/api/v1/users?${name}=1`), 400, 'validation-error');
        expect(query.errors?.map((e) => e.field)).toEqual([name]);
        if (name === '__proto__') return; // the JSON parser refuses that key itself (400, tested elsewhere)
        const body = await s.t.http
          .post('/api/v1/users')
          .set('authorization', s.auth)
          .send({ name: 'Proto', email: `proto-${name.toLowerCase()}@example.com`, [name]: 'x' });
        expect(expectProblem(body, 400, 'validation-error').errors?.map((e) => e.field)).toEqual([name]);
      },
    );

    it('an offset beyond a 32-bit integer: 400, not a database error', async () => {
      for (const offset of ['1e21', '2147483648', '99999999999999999999999']) {
        const problem = expectProblem(await s.get(`/api/v1/users?offset=${offset}`), 400, 'validation-error');
        expect(problem.errors?.map((e) => e.field)).toContain('offset');
      }
      expect(list<UserBody>(await s.get('/api/v1/users?offset=2147483647').expect(200)).data).toEqual([]);
    });

    it('an unknown query parameter on GET by id, POST, PUT and PATCH: 400', async () => {
      const id = s.users[0].userId;
      expectProblem(await s.get(`/api/v1/users/${id}?offset=0`), 400, 'validation-error');
      const created = await s.t.http
        .post('/api/v1/users?dryRun=true')
        .set('authorization', s.auth)
        .send({ name: 'Query', email: 'query@example.com' });
      expectProblem(created, 400, 'validation-error');
      expect(list<UserBody>(await s.get('/api/v1/users?email=query%40example.com').expect(200)).total).toBe(0);
      const put = await s.t.http
        .put(`/api/v1/users/${id}?x=1`)
        .set('authorization', s.auth)
        .send({ name: 'Q', email: 'q@example.com' });
      expectProblem(put, 400, 'validation-error');
      const patch = await s.t.http.patch(`/api/v1/users/${id}?x=1`).set('authorization', s.auth).send({ name: 'Q' });
      expectProblem(patch, 400, 'validation-error');
      expect(envelope<UserBody>(await s.get(`/api/v1/users/${id}`).expect(200)).data.name).toBe(s.users[0].name);
    });
  });
});
