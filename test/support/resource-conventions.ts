// The contract's rules as one test factory, run against any resource of the kit: every generated resource and
// `users` call it, so a rule broken by the kit (or by a module's own code) fails for each resource it touches.
import type { Response } from 'supertest';
import { bearer, expectProblem, ISO_UTC, type ListEnvelope } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Item = Record<string, unknown>;

export interface ResourceConventions {
  /** Collection URL: `/api/v1/products`. */
  path: string;
  /** The id property of the representation: `productId`. */
  idName: string;
  scopes: { read: string; write: string };
  /** A valid creation body, distinct for each `i` (sortable values ordered by `i`, ASCII only). */
  sample: (i: number) => Item;
  sortable: string[];
  filters: string[];
  unique?: string[];
  /** Fields that may be absent (PUT without them clears them). */
  optional?: string[];
  env?: Record<string, string>;
}

const ITEMS = 3;

/** Numbers by value, text by code units (samples are ASCII, so every collation agrees). */
const compare = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1;

export function describeResourceConventions(c: ResourceConventions): void {
  describe(`resource conventions of ${c.path}`, () => {
    let t: TestApp;
    let auth: string;
    let items: Item[];
    const at = (item: Item) => `${c.path}/${String(item[c.idName])}`;
    const get = (url: string) => t.http.get(url).set('authorization', auth);
    const data = (res: Response) => (res.body as { data: Item }).data;
    const page = (res: Response) => res.body as ListEnvelope<Item>;
    const create = (body: Item) => t.http.post(c.path).set('authorization', auth).send(body);

    beforeAll(async () => {
      t = await startTestApp(c.env);
      auth = bearer(await t.token());
      items = [];
      for (let i = 0; i < ITEMS; i++) {
        const res = await create(c.sample(i));
        if (res.status !== 201) throw new Error(`create ${c.path}: ${res.status} ${res.text}`);
        expect(res.headers.location).toBe(at(data(res)));
        items.push(data(res));
      }
    });
    afterAll(() => t?.close());

    it('one resource: status, data, metadata and nothing else; the ETag of its representation', async () => {
      const res = await get(at(items[0])).expect(200);
      expect(Object.keys(res.body as object).sort()).toEqual(['data', 'metadata', 'status']);
      expect(data(res)).toEqual(items[0]);
      const keys = [c.idName, ...Object.keys(c.sample(0)), ...(c.optional ?? []), 'createdAt', 'updatedAt'];
      expect(Object.keys(data(res)).sort()).toEqual([...new Set(keys)].sort());
      expect(data(res).createdAt).toMatch(ISO_UTC);
      expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    });

    it('collection: the true total, offset and limit, next/prev links; past the end an empty page', async () => {
      const first = page(await get(`${c.path}?limit=2`).expect(200));
      expect(first.status).toBe('success');
      expect(first.total).toBe(ITEMS);
      expect(first.data).toHaveLength(2);
      expect(first.metadata).toMatchObject({ offset: 0, limit: 2 });
      expect(first.metadata.links).toEqual({
        self: `${c.path}?offset=0&limit=2`,
        next: `${c.path}?offset=2&limit=2`,
        prev: null,
      });
      const last = page(await get(first.metadata.links.next!).expect(200));
      expect(last.data).toHaveLength(ITEMS - 2);
      expect(last.metadata.links).toMatchObject({ next: null, prev: `${c.path}?offset=0&limit=2` });
      const past = page(await get(`${c.path}?offset=50`).expect(200));
      expect([past.data.length, past.total]).toEqual([0, ITEMS]);
    });

    it.each(['limit=0', 'limit=101', 'offset=-1', 'limit=1e2', 'offset=2147483648'])('%s: 400 naming it', async (q) => {
      const problem = expectProblem(await get(`${c.path}?${q}`), 400, 'validation-error', c.path);
      expect([...new Set(problem.errors?.map((e) => e.field))]).toEqual([q.split('=')[0]]);
    });

    it('fields: only those properties (collection and one resource); an unknown name: 400', async () => {
      const [key] = Object.keys(c.sample(0));
      const list = page(await get(`${c.path}?fields=${c.idName},${key}`).expect(200));
      for (const item of list.data) expect(Object.keys(item).sort()).toEqual([c.idName, key].sort());
      expect(Object.keys(data(await get(`${at(items[0])}?fields=${key}`).expect(200)))).toEqual([key]);
      expectProblem(await get(`${c.path}?fields=${key},nosuchfield`), 400, 'validation-error');
    });

    it('sort: every sortable key ascending and descending; an unknown key: 400', async () => {
      for (const key of c.sortable) {
        const asc = page(await get(`${c.path}?sort=${key}`).expect(200)).data.map((i) => i[c.idName]);
        const desc = page(await get(`${c.path}?sort=-${key}`).expect(200)).data.map((i) => i[c.idName]);
        const expected = [...items].sort((a, b) => compare(a[key], b[key]));
        if (key !== 'updatedAt' && key !== 'createdAt') expect(asc).toEqual(expected.map((i) => i[c.idName]));
        // Equal keys (two creations in one millisecond) keep the id tie-breaker ascending both ways.
        const distinct = new Set(items.map((i) => String(i[key]))).size === items.length;
        if (distinct) expect(desc).toEqual([...asc].reverse());
      }
      expectProblem(await get(`${c.path}?sort=-nosuchkey`), 400, 'validation-error');
    });

    it('filters: each finds exactly the matching items; a value breaking the field rule: 400', async () => {
      for (const key of c.filters) {
        const value = items[1][key];
        const found = page(await get(`${c.path}?${key}=${encodeURIComponent(String(value))}`).expect(200));
        expect(found.total).toBe(items.filter((i) => i[key] === value).length);
        expect(found.data.every((i) => i[key] === value)).toBe(true);
        const bad = typeof value === 'number' ? '1.5' : '%01';
        expect(expectProblem(await get(`${c.path}?${key}=${bad}`), 400).errors?.[0].field).toBe(key);
      }
    });

    it('an unknown query parameter: 400 naming it', async () => {
      const problem = expectProblem(await get(`${c.path}?nosuchparam=1`), 400, 'validation-error');
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'nosuchparam', code: 'whitelistValidation' })]);
    });

    it('an unknown id: 404 problem on GET, PUT, PATCH and DELETE', async () => {
      const url = `${c.path}/01NOSUCHID0000000000000000`;
      expectProblem(await get(url), 404, 'resource-not-found', url);
      expectProblem(await t.http.put(url).set('authorization', auth).send(c.sample(90)), 404);
      expectProblem(await t.http.patch(url).set('authorization', auth).send({}), 404);
      expectProblem(await t.http.delete(url).set('authorization', auth), 404);
    });

    it('ETag: If-None-Match answers 304; If-Match: stale 412, current 200', async () => {
      const first = await get(at(items[2])).expect(200);
      const etag = first.headers.etag as string;
      await get(at(items[2])).set('if-none-match', etag).expect(304);
      const [key] = Object.keys(c.sample(0));
      const patch = (tag: string) => t.http.patch(at(items[2])).set('authorization', auth).set('if-match', tag);
      const changed = await patch(etag)
        .send({ [key]: c.sample(2)[key] })
        .expect(200);
      expect(changed.headers.etag).not.toBe(etag);
      expectProblem(await patch(etag).send({}), 412, 'precondition-failed');
      items[2] = data(changed);
    });

    it('10 concurrent PATCHes with one ETag: exactly one 200, the others 412', async () => {
      const target = data(await create(c.sample(40)).expect(201));
      const etag = (await get(at(target)).expect(200)).headers.etag as string;
      const [key] = Object.keys(c.sample(0));
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.http
            .patch(at(target))
            .set('authorization', auth)
            .set('if-match', etag)
            .send({ [key]: c.sample(40)[key] })
            .then((r) => r.status),
        ),
      );
      expect(statuses.sort()).toEqual([200, ...Array<number>(9).fill(412)]);
      await t.http.delete(at(target)).set('authorization', auth).expect(204);
    });

    it('409 for a duplicate of each unique field, on create and on PUT', async () => {
      for (const key of c.unique ?? []) {
        const body = { ...c.sample(60), [key]: items[0][key] };
        const problem = expectProblem(await create(body), 409, 'unique-violation', c.path);
        expect(problem.detail).toContain(key);
        expectProblem(await t.http.put(at(items[1])).set('authorization', auth).send(body), 409, 'unique-violation');
      }
    });

    it('PUT replaces (an omitted optional field is cleared); PATCH null clears an optional field, 400 for a required one', async () => {
      const target = data(await create(c.sample(70)).expect(201));
      const full = c.sample(71);
      const required = Object.fromEntries(Object.entries(full).filter(([k]) => !(c.optional ?? []).includes(k)));
      const put = data(await t.http.put(at(target)).set('authorization', auth).send(required).expect(200));
      for (const key of c.optional ?? []) expect(put[key]).toBeNull();
      for (const key of c.optional ?? []) {
        await t.http.put(at(target)).set('authorization', auth).send(full).expect(200);
        const cleared = await t.http
          .patch(at(target))
          .set('authorization', auth)
          .type('application/merge-patch+json')
          .send({ [key]: null });
        expect(data(cleared)[key]).toBeNull();
      }
      const [requiredKey] = Object.keys(required);
      const refused = await t.http
        .patch(at(target))
        .set('authorization', auth)
        .send({ [requiredKey]: null });
      expect(expectProblem(refused, 400, 'validation-error').errors?.[0].field).toBe(requiredKey);
      await t.http.delete(at(target)).set('authorization', auth).expect(204);
    });

    it('bodies: an undeclared property, a missing required one, an integer beyond its column: 400, never 500', async () => {
      expectProblem(await create({ ...c.sample(80), nosuchprop: 1 }), 400, 'validation-error');
      const [first] = Object.keys(c.sample(80));
      const { [first]: _omitted, ...rest } = c.sample(80);
      if (!(c.optional ?? []).includes(first)) expectProblem(await create(rest), 400, 'validation-error');
      for (const [key, value] of Object.entries(c.sample(81))) {
        if (typeof value !== 'number') continue;
        const problem = expectProblem(await create({ ...c.sample(81), [key]: Number.MAX_SAFE_INTEGER + 2 }), 400);
        expect(problem.errors?.[0].field).toBe(key);
      }
    });

    it('406 for an Accept it cannot produce; CSV of the collection (header row of the fields), not of one resource', async () => {
      expectProblem(await get(c.path).set('accept', 'application/xml'), 406, 'not-acceptable');
      const csv = await get(`${c.path}?sort=createdAt`).set('accept', 'text/csv').expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const [header, ...lines] = csv.text.trim().split('\n');
      expect(header.split(',')).toEqual(Object.keys(items[0]));
      // One row per item, each starting with its id (a quoted multi-line value spans several lines).
      const ids = lines.map((line) => line.split(',')[0]).filter((id) => items.some((i) => i[c.idName] === id));
      expect(ids.sort()).toEqual(items.map((i) => String(i[c.idName])).sort());
      expectProblem(await get(at(items[0])).set('accept', 'text/csv'), 406, 'not-acceptable');
    });

    it('415 for a text/plain body; 413 for a body over the limit', async () => {
      const text = await t.http.post(c.path).set('authorization', auth).set('content-type', 'text/plain').send('x');
      expectProblem(text, 415, 'unsupported-media-type', c.path);
      const huge = { ...c.sample(85), pad: 'x'.repeat(t.config.app.bodyLimitBytes + 1) };
      expectProblem(await create(huge), 413, 'payload-too-large', c.path);
    });

    it('OPTIONS lists the methods of the collection and of an item; other methods: 405 with Allow', async () => {
      const allow = (res: Response) =>
        String(res.headers.allow)
          .split(',')
          .map((m) => m.trim())
          .sort();
      expect(allow(await t.http.options(c.path).set('authorization', auth).expect(200))).toEqual(
        expect.arrayContaining(['GET', 'OPTIONS', 'POST']),
      );
      const item = allow(await t.http.options(at(items[0])).set('authorization', auth).expect(200));
      expect(item).toEqual(expect.arrayContaining(['DELETE', 'GET', 'OPTIONS', 'PATCH', 'PUT']));
      expect(item).not.toContain('POST');
      expectProblem(await t.http.delete(c.path).set('authorization', auth), 405, 'method-not-allowed');
      expectProblem(await t.http.post(at(items[0])).set('authorization', auth).send({}), 405);
    });

    it(`401 without a token; 403 for a token without ${c.scopes.read} or ${c.scopes.write}`, async () => {
      expectProblem(await t.http.get(c.path), 401, 'unauthorized');
      const reader = bearer(await t.token([c.scopes.read]));
      const writer = bearer(await t.token([c.scopes.write]));
      await t.http.get(at(items[0])).set('authorization', reader).expect(200);
      expectProblem(await t.http.post(c.path).set('authorization', reader).send(c.sample(95)), 403, 'forbidden');
      expectProblem(await t.http.delete(at(items[0])).set('authorization', reader), 403, 'forbidden');
      expectProblem(await t.http.get(c.path).set('authorization', writer), 403, 'forbidden');
    });
  });
}
