// The generated client (openapi-typescript types + openapi-fetch) against the token endpoint and the users
// resource: every answer goes through the suite's OpenApiContract (status documented, Content-Type declared,
// body valid against the documented schema). The operations this file calls are claimed in
// test/support/openapi-client-claims.ts; its last test checks the claim.
import { BOOTSTRAP } from './helpers/test-app.js';
import { claimOf, missedClaims } from './support/openapi-client-claims.js';
import { openApiClientSuite, type Api, type TextApi } from './support/openapi-client-suite.js';

describe('generated OpenAPI client: POST /oauth/token and users', () => {
  const api = openApiClientSuite();
  // The users tests call with the tokens the token tests issue through the client, as a client would.
  /** The bootstrap client's token: every scope. */
  let adminToken: string;
  let admin: Api;
  /** A token narrowed to users:read. */
  let reader: Api;

  describe('auth: POST /oauth/token', () => {
    it('JSON body: 200 with a Bearer token of every scope', async () => {
      const { data, response } = await api.anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret },
      });
      expect(response.status).toBe(200);
      expect(data?.token_type).toBe('Bearer');
      expect(data?.scope.split(' ')).toEqual(expect.arrayContaining(['users:write', 'ops:admin', 'webhooks:admin']));
      adminToken = data?.access_token ?? '';
      admin = api.client(adminToken);
    });

    it('form body with a narrowing scope: 200 with only that scope', async () => {
      const { data, response } = await api.anonymous.POST('/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          scope: 'users:read',
        },
        bodySerializer: (body) =>
          new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(200);
      expect(data?.scope).toBe('users:read');
      reader = api.client(data?.access_token);
    });

    it('401 invalid_client for a wrong secret, 400 for another grant type (RFC 6749 error bodies)', async () => {
      const bad = await api.anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: 'wrong-secret' },
      });
      expect(bad.response.status).toBe(401);
      expect(bad.error).toMatchObject({ error: 'invalid_client' });

      const grant = await api.anonymous.POST('/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          scope: 'nope:nope',
        },
      });
      expect(grant.response.status).toBe(400);
      expect(grant.error).toMatchObject({ error: 'invalid_scope' });
    });

    it('400 problem for a body that is not JSON at all', async () => {
      const malformed = await api.anonymous.POST('/oauth/token', {
        body: { grant_type: 'client_credentials' },
        bodySerializer: () => '{"grant_type":',
      });
      expect(malformed.response.status).toBe(400);
      expect(malformed.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('users', () => {
    let userId: string;
    let etag: string;

    it('POST: 201 with Location; 409 for the same email; 400 for an invalid one; 401 without, 403 with a read-only token', async () => {
      const created = await admin.POST('/api/v1/users', { body: { name: '山田太郎', email: 'yamada@example.com' } });
      expect(created.response.status).toBe(201);
      userId = created.data?.data.userId ?? '';
      expect(created.response.headers.get('location')).toBe(`/api/v1/users/${userId}`);

      const clash = await admin.POST('/api/v1/users', { body: { name: 'Other', email: 'yamada@example.com' } });
      expect(clash.response.status).toBe(409);
      expect(clash.error?.type).toMatch(/unique-violation$/);

      const invalid = await admin.POST('/api/v1/users', { body: { name: 'Bad', email: 'not-an-email' } });
      expect(invalid.response.status).toBe(400);
      expect(invalid.error?.errors?.[0]?.field).toBe('email');

      const unauthenticated = await api.anonymous.POST('/api/v1/users', {
        body: { name: 'A', email: 'a@example.com' },
      });
      expect(unauthenticated.response.status).toBe(401);
      expect(unauthenticated.response.headers.get('www-authenticate')).toMatch(/^Bearer/);

      const forbidden = await reader.POST('/api/v1/users', { body: { name: 'A', email: 'a@example.com' } });
      expect(forbidden.response.status).toBe(403);
    });

    it('GET list: 200 page with total and links (JSON and CSV); 400 for limit=0; 406 for an Accept it cannot produce', async () => {
      await admin.POST('/api/v1/users', { body: { name: '佐藤花子', email: 'sato@example.com' } });
      const page = await admin.GET('/api/v1/users', {
        params: { query: { offset: 0, limit: 1, sort: '-createdAt,name' } },
      });
      expect(page.response.status).toBe(200);
      expect(page.data?.total).toBe(2);
      expect(page.data?.data).toHaveLength(1);
      expect(page.data?.metadata.links.next).toBe('/api/v1/users?sort=-createdAt%2Cname&offset=1&limit=1');

      const filtered = await admin.GET('/api/v1/users', { params: { query: { email: 'sato@example.com' } } });
      expect(filtered.data?.data.map((u) => u.name)).toEqual(['佐藤花子']);

      const sparse = await admin.GET('/api/v1/users', { params: { query: { fields: 'name,email', sort: 'email' } } });
      expect(sparse.data?.data).toEqual([
        { name: '佐藤花子', email: 'sato@example.com' },
        { name: '山田太郎', email: 'yamada@example.com' },
      ]);
      const unknownField = await admin.GET('/api/v1/users', { params: { query: { fields: 'password' } } });
      expect(unknownField.response.status).toBe(400);

      const text: TextApi = api.client(adminToken);
      const csv = await text.GET('/api/v1/users', { headers: { accept: 'text/csv' }, parseAs: 'text' });
      expect(csv.response.status).toBe(200);
      expect(csv.data?.split('\n')[0]).toBe('userId,name,email,createdAt,updatedAt');

      const zero = await admin.GET('/api/v1/users', { params: { query: { limit: 0 } } });
      expect(zero.response.status).toBe(400);
      const fraction = await admin.GET('/api/v1/users', { params: { query: { offset: 1.5 } } });
      expect(fraction.response.status).toBe(400);

      const xml = await admin.GET('/api/v1/users', { headers: { accept: 'application/xml' } });
      expect(xml.response.status).toBe(406);
    });

    it('GET one: 200 with ETag, 304 for If-None-Match, 404 for an unknown id', async () => {
      const got = await admin.GET('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(got.response.status).toBe(200);
      expect(got.data?.data.email).toBe('yamada@example.com');
      const email = await admin.GET('/api/v1/users/{userId}', {
        params: { path: { userId }, query: { fields: 'email' } },
      });
      expect(email.data?.data).toEqual({ email: 'yamada@example.com' });
      etag = got.response.headers.get('etag') ?? '';
      expect(etag).not.toBe('');

      const same = await admin.GET('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-None-Match': etag } },
      });
      expect(same.response.status).toBe(304);

      const missing = await admin.GET('/api/v1/users/{userId}', { params: { path: { userId: 'NOSUCHUSER' } } });
      expect(missing.response.status).toBe(404);
      expect(missing.error?.instance).toBe('/api/v1/users/NOSUCHUSER');
    });

    it('PUT: 200 with If-Match, 412 when it is stale; PATCH: 200 (JSON and merge patch), without If-Match', async () => {
      const replaced = await admin.PUT('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-Match': etag } },
        body: { name: '山田一郎', email: 'yamada@example.com' },
      });
      expect(replaced.response.status).toBe(200);
      expect(replaced.data?.data.name).toBe('山田一郎');

      const stale = await admin.PUT('/api/v1/users/{userId}', {
        params: { path: { userId }, header: { 'If-Match': etag } },
        body: { name: 'Late', email: 'yamada@example.com' },
      });
      expect(stale.response.status).toBe(412);

      const patched = await admin.PATCH('/api/v1/users/{userId}', {
        params: { path: { userId } },
        body: { name: '山田二郎' },
      });
      expect(patched.response.status).toBe(200);
      expect(patched.data?.data).toMatchObject({ name: '山田二郎', email: 'yamada@example.com' });

      const merged = await admin.PATCH('/api/v1/users/{userId}', {
        params: { path: { userId } },
        body: { email: 'ichiro@example.com' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(merged.response.status).toBe(200);
      expect(merged.data?.data.email).toBe('ichiro@example.com');
    });

    it('GET profile: 200; DELETE: 204, then 404', async () => {
      const profile = await reader.GET('/api/v1/users/{userId}/profile', { params: { path: { userId } } });
      expect(profile.response.status).toBe(200);
      expect(profile.data?.data).toMatchObject({ userId, name: '山田二郎' });

      const unacceptable = await admin.DELETE('/api/v1/users/{userId}', {
        params: { path: { userId } },
        headers: { accept: 'application/xml' },
      });
      expect(unacceptable.response.status).toBe(406);
      const deleted = await admin.DELETE('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(deleted.response.status).toBe(204);
      const again = await admin.DELETE('/api/v1/users/{userId}', { params: { path: { userId } } });
      expect(again.response.status).toBe(404);
    });
  });

  describe('claimed coverage', () => {
    it('called every operation it claims in test/support/openapi-client-claims.ts, with an error answer of each claimed tag', () => {
      expect(missedClaims(api.contract, claimOf('openapi-client-auth-users', api.contract.document))).toEqual({
        operations: [],
        errorTags: [],
      });
    });
  });
});
