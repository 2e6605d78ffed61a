import { DataSource } from 'typeorm';
import { User } from '../src/modules/users/entities/user.entity.js';
import { bearer, createUser, envelope, expectProblem, ISO_UTC, list, type UserBody } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

interface ProfileBody {
  userId: string;
  name: string;
  email: string;
  createdAt: string;
}

describe('users (§4 users, §3 status codes)', () => {
  let t: TestApp;
  let auth: string;
  let seq = 0;
  /** A fresh email per test, so no test depends on another's rows. */
  const email = (tag: string) => `${tag}-${++seq}@example.com`;

  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
  });
  afterAll(async () => {
    await t.close();
  });

  async function countByEmail(address: string): Promise<number> {
    const res = await t.http.get('/api/v1/users').query({ email: address }).set('authorization', auth).expect(200);
    return list<UserBody>(res).total;
  }

  async function etagOf(id: string): Promise<string> {
    const res = await t.http.get(`/api/v1/users/${id}`).set('authorization', auth).expect(200);
    const etag = res.headers.etag;
    expect(typeof etag).toBe('string');
    return etag as string;
  }

  describe('POST /api/v1/users', () => {
    it('201 with Location and the created resource in the envelope', async () => {
      const address = email('create');
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .send({ name: '山田太郎', email: address });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = envelope<UserBody>(res);
      expect(body.status).toBe('success');
      expect(Object.keys(body.data).sort()).toEqual(['createdAt', 'email', 'name', 'updatedAt', 'userId']);
      expect(typeof body.data.userId).toBe('string');
      expect(body.data.userId.length).toBeGreaterThan(0);
      expect(body.data).toMatchObject({ name: '山田太郎', email: address });
      expect(body.data.createdAt).toMatch(ISO_UTC);
      expect(body.data.updatedAt).toMatch(ISO_UTC);
      expect(body.metadata.requestId).toBe(res.headers['x-request-id']);
      expect(res.headers.location).toBe(`/api/v1/users/${body.data.userId}`);

      const got = await t.http
        .get(res.headers.location as string)
        .set('authorization', auth)
        .expect(200);
      expect(envelope<UserBody>(got).data).toEqual(body.data);
    });

    it('400 with errors[{field,message}] for an invalid email, and nothing is created', async () => {
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .send({ name: 'Bad email probe', email: 'not-an-email' });
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.title).toBe('Validation failed');
      expect(problem.errors).toEqual([{ field: 'email', message: 'email must be an email', code: 'isEmail' }]);
      expect(problem.detail).toContain('email must be an email');
      // The email filter takes the body's rules, so it refuses `not-an-email` too: count by the name instead.
      const named = await t.http
        .get('/api/v1/users')
        .query({ name: 'Bad email probe' })
        .set('authorization', auth)
        .expect(200);
      expect(list<UserBody>(named).total).toBe(0);
    });

    it('400 naming each missing or mistyped property', async () => {
      const res = await t.http.post('/api/v1/users').set('authorization', auth).send({ name: 42 });
      const problem = expectProblem(res, 400, 'validation-error');
      const fields = new Set(problem.errors?.map((e) => e.field));
      expect(fields).toEqual(new Set(['name', 'email']));
      for (const e of problem.errors ?? []) expect(e.message.length).toBeGreaterThan(0);
    });

    it('400 for an unknown body property (rejected, not ignored)', async () => {
      const address = email('unknown-prop');
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .send({ name: 'Sato', email: address, role: 'admin' });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors).toEqual([
        { field: 'role', message: 'property role should not exist', code: 'whitelistValidation' },
      ]);
      expect(await countByEmail(address)).toBe(0);
    });

    it('400 for a malformed JSON body', async () => {
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('content-type', 'application/json')
        .send('{"name": ');
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.errors).toEqual([{ field: 'body', message: 'the body is not valid JSON', code: 'invalidJson' }]);
      const ja = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .set('accept-language', 'ja')
        .set('content-type', 'application/json')
        .send('');
      expect(expectProblem(ja, 400, 'validation-error').detail).toBe('Content-Type が JSON なのに本文が空です');
    });

    it('409 problem for a duplicate email, and the first user is kept alone', async () => {
      const address = email('dup');
      const first = await createUser(t, await t.token(), 'First', address);
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .send({ name: 'Second', email: address });
      const problem = expectProblem(res, 409, 'unique-violation', '/api/v1/users');
      expect(problem.title).toBe('Conflict');
      expect(problem.detail).toContain('email');
      const rows = list<UserBody>(
        await t.http.get('/api/v1/users').query({ email: address }).set('authorization', auth).expect(200),
      );
      expect(rows.total).toBe(1);
      expect(rows.data[0].userId).toBe(first.userId);
    });
  });

  describe('GET /api/v1/users/{userId}', () => {
    it('200 with ETag; If-None-Match with it gives 304 and an empty body', async () => {
      const user = await createUser(t, await t.token(), 'Etag', email('etag'));
      const res = await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(res).data).toEqual(user);
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);

      const notModified = await t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-none-match', etag);
      expect(notModified.status).toBe(304);
      expect(notModified.text ?? '').toBe('');
      expect(notModified.headers.etag).toBe(etag);

      const other = await t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-none-match', '"something-else"');
      expect(other.status).toBe(200);
      expect(envelope<UserBody>(other).data.userId).toBe(user.userId);
    });

    it('a changed resource no longer matches its old ETag', async () => {
      const user = await createUser(t, await t.token(), 'Changing', email('changing'));
      const before = await etagOf(user.userId);
      await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .send({ name: 'Changed' })
        .expect(200);
      const res = await t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-none-match', before);
      expect(res.status).toBe(200);
      expect(res.headers.etag).not.toBe(before);
      expect(envelope<UserBody>(res).data.name).toBe('Changed');
    });

    it('fields=name,email returns only those properties', async () => {
      const user = await createUser(t, await t.token(), 'Fields', email('fields'));
      const res = await t.http
        .get(`/api/v1/users/${user.userId}`)
        .query({ fields: 'name,email' })
        .set('authorization', auth)
        .expect(200);
      expect(envelope<Record<string, unknown>>(res).data).toEqual({ name: 'Fields', email: user.email });
    });

    it('fields with an unknown name: 400 listing the allowed ones', async () => {
      const user = await createUser(t, await t.token(), 'Fields2', email('fields2'));
      const res = await t.http
        .get(`/api/v1/users/${user.userId}`)
        .query({ fields: 'name,password' })
        .set('authorization', auth);
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('fields');
      expect(problem.errors?.[0].message).toContain('password');
      for (const allowed of ['userId', 'name', 'email', 'createdAt', 'updatedAt'])
        expect(problem.errors?.[0].message).toContain(allowed);
    });

    it('404 problem for an unknown id', async () => {
      const res = await t.http.get('/api/v1/users/01NOSUCHUSER0000000000000').set('authorization', auth);
      const problem = expectProblem(res, 404, 'resource-not-found', '/api/v1/users/01NOSUCHUSER0000000000000');
      expect(problem.detail).toContain('01NOSUCHUSER0000000000000');
    });
  });

  describe('PUT /api/v1/users/{userId}', () => {
    it('200 with the replaced resource', async () => {
      const user = await createUser(t, await t.token(), 'Put', email('put'));
      const address = email('put-new');
      const res = await t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .send({ name: 'Put Replaced', email: address });
      expect(res.status).toBe(200);
      const data = envelope<UserBody>(res).data;
      expect(data).toMatchObject({
        userId: user.userId,
        name: 'Put Replaced',
        email: address,
        createdAt: user.createdAt,
      });
      expect(data.updatedAt > user.updatedAt).toBe(true);
      const got = await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(got).data).toEqual(data);
    });

    it('400 when a required property is missing (PUT replaces the whole resource)', async () => {
      const user = await createUser(t, await t.token(), 'PutPartial', email('put-partial'));
      const res = await t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .send({ name: 'Only name' });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toContain('email');
    });

    it('409 when the new email belongs to another user', async () => {
      const a = await createUser(t, await t.token(), 'PutA', email('put-a'));
      const b = await createUser(t, await t.token(), 'PutB', email('put-b'));
      const res = await t.http
        .put(`/api/v1/users/${b.userId}`)
        .set('authorization', auth)
        .send({ name: 'PutB', email: a.email });
      expectProblem(res, 409, 'unique-violation');
      const got = await t.http.get(`/api/v1/users/${b.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(got).data.email).toBe(b.email);
    });

    it('404 for an unknown id', async () => {
      const res = await t.http
        .put('/api/v1/users/01NOSUCHUSER0000000000000')
        .set('authorization', auth)
        .send({ name: 'X', email: email('put-404') });
      expectProblem(res, 404, 'resource-not-found');
    });
  });

  describe('PATCH /api/v1/users/{userId}', () => {
    it('200 with application/merge-patch+json: only the given properties change', async () => {
      const user = await createUser(t, await t.token(), 'Merge', email('merge'));
      const res = await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('content-type', 'application/merge-patch+json')
        .send(JSON.stringify({ name: 'Merged' }));
      expect(res.status).toBe(200);
      expect(envelope<UserBody>(res).data).toMatchObject({ userId: user.userId, name: 'Merged', email: user.email });
    });

    it('200 with application/json', async () => {
      const user = await createUser(t, await t.token(), 'JsonPatch', email('json-patch'));
      const address = email('json-patch-new');
      const res = await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ email: address }));
      expect(res.status).toBe(200);
      expect(envelope<UserBody>(res).data).toMatchObject({ name: 'JsonPatch', email: address });
    });

    it('400 for an invalid email or an unknown property', async () => {
      const user = await createUser(t, await t.token(), 'PatchBad', email('patch-bad'));
      const bad = await t.http.patch(`/api/v1/users/${user.userId}`).set('authorization', auth).send({ email: 'nope' });
      expect(expectProblem(bad, 400, 'validation-error').errors?.[0]).toMatchObject({ field: 'email' });
      const unknown = await t.http.patch(`/api/v1/users/${user.userId}`).set('authorization', auth).send({ id: 'x' });
      expect(expectProblem(unknown, 400, 'validation-error').errors?.[0]).toMatchObject({ field: 'id' });
    });

    it('400 for null (merge patch: remove) on a required property, and nothing changes', async () => {
      const user = await createUser(t, await t.token(), 'PatchNull', email('patch-null'));
      for (const property of ['name', 'email']) {
        const res = await t.http
          .patch(`/api/v1/users/${user.userId}`)
          .set('authorization', auth)
          .set('content-type', 'application/merge-patch+json')
          .send(JSON.stringify({ [property]: null }));
        const problem = expectProblem(res, 400, 'validation-error');
        expect(problem.errors?.map((e) => e.field)).toContain(property);
      }
      const got = await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(got).data).toEqual(user);
    });

    it('409 when the email belongs to another user', async () => {
      const a = await createUser(t, await t.token(), 'PatchA', email('patch-a'));
      const b = await createUser(t, await t.token(), 'PatchB', email('patch-b'));
      const res = await t.http.patch(`/api/v1/users/${b.userId}`).set('authorization', auth).send({ email: a.email });
      expectProblem(res, 409, 'unique-violation');
    });

    it('404 for an unknown id', async () => {
      const res = await t.http
        .patch('/api/v1/users/01NOSUCHUSER0000000000000')
        .set('authorization', auth)
        .send({ name: 'X' });
      expectProblem(res, 404, 'resource-not-found');
    });
  });

  describe('If-Match (optimistic concurrency)', () => {
    it('PATCH with the current ETag: 200; with the now stale one: 412 and nothing changes', async () => {
      const user = await createUser(t, await t.token(), 'Match', email('match'));
      const etag = await etagOf(user.userId);
      const ok = await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', etag)
        .send({ name: 'Match 1' });
      expect(ok.status).toBe(200);

      const stale = await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', etag)
        .send({ name: 'Match 2' });
      const problem = expectProblem(stale, 412, 'precondition-failed');
      expect(problem.title).toBe('Precondition failed');
      const got = await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(got).data.name).toBe('Match 1');
    });

    it('a write answers the new ETag, so the next conditional write needs no GET', async () => {
      const user = await createUser(t, await t.token(), 'Chain', email('chain'));
      const first = await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', await etagOf(user.userId))
        .send({ name: 'Chain 1' })
        .expect(200);
      expect(first.headers.etag).toBe(await etagOf(user.userId));
      const second = await t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', first.headers.etag as string)
        .send({ name: 'Chain 2', email: email('chain') })
        .expect(200);
      expect(second.headers.etag).toBe(await etagOf(user.userId));
      expect(second.headers.etag).not.toBe(first.headers.etag);
    });

    it('PUT with a stale ETag: 412; with the current one: 200', async () => {
      const user = await createUser(t, await t.token(), 'PutMatch', email('put-match'));
      const res = await t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', '"stale"')
        .send({ name: 'Nope', email: user.email });
      expectProblem(res, 412, 'precondition-failed');
      const current = await etagOf(user.userId);
      await t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', current)
        .send({ name: 'Yes', email: user.email })
        .expect(200);
    });

    it('DELETE with a stale ETag: 412 and the user stays; with the current one: 204', async () => {
      const user = await createUser(t, await t.token(), 'DelMatch', email('del-match'));
      const res = await t.http
        .delete(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', '"stale"');
      expectProblem(res, 412, 'precondition-failed');
      const current = await etagOf(user.userId);
      const deleted = await t.http
        .delete(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .set('if-match', current);
      expect(deleted.status).toBe(204);
    });
  });

  describe('DELETE /api/v1/users/{userId}', () => {
    it('204 with an empty body; then the user is gone (404)', async () => {
      const user = await createUser(t, await t.token(), 'Delete', email('delete'));
      const res = await t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', auth);
      expect(res.status).toBe(204);
      expect(res.text ?? '').toBe('');
      expectProblem(
        await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth),
        404,
        'resource-not-found',
      );
      expectProblem(
        await t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', auth),
        404,
        'resource-not-found',
      );
    });

    it('400 for an unknown query parameter, and the user is not deleted', async () => {
      const user = await createUser(t, await t.token(), 'DelQuery', email('del-query'));
      const res = await t.http
        .delete(`/api/v1/users/${user.userId}`)
        .query({ force: 'true' })
        .set('authorization', auth);
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toEqual(['force']);
      await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
    });
  });

  describe('GET /api/v1/users/{userId}/profile (cache)', () => {
    it('returns the profile in the envelope; fields and unknown fields as everywhere', async () => {
      const user = await createUser(t, await t.token(), 'Profile', email('profile'));
      const res = await t.http.get(`/api/v1/users/${user.userId}/profile`).set('authorization', auth).expect(200);
      expect(envelope<ProfileBody>(res).data).toEqual({
        userId: user.userId,
        name: 'Profile',
        email: user.email,
        createdAt: user.createdAt,
      });
      expect(typeof res.headers.etag).toBe('string');
      const projected = await t.http
        .get(`/api/v1/users/${user.userId}/profile`)
        .query({ fields: 'name' })
        .set('authorization', auth)
        .expect(200);
      expect(envelope<ProfileBody>(projected).data).toEqual({ name: 'Profile' });
      const bad = await t.http
        .get(`/api/v1/users/${user.userId}/profile`)
        .query({ fields: 'updatedAt' })
        .set('authorization', auth);
      expectProblem(bad, 400, 'validation-error');
    });

    it('is served from the cache when warm, and a PATCH through the API invalidates it', async () => {
      const user = await createUser(t, await t.token(), 'Cached', email('cached'));
      const path = `/api/v1/users/${user.userId}/profile`;
      await t.http.get(path).set('authorization', auth).expect(200); // warms the cache

      // Change the row behind the service's back: only a cache can still answer the old name.
      await t.app.get(DataSource).getRepository(User).update({ id: user.userId }, { name: 'Changed in DB' });
      const direct = await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(200);
      expect(envelope<UserBody>(direct).data.name).toBe('Changed in DB');
      const cached = await t.http.get(path).set('authorization', auth).expect(200);
      expect(envelope<ProfileBody>(cached).data.name).toBe('Cached');

      await t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', auth)
        .send({ name: 'Patched' })
        .expect(200);
      const fresh = await t.http.get(path).set('authorization', auth).expect(200);
      expect(envelope<ProfileBody>(fresh).data.name).toBe('Patched');
    });

    it('DELETE invalidates it: the profile of a deleted user is 404', async () => {
      const user = await createUser(t, await t.token(), 'Gone', email('gone'));
      const path = `/api/v1/users/${user.userId}/profile`;
      await t.http.get(path).set('authorization', auth).expect(200);
      await t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', auth).expect(204);
      expectProblem(await t.http.get(path).set('authorization', auth), 404, 'resource-not-found');
    });

    it('404 for an unknown id', async () => {
      const res = await t.http.get('/api/v1/users/01NOSUCHUSER0000000000000/profile').set('authorization', auth);
      expectProblem(res, 404, 'resource-not-found', '/api/v1/users/01NOSUCHUSER0000000000000/profile');
    });
  });
});
