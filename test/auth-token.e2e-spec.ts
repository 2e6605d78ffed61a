import { DataSource } from 'typeorm';
import { ApiClient } from '../src/modules/auth/entities/api-client.entity.js';
import { allScopes } from '../src/modules/auth/scopes.js';
import { hashSecret } from '../src/modules/auth/secret-hash.js';
import { bearer, expectProblem } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';
import { basic } from './support/basic-auth.js';

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

const NARROW = { id: 'narrow-client', secret: 'narrow-client-secret-0123456789', scopes: 'users:read' };

/** RFC 6749 §5.2 error: plain JSON with `error`, never a problem document. */
function expectOAuthError(
  res: { status: number; headers: Record<string, string>; text: string },
  status: number,
  error: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.text) as OAuthErrorBody & { type?: unknown; title?: unknown };
  expect(body.error).toBe(error);
  expect(body.type).toBeUndefined();
  expect(body.title).toBeUndefined();
  expect(res.headers['cache-control']).toBe('no-store');
  return body;
}

describe('auth: POST /oauth/token (§4)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const now = new Date();
    await t.app
      .get(DataSource)
      .getRepository(ApiClient)
      .insert({
        clientId: NARROW.id,
        name: 'narrow',
        secretHash: await hashSecret(NARROW.secret),
        scopes: NARROW.scopes,
        createdAt: now,
        updatedAt: now,
      });
  });
  afterAll(async () => {
    await t.close();
  });

  const usersWith = (token: string) => t.http.get('/api/v1/users').set('authorization', bearer(token));

  describe('POST /oauth/token', () => {
    it('form body: a Bearer token with every scope of the client, usable on the API', async () => {
      const res = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.body as TokenBody;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(t.config.auth.tokenTtlS);
      expect(body.scope.split(' ').sort()).toEqual(allScopes().sort());
      await usersWith(body.access_token).expect(200);
    });

    it('JSON body works the same', async () => {
      const res = await t.http
        .post('/oauth/token')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      await usersWith((res.body as TokenBody).access_token).expect(200);
    });

    it('HTTP Basic client authentication', async () => {
      const res = await t.http
        .post('/oauth/token')
        .set('authorization', basic(BOOTSTRAP.id, BOOTSTRAP.secret))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(res.status).toBe(200);
      await usersWith((res.body as TokenBody).access_token).expect(200);
    });

    it('Basic and form credentials together: 400 invalid_request (RFC 6749 §2.3.1, one method only)', async () => {
      const res = await t.http
        .post('/oauth/token')
        .set('authorization', basic(BOOTSTRAP.id, BOOTSTRAP.secret))
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('wrong secret: 401 invalid_client (RFC 6749 body, not a problem)', async () => {
      const form = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: 'wrong-secret-0000000000' });
      expectOAuthError(form, 401, 'invalid_client');
      // RFC 6749 §5.2: no Basic challenge for form credentials (a browser would pop up its login box).
      expect(form.headers['www-authenticate']).toBeUndefined();

      const viaBasic = await t.http
        .post('/oauth/token')
        .set('authorization', basic(BOOTSTRAP.id, 'wrong-secret-0000000000'))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expectOAuthError(viaBasic, 401, 'invalid_client');
      // RFC 6749 §5.2: a client that tried Basic gets a Basic challenge.
      expect(viaBasic.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('unknown client and missing credentials: 401 invalid_client', async () => {
      const unknown = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'whatever-secret-000' });
      expectOAuthError(unknown, 401, 'invalid_client');
      const missing = await t.http.post('/oauth/token').type('form').send({ grant_type: 'client_credentials' });
      expectOAuthError(missing, 401, 'invalid_client');
    });

    it('malformed Basic credentials: 401 invalid_client, not a server error', async () => {
      const res = await t.http
        .post('/oauth/token')
        .set('authorization', `Basic ${Buffer.from('%zz:%E0%A4%A').toString('base64')}`)
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expectOAuthError(res, 401, 'invalid_client');
    });

    it('unsupported grant: 400 unsupported_grant_type; no grant: 400 invalid_request', async () => {
      const password = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'password', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expectOAuthError(password, 400, 'unsupported_grant_type');
      const none = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expectOAuthError(none, 400, 'invalid_request');
    });

    it('scope narrows the token: only the listed scopes are granted', async () => {
      const res = await t.http.post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: BOOTSTRAP.id,
        client_secret: BOOTSTRAP.secret,
        scope: 'users:read',
      });
      expect(res.status).toBe(200);
      const body = res.body as TokenBody;
      expect(body.scope).toBe('users:read');
      await usersWith(body.access_token).expect(200);
      const write = await t.http
        .post('/api/v1/users')
        .set('authorization', bearer(body.access_token))
        .send({ name: 'Narrow', email: 'narrow@example.com' });
      expectProblem(write, 403, 'forbidden', '/api/v1/users');
    });

    it('scope never widens: a scope the client lacks, or an unknown one, is 400 invalid_scope', async () => {
      const widen = await t.http.post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: NARROW.id,
        client_secret: NARROW.secret,
        scope: 'users:read users:write',
      });
      expectOAuthError(widen, 400, 'invalid_scope');
      const unknown = await t.http.post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: BOOTSTRAP.id,
        client_secret: BOOTSTRAP.secret,
        scope: 'users:read superuser',
      });
      expectOAuthError(unknown, 400, 'invalid_scope');
    });

    it('credentials in the URI: 400 invalid_request even with a good secret (RFC 6749 §2.3.1)', async () => {
      const secret = encodeURIComponent(BOOTSTRAP.secret);
      const inQuery = await t.http
        .post(`/oauth/token?client_secret=${secret}`)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id });
      expectOAuthError(inQuery, 400, 'invalid_request');
      const both = await t.http
        .post(`/oauth/token?client_secret=${secret}`)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret });
      expectOAuthError(both, 400, 'invalid_request');
      // An unrecognised query parameter is ignored (RFC 6749 §3.2), as in the body.
      await t.http
        .post('/oauth/token?utm=1')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret })
        .expect(200);
    });

    it('an explicit empty, blank or over-long scope never widens: 400 invalid_scope (RFC 6749 §3.3)', async () => {
      const credentials = { grant_type: 'client_credentials', client_id: NARROW.id, client_secret: NARROW.secret };
      const tooLong = Array.from({ length: 92 }, () => 'users:read').join(' ');
      for (const scope of ['', ' ', 'users:read ', ' users:read', 'users:read  users:read', tooLong]) {
        const form = await t.http
          .post('/oauth/token')
          .type('form')
          .send({ ...credentials, scope });
        expect([JSON.stringify(scope), form.status]).toEqual([JSON.stringify(scope), 400]);
        expectOAuthError(form, 400, 'invalid_scope');
        expectOAuthError(await t.http.post('/oauth/token').send({ ...credentials, scope }), 400, 'invalid_scope');
      }
    });

    it('a repeated scope parameter is 400 invalid_request; a scope named many times is granted once', async () => {
      const repeated = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          `grant_type=client_credentials&client_id=${BOOTSTRAP.id}&client_secret=${BOOTSTRAP.secret}` +
            '&scope=users:read&scope=users:write',
        );
      expectOAuthError(repeated, 400, 'invalid_request');
      const nonString = await t.http.post('/oauth/token').send({
        grant_type: 'client_credentials',
        client_id: BOOTSTRAP.id,
        client_secret: BOOTSTRAP.secret,
        scope: ['users:read'],
      });
      expectOAuthError(nonString, 400, 'invalid_request');

      const many = await t.http
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          scope: Array.from({ length: 7 }, () => allScopes().join(' ')).join(' '),
        });
      expect(many.status).toBe(200);
      const body = many.body as TokenBody;
      expect(body.scope.split(' ').sort()).toEqual(allScopes().sort());
      // The documented bound of access_token (TokenResponseDto).
      expect(body.access_token.length).toBeLessThanOrEqual(4096);
    });

    it('a client without a scope parameter gets exactly its own scopes', async () => {
      const res = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: NARROW.id, client_secret: NARROW.secret });
      expect(res.status).toBe(200);
      const body = res.body as TokenBody;
      expect(body.scope).toBe(NARROW.scopes);
      await usersWith(body.access_token).expect(200);
      const write = await t.http
        .post('/api/v1/users')
        .set('authorization', bearer(body.access_token))
        .send({ name: 'Narrow', email: 'narrow2@example.com' });
      expectProblem(write, 403, 'forbidden');
    });
  });
});
