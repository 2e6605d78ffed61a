import { createUser, envelope, expectProblem, type UserBody } from './helpers/http.js';
import { usersSuite } from './support/users-suite.js';

describe('users: update and delete (§4 users, §3 status codes)', () => {
  const u = usersSuite();

  describe('PUT /api/v1/users/{userId}', () => {
    it('200 with the replaced resource', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Put', u.email('put'));
      const address = u.email('put-new');
      const res = await u.t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
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
      const got = await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(got).data).toEqual(data);
    });

    it('400 when a required property is missing (PUT replaces the whole resource)', async () => {
      const user = await createUser(u.t, await u.t.token(), 'PutPartial', u.email('put-partial'));
      const res = await u.t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .send({ name: 'Only name' });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toContain('email');
    });

    it('409 when the new email belongs to another user', async () => {
      const a = await createUser(u.t, await u.t.token(), 'PutA', u.email('put-a'));
      const b = await createUser(u.t, await u.t.token(), 'PutB', u.email('put-b'));
      const res = await u.t.http
        .put(`/api/v1/users/${b.userId}`)
        .set('authorization', u.auth)
        .send({ name: 'PutB', email: a.email });
      expectProblem(res, 409, 'unique-violation');
      const got = await u.t.http.get(`/api/v1/users/${b.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(got).data.email).toBe(b.email);
    });

    it('404 for an unknown id', async () => {
      const res = await u.t.http
        .put('/api/v1/users/01NOSUCHUSER0000000000000')
        .set('authorization', u.auth)
        .send({ name: 'X', email: u.email('put-404') });
      expectProblem(res, 404, 'resource-not-found');
    });
  });

  describe('PATCH /api/v1/users/{userId}', () => {
    it('200 with application/merge-patch+json: only the given properties change', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Merge', u.email('merge'));
      const res = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('content-type', 'application/merge-patch+json')
        .send(JSON.stringify({ name: 'Merged' }));
      expect(res.status).toBe(200);
      expect(envelope<UserBody>(res).data).toMatchObject({ userId: user.userId, name: 'Merged', email: user.email });
    });

    it('200 with application/json', async () => {
      const user = await createUser(u.t, await u.t.token(), 'JsonPatch', u.email('json-patch'));
      const address = u.email('json-patch-new');
      const res = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ email: address }));
      expect(res.status).toBe(200);
      expect(envelope<UserBody>(res).data).toMatchObject({ name: 'JsonPatch', email: address });
    });

    it('400 for an invalid email or an unknown property', async () => {
      const user = await createUser(u.t, await u.t.token(), 'PatchBad', u.email('patch-bad'));
      const bad = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .send({ email: 'nope' });
      expect(expectProblem(bad, 400, 'validation-error').errors?.[0]).toMatchObject({ field: 'email' });
      const unknown = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .send({ id: 'x' });
      expect(expectProblem(unknown, 400, 'validation-error').errors?.[0]).toMatchObject({ field: 'id' });
    });

    it('400 for null (merge patch: remove) on a required property, and nothing changes', async () => {
      const user = await createUser(u.t, await u.t.token(), 'PatchNull', u.email('patch-null'));
      for (const property of ['name', 'email']) {
        const res = await u.t.http
          .patch(`/api/v1/users/${user.userId}`)
          .set('authorization', u.auth)
          .set('content-type', 'application/merge-patch+json')
          .send(JSON.stringify({ [property]: null }));
        const problem = expectProblem(res, 400, 'validation-error');
        expect(problem.errors?.map((e) => e.field)).toContain(property);
      }
      const got = await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(got).data).toEqual(user);
    });

    it('409 when the email belongs to another user', async () => {
      const a = await createUser(u.t, await u.t.token(), 'PatchA', u.email('patch-a'));
      const b = await createUser(u.t, await u.t.token(), 'PatchB', u.email('patch-b'));
      const res = await u.t.http
        .patch(`/api/v1/users/${b.userId}`)
        .set('authorization', u.auth)
        .send({ email: a.email });
      expectProblem(res, 409, 'unique-violation');
    });

    it('404 for an unknown id', async () => {
      const res = await u.t.http
        .patch('/api/v1/users/01NOSUCHUSER0000000000000')
        .set('authorization', u.auth)
        .send({ name: 'X' });
      expectProblem(res, 404, 'resource-not-found');
    });
  });

  describe('If-Match (optimistic concurrency)', () => {
    it('PATCH with the current ETag: 200; with the now stale one: 412 and nothing changes', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Match', u.email('match'));
      const etag = await u.etagOf(user.userId);
      const ok = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', etag)
        .send({ name: 'Match 1' });
      expect(ok.status).toBe(200);

      const stale = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', etag)
        .send({ name: 'Match 2' });
      const problem = expectProblem(stale, 412, 'precondition-failed');
      expect(problem.title).toBe('Precondition failed');
      const got = await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
      expect(envelope<UserBody>(got).data.name).toBe('Match 1');
    });

    it('a write answers the new ETag, so the next conditional write needs no GET', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Chain', u.email('chain'));
      const first = await u.t.http
        .patch(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', await u.etagOf(user.userId))
        .send({ name: 'Chain 1' })
        .expect(200);
      expect(first.headers.etag).toBe(await u.etagOf(user.userId));
      const second = await u.t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', first.headers.etag as string)
        .send({ name: 'Chain 2', email: u.email('chain') })
        .expect(200);
      expect(second.headers.etag).toBe(await u.etagOf(user.userId));
      expect(second.headers.etag).not.toBe(first.headers.etag);
    });

    it('PUT with a stale ETag: 412; with the current one: 200', async () => {
      const user = await createUser(u.t, await u.t.token(), 'PutMatch', u.email('put-match'));
      const res = await u.t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', '"stale"')
        .send({ name: 'Nope', email: user.email });
      expectProblem(res, 412, 'precondition-failed');
      const current = await u.etagOf(user.userId);
      await u.t.http
        .put(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', current)
        .send({ name: 'Yes', email: user.email })
        .expect(200);
    });

    it('DELETE with a stale ETag: 412 and the user stays; with the current one: 204', async () => {
      const user = await createUser(u.t, await u.t.token(), 'DelMatch', u.email('del-match'));
      const res = await u.t.http
        .delete(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', '"stale"');
      expectProblem(res, 412, 'precondition-failed');
      const current = await u.etagOf(user.userId);
      const deleted = await u.t.http
        .delete(`/api/v1/users/${user.userId}`)
        .set('authorization', u.auth)
        .set('if-match', current);
      expect(deleted.status).toBe(204);
    });
  });

  describe('DELETE /api/v1/users/{userId}', () => {
    it('204 with an empty body; then the user is gone (404)', async () => {
      const user = await createUser(u.t, await u.t.token(), 'Delete', u.email('delete'));
      const res = await u.t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', u.auth);
      expect(res.status).toBe(204);
      expect(res.text ?? '').toBe('');
      expectProblem(
        await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth),
        404,
        'resource-not-found',
      );
      expectProblem(
        await u.t.http.delete(`/api/v1/users/${user.userId}`).set('authorization', u.auth),
        404,
        'resource-not-found',
      );
    });

    it('400 for an unknown query parameter, and the user is not deleted', async () => {
      const user = await createUser(u.t, await u.t.token(), 'DelQuery', u.email('del-query'));
      const res = await u.t.http
        .delete(`/api/v1/users/${user.userId}`)
        .query({ force: 'true' })
        .set('authorization', u.auth);
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toEqual(['force']);
      await u.t.http.get(`/api/v1/users/${user.userId}`).set('authorization', u.auth).expect(200);
    });
  });
});
