import { DataSource } from 'typeorm';
import { User } from '../src/modules/users/entities/user.entity.js';
import { createUser, envelope, expectProblem, ISO_UTC, list, type UserBody } from './helpers/http.js';
import { usersSuite } from './support/users-suite.js';

interface ProfileBody {
  userId: string;
  name: string;
  email: string;
  createdAt: string;
}

describe('users: create and read (§4 users, §3 status codes)', () => {
  const u = usersSuite();

  async function countByEmail(address: string): Promise<number> {
    const res = await u.t.http.get('/api/v1/users').query({ email: address }).set('authorization', u.auth).expect(200);
    return list<UserBody>(res).total;
  }

  describe('POST /api/v1/users', () => {
    it('201 with Location and the created resource in the envelope', async () => {
      const address = u.email('create');
      const res = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
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

      const got = await u.t.http
        .get(res.headers.location as string)
        .set('authorization', u.auth)
        .expect(200);
      expect(envelope<UserBody>(got).data).toEqual(body.data);
    });

    it('400 with errors[{field,message}] for an invalid email, and nothing is created', async () => {
      const res = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
        .send({ name: 'Bad email probe', email: 'not-an-email' });
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.title).toBe('Validation failed');
      expect(problem.errors).toEqual([{ field: 'email', message: 'email must be an email', code: 'isEmail' }]);
      expect(problem.detail).toContain('email must be an email');
      // The email filter takes the body's rules, so it refuses `not-an-email` too: count by the name instead.
      const named = await u.t.http
        .get('/api/v1/users')
        .query({ name: 'Bad email probe' })
        .set('authorization', u.auth)
        .expect(200);
      expect(list<UserBody>(named).total).toBe(0);
    });

    it('400 naming each missing or mistyped property', async () => {
      const res = await u.t.http.post('/api/v1/users').set('authorization', u.auth).send({ name: 42 });
      const problem = expectProblem(res, 400, 'validation-error');
      const fields = new Set(problem.errors?.map((e) => e.field));
      expect(fields).toEqual(new Set(['name', 'email']));
      for (const e of problem.errors ?? []) expect(e.message.length).toBeGreaterThan(0);
    });

    it('400 for an unknown body property (rejected, not ignored)', async () => {
      const address = u.email('unknown-prop');
      const res = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
        .send({ name: 'Sato', email: address, role: 'admin' });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors).toEqual([
        { field: 'role', message: 'property role should not exist', code: 'whitelistValidation' },
      ]);
      expect(await countByEmail(address)).toBe(0);
    });

    it('400 for a malformed JSON body', async () => {
      const res = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
        .set('content-type', 'application/json')
        .send('{"name": ');
      const problem = expectProblem(res, 400, 'validation-error', '/api/v1/users');
      expect(problem.errors).toEqual([{ field: 'body', message: 'the body is not valid JSON', code: 'invalidJson' }]);
      const ja = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
        .set('accept-language', 'ja')
        .set('content-type', 'application/json')
        .send('');
      expect(expectProblem(ja, 400, 'validation-error').detail).toBe('Content-Type が JSON なのに本文が空です');
    });

    it('409 problem for a duplicate email, and the first user is kept alone', async () => {
      const address = u.email('dup');
      const first = await createUser(u.t, await u.t.token(), 'First', address);
      const res = await u.t.http
        .post('/api/v1/users')
        .set('authorization', u.auth)
        .send({ name: 'Second', email: address });
      const problem = expectProblem(res, 409, 'unique-violation', '/api/v1/users');
      expect(problem.title).toBe('Conflict');
      expect(problem.detail).toContain('email');
      const rows = list<UserBody>(
        await u.t.http.get('/api/v1/users').query({ email: address }).set('authorization', u.auth).expect(200),
      );
      expect(rows.total).toBe(1);
      expect(rows.data[0].userId).toBe(first.userId);
    });
  });

  describe('GET /api/v1/users/{userId}', () => {
    it('200 with ETag; If-None-Match with it gives 304 and an empty body', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Etag', u.email('etag'));
      const res = await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(res).data).toEqual(user);
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);

      const notModified = await u.t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-none-match', etag);
      expect(notModified.status).toBe(304);
      expect(notModified.text ?? '').toBe('');
      expect(notModified.headers.etag).toBe(etag);

      const other = await u.t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-none-match', '"something-else"');
      expect(other.status).toBe(200);
      expect(envelope<UserBody>(other).data.userId).toBe(user.userId);
    });

    it('a changed resource no longer matches its old ETag', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Changing', u.email('changing'));
      const before = await u.etagOf(user.userId);
      await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .send({ name: 'Changed' })
        .expect(200);
      const res = await u.t.http
        .get(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-none-match', before);
      expect(res.status).toBe(200);
      expect(res.headers.etag).not.toBe(before);
      expect(envelope<UserBody>(res).data.name).toBe('Changed');
    });

    it('fields=name,email returns only those properties', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Fields', u.email('fields'));
      const res = await u.t.http
        .get(`/api/v1/users/${user.userId}`)
        .query({ fields: 'name,email' })
        .set('authorization', u.auth)
        .expect(200);
      expect(envelope<Record<string, unknown>>(res).data).toEqual({ name: 'Fields', email: user.email });
    });

    it('fields with an unknown name: 400 listing the allowed ones', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Fields2', u.email('fields2'));
      const res = await u.t.http
        .get(`/api/v1/users/${user.userId}`)
        .query({ fields: 'name,password' })
        .set('authorization', u.auth);
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.[0].field).toBe('fields');
      expect(problem.errors?.[0].message).toContain('password');
      for (const allowed of ['userId', 'name', 'email', 'createdAt', 'updatedAt'])
        expect(problem.errors?.[0].message).toContain(allowed);
    });

    it('404 problem for an unknown id', async () => {
      const res = await u.t.http.get('/api/v1/users/01NOSUCHUSER0000000000000').set('authorization', u.auth);
      const problem = expectProblem(res, 404, 'resource-not-found', '/api/v1/users/01NOSUCHUSER0000000000000');
      expect(problem.detail).toContain('01NOSUCHUSER0000000000000');
    });
  });

  describe('GET /api/v1/users/{userId}/profile (cache)', () => {
    it('returns the profile in the envelope; fields and unknown fields as everywhere', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Profile', u.email('profile'));
      const res = await u.t.http.get(`/api/v1/users/${user.userId}/profile`).set('authorization', u.auth).expect(200);
      expect(envelope<ProfileBody>(res).data).toEqual({
        userId: user.userId,
        name: 'Profile',
        email: user.email,
        createdAt: user.createdAt,
      });
      expect(typeof res.headers.etag).toBe('string');
      const projected = await u.t.http
        .get(`/api/v1/users/${user.userId}/profile`)
        .query({ fields: 'name' })
        .set('authorization', u.auth)
        .expect(200);
      expect(envelope<ProfileBody>(projected).data).toEqual({ name: 'Profile' });
      const bad = await u.t.http
        .get(`/api/v1/users/${user.userId}/profile`)
        .query({ fields: 'updatedAt' })
        .set('authorization', u.auth);
      expectProblem(bad, 400, 'validation-error');
    });

    it('is served from the cache when warm, and a PATCH through the API invalidates it', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Cached', u.email('cached'));
      const path = `/api/v1/users/${user.userId}/profile`;
      await u.t.http.get(path).set('authorization', u.auth).expect(200); // warms the cache

      // Change the row behind the service's back: only a cache can still answer the old name.
      await u.t.app.get(DataSource).getRepository(User).update({ id: user.userId }, { name: 'Changed in DB' });
      const direct = await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(direct).data.name).toBe('Changed in DB');
      const cached = await u.t.http.get(path).set('authorization', u.auth).expect(200);
      expect(envelope<ProfileBody>(cached).data.name).toBe('Cached');

      await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .send({ name: 'Patched' })
        .expect(200);
      const fresh = await u.t.http.get(path).set('authorization', u.auth).expect(200);
      expect(envelope<ProfileBody>(fresh).data.name).toBe('Patched');
    });

    it('DELETE invalidates it: the profile of a deleted user is 404', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Gone', u.email('gone'));
      const path = `/api/v1/users/${user.userId}/profile`;
      await u.t.http.get(path).set('authorization', u.auth).expect(200);
      await u.t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(204);
      expectProblem(await u.t.http.get(path).set('authorization', u.auth), 404, 'resource-not-found');
    });

    it('404 for an unknown id', async () => {
      const res = await u.t.http.get('/api/v1/users/01NOSUCHUSER0000000000000/profile').set('authorization', u.auth);
      expectProblem(res, 404, 'resource-not-found', '/api/v1/users/01NOSUCHUSER0000000000000/profile');
    });
  });
});
