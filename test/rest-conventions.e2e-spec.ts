import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { bearer, createUser, envelope, expectProblem, ISO_UTC, list, type UserBody } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

interface OptionsBody {
  status: 'success';
  data: { path: string; methods: { method: string; parameters: { name: string; in: string }[] }[] };
}

/** Lowercase letters and digits only, so SQLite and PostgreSQL collations agree on the order. */
const NAMES = [...Array.from({ length: 22 }, (_, i) => `user${String(i).padStart(2, '0')}`), 'alpha', 'alpha', 'alpha'];

function isSorted(values: string[], direction: 'asc' | 'desc'): boolean {
  return values.every((v, i) => i === 0 || (direction === 'asc' ? values[i - 1] <= v : values[i - 1] >= v));
}

describe('REST conventions (§1 shape, §2 query, §3 negotiation and headers)', () => {
  let t: TestApp;
  let auth: string;
  let users: UserBody[];

  beforeAll(async () => {
    t = await startTestApp();
    const token = await t.token();
    auth = bearer(token);
    users = [];
    for (const [i, name] of NAMES.entries()) users.push(await createUser(t, token, name, `${name}.${i}@example.com`));
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string) => t.http.get(path).set('authorization', auth);

  describe('§1 envelope and request id', () => {
    it('a single resource: status, data, metadata.requestId/timestamp, nothing else', async () => {
      const res = await get(`/api/v1/users/${users[0].userId}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = envelope<UserBody>(res);
      expect(Object.keys(body).sort()).toEqual(['data', 'metadata', 'status']);
      expect(body.status).toBe('success');
      expect(typeof body.data.userId).toBe('string');
      expect(body.metadata.requestId).toBe(res.headers['x-request-id']);
      expect(body.metadata.timestamp).toMatch(ISO_UTC);
    });

    it('a collection: data array, total of all matching rows (not the page), offset, limit, links', async () => {
      const res = await get('/api/v1/users').expect(200);
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
      const res = await get('/api/v1/users').set('x-request-id', 'client-trace.42:abc').expect(200);
      expect(res.headers['x-request-id']).toBe('client-trace.42:abc');
      expect(list<UserBody>(res).metadata.requestId).toBe('client-trace.42:abc');
    });

    it('generates a new id when the given one is not sane, and a different one per request', async () => {
      for (const insane of ['has spaces in it', '<script>alert(1)</script>', 'x'.repeat(200)]) {
        const res = await get('/api/v1/users').set('x-request-id', insane).expect(200);
        const id = res.headers['x-request-id'] as string;
        expect(id).not.toBe(insane);
        expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        expect(list<UserBody>(res).metadata.requestId).toBe(id);
      }
      const a = await get('/api/v1/users').expect(200);
      const b = await get('/api/v1/users').expect(200);
      expect(a.headers['x-request-id']).toBeTruthy();
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('errors carry X-Request-Id too, echoed or generated, and the same id as body requestId', async () => {
      const echoed = await get('/api/v1/users/01NOSUCHUSER0000000000000').set('x-request-id', 'err-trace-1');
      expect(echoed.headers['x-request-id']).toBe('err-trace-1');
      expect(expectProblem(echoed, 404).requestId).toBe('err-trace-1');

      const unauthenticated = await t.http.get('/api/v1/users').set('x-request-id', 'err-trace-2');
      expect(expectProblem(unauthenticated, 401).requestId).toBe('err-trace-2');

      const generated = await get('/api/v1/users?limit=0').set('x-request-id', 'bad id');
      const problem = expectProblem(generated, 400);
      expect(problem.requestId).not.toBe('bad id');
      expect(problem.requestId.length).toBeGreaterThan(0);
    });

    it('404 problem for an unknown path, inside and outside /api/v1', async () => {
      expectProblem(await get('/api/v1/no-such-things'), 404, 'not-found', '/api/v1/no-such-things');
      expectProblem(await t.http.get('/no-such-page'), 404, 'not-found', '/no-such-page');
    });

    it('URLs the router refuses are problems with X-Request-Id too', async () => {
      // An id longer than any id can be is an unknown id.
      const long = await get(`/api/v1/users/${'x'.repeat(300)}`).set('x-request-id', 'long-id-trace');
      expect(long.headers['x-request-id']).toBe('long-id-trace');
      expectProblem(long, 404, 'not-found');
      const malformed = await get('/api/v1/users/%E0%A4%A').set('x-request-id', 'bad-url-trace');
      expect(malformed.headers['x-request-id']).toBe('bad-url-trace');
      expectProblem(malformed, 400, 'bad-request');
    });
  });

  describe('§2 offset and limit', () => {
    it('pages through the collection with next/prev links, total unchanged', async () => {
      const last = list<UserBody>(await get('/api/v1/users?offset=20').expect(200));
      expect(last.data).toHaveLength(NAMES.length - 20);
      expect(last.total).toBe(NAMES.length);
      expect(last.metadata.links).toEqual({
        self: '/api/v1/users?offset=20&limit=20',
        next: null,
        prev: '/api/v1/users?offset=0&limit=20',
      });

      const middle = list<UserBody>(await get('/api/v1/users?offset=10&limit=5').expect(200));
      expect(middle.data).toHaveLength(5);
      expect(middle.metadata).toMatchObject({ offset: 10, limit: 5 });
      expect(middle.metadata.links.next).toBe('/api/v1/users?offset=15&limit=5');
      expect(middle.metadata.links.prev).toBe('/api/v1/users?offset=5&limit=5');

      const all = list<UserBody>(await get('/api/v1/users?limit=100').expect(200));
      expect(all.data).toHaveLength(NAMES.length);
      expect(all.metadata.links.next).toBeNull();
      expect(all.data.slice(10, 15).map((u) => u.userId)).toEqual(middle.data.map((u) => u.userId));
    });

    it('an offset past the end is an empty page, not an error', async () => {
      const body = list<UserBody>(await get('/api/v1/users?offset=1000').expect(200));
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
      const res = await get(`/api/v1/users?${param}=${value}`);
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.errors?.length).toBeGreaterThan(0);
      expect(problem.errors?.every((e) => e.field === param)).toBe(true);
    });

    it('limit=100 is the maximum allowed', async () => {
      expect(list<UserBody>(await get('/api/v1/users?limit=100').expect(200)).metadata.limit).toBe(100);
    });
  });

  describe('§2 fields', () => {
    it('fields=name,email: each item has only those properties', async () => {
      const body = list<Record<string, unknown>>(await get('/api/v1/users?fields=name,email&limit=100').expect(200));
      expect(body.data).toHaveLength(NAMES.length);
      for (const item of body.data) expect(Object.keys(item).sort()).toEqual(['email', 'name']);
    });

    it('an unknown name: 400 listing the allowed ones', async () => {
      const problem = expectProblem(await get('/api/v1/users?fields=name,secret'), 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('fields');
      expect(problem.errors?.[0].message).toContain('secret');
      expect(problem.errors?.[0].message).toContain('userId, name, email, createdAt, updatedAt');
    });
  });

  describe('§2 sort', () => {
    it('sort=name ascending and sort=-name descending', async () => {
      const asc = list<UserBody>(await get('/api/v1/users?sort=name&limit=100').expect(200)).data.map((u) => u.name);
      expect(asc).toHaveLength(NAMES.length);
      expect(isSorted(asc, 'asc')).toBe(true);
      expect(asc[0]).toBe('alpha');
      const desc = list<UserBody>(await get('/api/v1/users?sort=-name&limit=100').expect(200)).data.map((u) => u.name);
      expect(isSorted(desc, 'desc')).toBe(true);
      expect(desc[0]).toBe('user21');
    });

    it('several keys: sort=name,-createdAt', async () => {
      const data = list<UserBody>(await get('/api/v1/users?sort=name,-createdAt&limit=100').expect(200)).data;
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
      const problem = expectProblem(await get(`/api/v1/users?sort=${sort}`), 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('sort');
      // The message names the key that is wrong, not only the ones that are right.
      expect(problem.errors?.[0].message).toContain(`unknown sort key(s) ${sort.split(',').pop()}`);
    });
  });

  describe('§2 filters and unknown parameters', () => {
    it('filters by name: total counts the matching rows; links keep the filter', async () => {
      const body = list<UserBody>(await get('/api/v1/users?name=alpha&limit=2').expect(200));
      expect(body.total).toBe(3);
      expect(body.data).toHaveLength(2);
      expect(body.data.every((u) => u.name === 'alpha')).toBe(true);
      const next = new URL(body.metadata.links.next!, 'http://x');
      expect(next.pathname).toBe('/api/v1/users');
      expect(Object.fromEntries(next.searchParams)).toEqual({ name: 'alpha', offset: '2', limit: '2' });
      const rest = list<UserBody>(await get(body.metadata.links.next!).expect(200));
      expect(rest.data).toHaveLength(1);
      expect(rest.data[0].name).toBe('alpha');
    });

    it('filters by email', async () => {
      const target = users[5];
      const body = list<UserBody>(await get(`/api/v1/users?email=${encodeURIComponent(target.email)}`).expect(200));
      expect(body.total).toBe(1);
      expect(body.data.map((u) => u.userId)).toEqual([target.userId]);
      const none = list<UserBody>(await get('/api/v1/users?email=nobody%40example.com').expect(200));
      expect(none).toMatchObject({ total: 0, data: [] });
    });

    it('an unknown query parameter on a collection: 400 naming it', async () => {
      const problem = expectProblem(await get('/api/v1/users?role=admin'), 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toEqual(['role']);
    });

    it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
      'a parameter or body property named like an Object.prototype member (%s) is unknown too: 400',
      async (name) => {
        const query = expectProblem(await get(`/api/v1/users?${name}=1`), 400, 'validation-error');
        expect(query.errors?.map((e) => e.field)).toEqual([name]);
        if (name === '__proto__') return; // the JSON parser refuses that key itself (400, tested elsewhere)
        const body = await t.http
          .post('/api/v1/users')
          .set('authorization', auth)
          .send({ name: 'Proto', email: `proto-${name.toLowerCase()}@example.com`, [name]: 'x' });
        expect(expectProblem(body, 400, 'validation-error').errors?.map((e) => e.field)).toEqual([name]);
      },
    );

    it('an offset beyond a 32-bit integer: 400, not a database error', async () => {
      for (const offset of ['1e21', '2147483648', '99999999999999999999999']) {
        const problem = expectProblem(await get(`/api/v1/users?offset=${offset}`), 400, 'validation-error');
        expect(problem.errors?.map((e) => e.field)).toContain('offset');
      }
      expect(list<UserBody>(await get('/api/v1/users?offset=2147483647').expect(200)).data).toEqual([]);
    });

    it('an unknown query parameter on GET by id, POST, PUT and PATCH: 400', async () => {
      const id = users[0].userId;
      expectProblem(await get(`/api/v1/users/${id}?offset=0`), 400, 'validation-error');
      const created = await t.http
        .post('/api/v1/users?dryRun=true')
        .set('authorization', auth)
        .send({ name: 'Query', email: 'query@example.com' });
      expectProblem(created, 400, 'validation-error');
      expect(list<UserBody>(await get('/api/v1/users?email=query%40example.com').expect(200)).total).toBe(0);
      const put = await t.http
        .put(`/api/v1/users/${id}?x=1`)
        .set('authorization', auth)
        .send({ name: 'Q', email: 'q@example.com' });
      expectProblem(put, 400, 'validation-error');
      const patch = await t.http.patch(`/api/v1/users/${id}?x=1`).set('authorization', auth).send({ name: 'Q' });
      expectProblem(patch, 400, 'validation-error');
      expect(envelope<UserBody>(await get(`/api/v1/users/${id}`).expect(200)).data.name).toBe(users[0].name);
    });
  });

  describe('§3 ETag on collections', () => {
    it('GET list has an ETag; If-None-Match gives 304 with an empty body', async () => {
      const res = await get('/api/v1/users?limit=3').expect(200);
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);
      const cached = await get('/api/v1/users?limit=3').set('if-none-match', etag);
      expect(cached.status).toBe(304);
      expect(cached.text ?? '').toBe('');
      // A different page is a different representation.
      expect((await get('/api/v1/users?limit=4').set('if-none-match', etag)).status).toBe(200);
    });

    it('a page whose items did not change gets a new ETag when the total does (no stale 304)', async () => {
      const path = '/api/v1/users?name=etag-total&limit=1&fields=name';
      const token = await t.token();
      await createUser(t, token, 'etag-total', 'etag-total-1@example.com');
      const before = (await get(path).expect(200)).headers.etag as string;
      await createUser(t, token, 'etag-total', 'etag-total-2@example.com');
      const after = await get(path).set('if-none-match', before);
      expect(after.status).toBe(200);
      expect(list<UserBody>(after).total).toBe(2);
      // Two empty pages of collections of different sizes differ too.
      const emptyA = (await get('/api/v1/users?name=etag-total&offset=50').expect(200)).headers.etag;
      const emptyB = (await get('/api/v1/users?name=nobody-at-all&offset=50').expect(200)).headers.etag;
      expect(emptyA).not.toBe(emptyB);
    });
  });

  describe('§3 content negotiation (406, CSV) and media types (415)', () => {
    it('JSON by default and for */*', async () => {
      for (const accept of ['*/*', 'application/json', 'application/*']) {
        const res = await get('/api/v1/users?limit=1').set('accept', accept).expect(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
    });

    it('406 problem for Accept: application/xml, on a collection and on a resource', async () => {
      expectProblem(await get('/api/v1/users').set('accept', 'application/xml'), 406, 'not-acceptable');
      expectProblem(await get(`/api/v1/users/${users[0].userId}`).set('accept', 'application/xml'), 406);
    });

    it('Accept: text/csv on a collection answers CSV (header row, one line per item)', async () => {
      const res = await get('/api/v1/users?sort=name&limit=5').set('accept', 'text/csv').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = res.text.trim().split(/\r?\n/);
      expect(lines[0]).toBe('userId,name,email,createdAt,updatedAt');
      expect(lines).toHaveLength(6);
      expect(lines[1].split(',')[1]).toBe('alpha');
      const projected = await get('/api/v1/users?fields=name,email&limit=2').set('accept', 'text/csv').expect(200);
      expect(projected.text.split(/\r?\n/)[0]).toBe('name,email');
    });

    it('CSV: a text cell a spreadsheet would run as a formula starts with a quote', async () => {
      await createUser(t, await t.token(), '=HYPERLINK("https://evil.example")', 'csv-injection@example.com');
      const res = await get('/api/v1/users?email=csv-injection%40example.com&fields=name,email')
        .set('accept', 'text/csv')
        .expect(200);
      expect(res.text.split(/\r?\n/)[1]).toBe(`"'=HYPERLINK(""https://evil.example"")",csv-injection@example.com`);
    });

    it('Accept: text/csv on a single resource: 406', async () => {
      expectProblem(await get(`/api/v1/users/${users[0].userId}`).set('accept', 'text/csv'), 406, 'not-acceptable');
    });

    it('415 for text/plain and application/xml bodies', async () => {
      const text = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('content-type', 'text/plain')
        .send('name=x');
      expectProblem(text, 415, 'unsupported-media-type', '/api/v1/users');
      const xml = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('content-type', 'application/xml')
        .send('<user><name>x</name></user>');
      expectProblem(xml, 415, 'unsupported-media-type', '/api/v1/users');
      const patch = await t.http
        .patch(`/api/v1/users/${users[0].userId}`)
        .set('authorization', auth)
        .set('content-type', 'text/plain')
        .send('name=x');
      expectProblem(patch, 415, 'unsupported-media-type');
    });

    it('application/merge-patch+json is accepted by PATCH only', async () => {
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('content-type', 'application/merge-patch+json')
        .send(JSON.stringify({ name: 'Merge', email: 'merge-post@example.com' }));
      expectProblem(res, 415, 'unsupported-media-type');
    });
  });

  describe('§3 Accept-Language', () => {
    it('ja: Japanese title, detail and field messages; the type does not change', async () => {
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('accept-language', 'ja')
        .send({ name: 'Ja', email: 'not-an-email' });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.title).toBe('入力検証エラー');
      expect(problem.errors).toEqual([
        { field: 'email', message: 'email はメールアドレスである必要があります', code: 'isEmail' },
      ]);
      expect(problem.detail).toBe('email はメールアドレスである必要があります');
    });

    it('ja on 404: Japanese title and detail', async () => {
      const res = await get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'ja-JP,ja;q=0.9');
      const problem = expectProblem(res, 404, 'resource-not-found');
      expect(problem.title).toBe('見つかりません');
      expect(problem.detail).toBe('user 01NOSUCHUSER0000000000000 は存在しません');
    });

    it('en (and an unsupported language) give English', async () => {
      for (const lang of ['en', 'fr-FR', 'en-US,en;q=0.9']) {
        const res = await t.http
          .post('/api/v1/users')
          .set('authorization', auth)
          .set('accept-language', lang)
          .send({ name: 'En', email: 'not-an-email' });
        const problem = expectProblem(res, 400, 'validation-error');
        expect(problem.title).toBe('Validation failed');
        expect(problem.errors?.[0].message).toBe('email must be an email');
      }
      const notFound = expectProblem(
        await get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'en'),
        404,
      );
      expect(notFound.title).toBe('Not found');
      expect(notFound.detail).toBe('user 01NOSUCHUSER0000000000000 does not exist');
    });

    it('q-values pick the preferred of ja and en', async () => {
      const res = await get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'en;q=0.3, ja;q=0.8');
      expect(expectProblem(res, 404).title).toBe('見つかりません');
      const en = await get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'ja;q=0.2, en;q=0.9');
      expect(expectProblem(en, 404).title).toBe('Not found');
    });

    it('ja on 401 and 415', async () => {
      const unauth = await t.http.get('/api/v1/users').set('accept-language', 'ja');
      expect(expectProblem(unauth, 401).title).toBe('認証されていません');
      const media = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('accept-language', 'ja')
        .set('content-type', 'text/plain')
        .send('x');
      expect(expectProblem(media, 415).title).toBe('サポートされていないメディアタイプ');
    });
  });

  describe('§3 compression', () => {
    const inject = (encoding?: string) =>
      t.app.inject({
        method: 'GET',
        url: '/api/v1/users?limit=100',
        headers: { authorization: auth, ...(encoding ? { 'accept-encoding': encoding } : {}) },
      });

    it('gzip and br compress a large collection; the content is the same JSON', async () => {
      const plain = await inject();
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.rawPayload.length).toBeGreaterThan(1024);
      const expected = (JSON.parse(plain.payload) as { data: UserBody[] }).data;

      const gzip = await inject('gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.rawPayload.length).toBeLessThan(plain.rawPayload.length);
      expect((JSON.parse(gunzipSync(gzip.rawPayload).toString('utf8')) as { data: UserBody[] }).data).toEqual(expected);

      const br = await inject('br');
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length);
      expect((JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8')) as { data: UserBody[] }).data).toEqual(
        expected,
      );
    });
  });

  describe('§3 body size', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await startTestApp({ BODY_LIMIT_BYTES: '1024' });
    });
    afterAll(async () => {
      await small.close();
    });

    it('413 problem for a body over BODY_LIMIT_BYTES; a body under it is fine', async () => {
      const token = bearer(await small.token());
      const res = await small.http
        .post('/api/v1/users')
        .set('authorization', token)
        .send({ name: 'x'.repeat(2000), email: 'big@example.com' });
      expectProblem(res, 413, 'payload-too-large', '/api/v1/users');
      await small.http
        .post('/api/v1/users')
        .set('authorization', token)
        .send({ name: 'small', email: 'small@example.com' })
        .expect(201);
    });
  });

  describe('§3 OPTIONS', () => {
    it('OPTIONS /api/v1/users: 200, Allow, and the methods with their parameters', async () => {
      const res = await t.http.options('/api/v1/users').set('authorization', auth);
      expect(res.status).toBe(200);
      const allow = (res.headers.allow as string).split(',').map((m) => m.trim());
      expect(allow).toEqual(expect.arrayContaining(['GET', 'POST', 'OPTIONS']));
      expect(allow).not.toContain('DELETE');
      const body = res.body as OptionsBody;
      expect(body.status).toBe('success');
      expect(body.data.methods.map((m) => m.method).sort()).toEqual(['GET', 'POST']);
      const getParams = body.data.methods.find((m) => m.method === 'GET')!.parameters.map((p) => p.name);
      expect(getParams).toEqual(expect.arrayContaining(['offset', 'limit', 'fields', 'sort', 'name', 'email']));
    });

    it('OPTIONS /api/v1/users/{userId}: the item methods', async () => {
      const res = await t.http.options(`/api/v1/users/${users[0].userId}`).set('authorization', auth);
      expect(res.status).toBe(200);
      const allow = (res.headers.allow as string).split(',').map((m) => m.trim());
      expect(allow).toEqual(expect.arrayContaining(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']));
      expect(allow).not.toContain('POST');
    });
  });

  describe('§3 405 for a method a path does not have', () => {
    it.each([
      ['delete', '/api/v1/users', ['OPTIONS', 'GET', 'POST', 'HEAD']],
      ['put', '/api/v1/users', ['OPTIONS', 'GET', 'POST', 'HEAD']],
      ['post', '/api/v1/users/01M86PBSRQ7XJFGFNDENWW9R2T', ['OPTIONS', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']],
      ['get', '/oauth/token', ['POST']],
      ['post', '/health/live', ['GET', 'HEAD']],
    ] as const)('%s %s: 405 with Allow', async (method, path, allowed) => {
      const res = await t.http[method](path).set('authorization', auth);
      expectProblem(res, 405, 'method-not-allowed', path);
      expect((res.headers.allow as string).split(', ').sort()).toEqual([...allowed].sort());
    });

    it('a path no route has is still 404', async () => {
      expectProblem(await t.http.delete('/api/v1/nothing-here').set('authorization', auth), 404, 'not-found');
    });
  });

  describe('§3 OPTIONS with CORS enabled', () => {
    const ORIGIN = 'https://app.example.com';
    let cors: TestApp;
    beforeAll(async () => {
      cors = await startTestApp({ CORS_ORIGINS: ORIGIN });
    });
    afterAll(async () => {
      await cors.close();
    });

    it('a CORS preflight is answered as CORS, not with the method listing', async () => {
      const res = await cors.http
        .options('/api/v1/users')
        .set('origin', ORIGIN)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization, content-type');
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.text ?? '').toBe('');
    });

    it('a preflight response carries X-Request-Id too (every response does)', async () => {
      const res = await cors.http
        .options('/api/v1/users')
        .set('origin', ORIGIN)
        .set('access-control-request-method', 'GET')
        .set('x-request-id', 'preflight-trace-1');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['x-request-id']).toBe('preflight-trace-1');
    });

    it('a preflight from an origin not listed gets no Access-Control-Allow-Origin', async () => {
      const res = await cors.http
        .options('/api/v1/users')
        .set('origin', 'https://evil.example.net')
        .set('access-control-request-method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('a plain OPTIONS (not a preflight) still gets 200 with Allow and the listing', async () => {
      const res = await cors.http.options('/api/v1/users').set('authorization', bearer(await cors.token()));
      expect(res.status).toBe(200);
      expect(res.headers.allow).toContain('GET');
      expect((res.body as OptionsBody).data.methods.map((m) => m.method)).toContain('POST');
    });

    it('actual requests from the origin carry CORS headers exposing X-Request-Id', async () => {
      const res = await cors.http
        .get('/api/v1/users')
        .set('origin', ORIGIN)
        .set('authorization', bearer(await cors.token()))
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      // Every header the document promises a client is readable by browser code too.
      const exposed = String(res.headers['access-control-expose-headers'])
        .split(/\s*,\s*/)
        .map((h) => h.toLowerCase());
      const safelisted = ['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'pragma'];
      const document = (await cors.http.get('/docs/openapi.json')).body as {
        paths: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
      };
      const documented = new Set(
        Object.values(document.paths)
          .flatMap((item) => Object.values(item))
          .flatMap((op) => Object.values(op.responses ?? {}))
          .flatMap((r) => Object.keys(r.headers ?? {}))
          .map((h) => h.toLowerCase()),
      );
      expect(documented.size).toBeGreaterThan(3);
      const corsOwn = (h: string) => h.startsWith('access-control-');
      expect([...documented].filter((h) => !safelisted.includes(h) && !corsOwn(h) && !exposed.includes(h))).toEqual([]);
      // Caches must key on the origin as well as on what the envelope varies with.
      const vary = String(res.headers.vary).split(/\s*,\s*/);
      expect(vary).toEqual(expect.arrayContaining(['Origin', 'Accept', 'Accept-Language', 'Authorization']));
    });
  });
});
