import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { bearer, createUser, expectProblem, list, type UserBody } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { seededSuite, type OptionsBody } from './support/rest-conventions-app.js';

describe('REST conventions (§3 negotiation and headers)', () => {
  const s = seededSuite();

  describe('§3 ETag on collections', () => {
    it('GET list has an ETag; If-None-Match gives 304 with an empty body', async () => {
      const res = await s.get('/api/v1/users?limit=3').expect(200);
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);
      const cached = await s.get('/api/v1/users?limit=3').set('if-none-match', etag);
      expect(cached.status).toBe(304);
      expect(cached.text ?? '').toBe('');
      // A different page is a different representation.
      expect((await s.get('/api/v1/users?limit=4').set('if-none-match', etag)).status).toBe(200);
    });

    it('a page whose items did not change gets a new ETag when the total does (no stale 304)', async () => {
      const path = '/api/v1/users?name=etag-total&limit=1&fields=name';
      const token = await s.t.token();
      await createUser(s.t, token, 'etag-total', 'etag-total-1@example.com');
      const before = (await s.get(path).expect(200)).headers.etag as string;
      await createUser(s.t, token, 'etag-total', 'etag-total-2@example.com');
      const after = await s.get(path).set('if-none-match', before);
      expect(after.status).toBe(200);
      expect(list<UserBody>(after).total).toBe(2);
      // Two empty pages of collections of different sizes differ too.
      const emptyA = (await s.get('/api/v1/users?name=etag-total&offset=50').expect(200)).headers.etag;
      const emptyB = (await s.get('/api/v1/users?name=nobody-at-all&offset=50').expect(200)).headers.etag;
      expect(emptyA).not.toBe(emptyB);
    });
  });

  describe('§3 content negotiation (406, CSV) and media types (415)', () => {
    it('JSON by default and for */*', async () => {
      for (const accept of ['*/*', 'application/json', 'application/*']) {
        const res = await s.get('/api/v1/users?limit=1').set('accept', accept).expect(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
    });

    it('406 problem for Accept: application/xml, on a collection and on a resource', async () => {
      expectProblem(await s.get('/api/v1/users').set('accept', 'application/xml'), 406, 'not-acceptable');
      expectProblem(await s.get(`/api/v1/users/${s.users[0].userId}`).set('accept', 'application/xml'), 406);
    });

    it('Accept: text/csv on a collection answers CSV (header row, one line per item)', async () => {
      const res = await s.get('/api/v1/users?sort=name&limit=5').set('accept', 'text/csv').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = res.text.trim().split(/\r?\n/);
      expect(lines[0]).toBe('userId,name,email,createdAt,updatedAt');
      expect(lines).toHaveLength(6);
      expect(lines[1].split(',')[1]).toBe('alpha');
      const projected = await s.get('/api/v1/users?fields=name,email&limit=2').set('accept', 'text/csv').expect(200);
      expect(projected.text.split(/\r?\n/)[0]).toBe('name,email');
    });

    it('CSV: a text cell a spreadsheet would run as a formula starts with a quote', async () => {
      await createUser(s.t, await s.t.token(), '=HYPERLINK("https://evil.example")', 'csv-injection@example.com');
      const res = await s
        .get('/api/v1/users?email=csv-injection%40example.com&fields=name,email')
        .set('accept', 'text/csv')
        .expect(200);
      expect(res.text.split(/\r?\n/)[1]).toBe(`"'=HYPERLINK(""https://evil.example"")",csv-injection@example.com`);
    });

    it('Accept: text/csv on a single resource: 406', async () => {
      expectProblem(await s.get(`/api/v1/users/${s.users[0].userId}`).set('accept', 'text/csv'), 406, 'not-acceptable');
    });

    it('415 for text/plain and application/xml bodies', async () => {
      const text = await s.t.http
        .post('/api/v1/users')
        .set('authorization', s.auth)
        .set('content-type', 'text/plain')
        .send('name=x');
      expectProblem(text, 415, 'unsupported-media-type', '/api/v1/users');
      const xml = await s.t.http
        .post('/api/v1/users')
        .set('authorization', s.auth)
        .set('content-type', 'application/xml')
        .send('<user><name>x</name></user>');
      expectProblem(xml, 415, 'unsupported-media-type', '/api/v1/users');
      const patch = await s.t.http
        .patch(`/api/v1/users/${s.users[0].userId}`)
        .set('authorization', s.auth)
        .set('content-type', 'text/plain')
        .send('name=x');
      expectProblem(patch, 415, 'unsupported-media-type');
    });

    it('application/merge-patch+json is accepted by PATCH only', async () => {
      const res = await s.t.http
        .post('/api/v1/users')
        .set('authorization', s.auth)
        .set('content-type', 'application/merge-patch+json')
        .send(JSON.stringify({ name: 'Merge', email: 'merge-post@example.com' }));
      expectProblem(res, 415, 'unsupported-media-type');
    });
  });

  describe('§3 Accept-Language', () => {
    it('ja: Japanese title, detail and field messages; the type does not change', async () => {
      const res = await s.t.http
        .post('/api/v1/users')
        .set('authorization', s.auth)
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
      const res = await s.get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'ja-JP,ja;q=0.9');
      const problem = expectProblem(res, 404, 'resource-not-found');
      expect(problem.title).toBe('見つかりません');
      expect(problem.detail).toBe('user 01NOSUCHUSER0000000000000 は存在しません');
    });

    it('en (and an unsupported language) give English', async () => {
      for (const lang of ['en', 'fr-FR', 'en-US,en;q=0.9']) {
        const res = await s.t.http
          .post('/api/v1/users')
          .set('authorization', s.auth)
          .set('accept-language', lang)
          .send({ name: 'En', email: 'not-an-email' });
        const problem = expectProblem(res, 400, 'validation-error');
        expect(problem.title).toBe('Validation failed');
        expect(problem.errors?.[0].message).toBe('email must be an email');
      }
      const notFound = expectProblem(
        await s.get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'en'),
        404,
      );
      expect(notFound.title).toBe('Not found');
      expect(notFound.detail).toBe('user 01NOSUCHUSER0000000000000 does not exist');
    });

    it('q-values pick the preferred of ja and en', async () => {
      const res = await s.get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'en;q=0.3, ja;q=0.8');
      expect(expectProblem(res, 404).title).toBe('見つかりません');
      const en = await s.get('/api/v1/users/01NOSUCHUSER0000000000000').set('accept-language', 'ja;q=0.2, en;q=0.9');
      expect(expectProblem(en, 404).title).toBe('Not found');
    });

    it('ja on 401 and 415', async () => {
      const unauth = await s.t.http.get('/api/v1/users').set('accept-language', 'ja');
      expect(expectProblem(unauth, 401).title).toBe('認証されていません');
      const media = await s.t.http
        .post('/api/v1/users')
        .set('authorization', s.auth)
        .set('accept-language', 'ja')
        .set('content-type', 'text/plain')
        .send('x');
      expect(expectProblem(media, 415).title).toBe('サポートされていないメディアタイプ');
    });
  });

  describe('§3 compression', () => {
    const inject = (encoding?: string) =>
      s.t.app.inject({
        method: 'GET',
        url: '/api/v1/users?limit=100',
        headers: { authorization: s.auth, ...(encoding ? { 'accept-encoding': encoding } : {}) },
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
      const res = await s.t.http.options('/api/v1/users').set('authorization', s.auth);
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
      const res = await s.t.http.options(`/api/v1/users/${s.users[0].userId}`).set('authorization', s.auth);
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
      const res = await s.t.http[method](path).set('authorization', s.auth);
      expectProblem(res, 405, 'method-not-allowed', path);
      expect((res.headers.allow as string).split(', ').sort()).toEqual([...allowed].sort());
    });

    it('a path no route has is still 404', async () => {
      expectProblem(await s.t.http.delete('/api/v1/nothing-here').set('authorization', s.auth), 404, 'not-found');
    });
  });
});
