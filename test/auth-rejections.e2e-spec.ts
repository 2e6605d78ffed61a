import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { allScopes } from '../src/modules/auth/scopes.js';
import { bearer, createUser, expectProblem, list, type UserBody } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';
import { basic } from './support/basic-auth.js';

const ISSUER = 'nest-integration-gateway';
const AUDIENCE = 'nest-integration-gateway/api';

describe('auth: 401 without a valid bearer token, 403 without the scope (§3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const usersWith = (token: string) => t.http.get('/api/v1/users').set('authorization', bearer(token));

  describe('401 without a valid bearer token', () => {
    const ROUTES: ['get' | 'post' | 'put' | 'patch' | 'delete', string][] = [
      ['get', '/api/v1/users'],
      ['post', '/api/v1/users'],
      ['get', '/api/v1/users/01ANYUSER00000000000000000'],
      ['put', '/api/v1/users/01ANYUSER00000000000000000'],
      ['patch', '/api/v1/users/01ANYUSER00000000000000000'],
      ['delete', '/api/v1/users/01ANYUSER00000000000000000'],
      ['get', '/api/v1/users/01ANYUSER00000000000000000/profile'],
    ];

    it.each(ROUTES)('%s %s without a token: 401 problem with WWW-Authenticate: Bearer', async (method, path) => {
      const res = await t.http[method](path);
      expectProblem(res, 401, 'unauthorized', path);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    });

    async function sign(
      secret: string,
      claims: { exp?: number | null; iat?: number; iss?: string; aud?: string } = {},
    ): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ scope: allScopes().join(' ') })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setSubject(BOOTSTRAP.id)
        .setIssuer(claims.iss ?? ISSUER)
        .setAudience(claims.aud ?? AUDIENCE)
        .setIssuedAt(claims.iat ?? now);
      if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? now + 600);
      return jwt.sign(createSecretKey(Buffer.from(secret, 'utf8')));
    }

    async function expectRejected(authorization: string) {
      const res = await t.http.get('/api/v1/users').set('authorization', authorization);
      expectProblem(res, 401, 'unauthorized', '/api/v1/users');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
      return res;
    }

    it('a self-made token with the right key and claims is accepted (control for the cases below)', async () => {
      await usersWith(await sign(t.config.auth.jwtSecret)).expect(200);
    });

    it('a garbage, empty or non-Bearer credential: 401', async () => {
      const res = await expectRejected('Bearer not-a-jwt');
      expect(res.headers['www-authenticate']).toContain('invalid_token');
      await expectRejected('Bearer ');
      await expectRejected(basic(BOOTSTRAP.id, BOOTSTRAP.secret));
    });

    it('an expired token: 401 invalid_token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await expectRejected(
        bearer(await sign(t.config.auth.jwtSecret, { iat: now - 7200, exp: now - 3600 })),
      );
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    });

    it('a correctly signed token that never expires (no exp): 401 invalid_token', async () => {
      const res = await expectRejected(bearer(await sign(t.config.auth.jwtSecret, { exp: null })));
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    });

    it('a token signed with another key: 401', async () => {
      await expectRejected(bearer(await sign('some-other-secret-of-at-least-32-characters!')));
    });

    it('a token for another issuer or audience: 401', async () => {
      await expectRejected(bearer(await sign(t.config.auth.jwtSecret, { iss: 'someone-else' })));
      await expectRejected(bearer(await sign(t.config.auth.jwtSecret, { aud: 'another-api' })));
    });

    it('an unsigned (alg none) token: 401', async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({
        sub: BOOTSTRAP.id,
        scope: allScopes().join(' '),
        iss: ISSUER,
        aud: AUDIENCE,
        iat: now,
        exp: now + 600,
      })}.`;
      await expectRejected(bearer(unsigned));
    });
  });

  describe('403 for a token without the scope', () => {
    it('users:read cannot write; users:write cannot read', async () => {
      const readOnly = bearer(await t.token(['users:read']));
      const writeOnly = bearer(await t.token(['users:write']));
      const user = await createUser(t, await t.token(), 'Scoped', 'scoped@example.com');
      const path = `/api/v1/users/${user.userId}`;

      const attempts = [
        t.http.post('/api/v1/users').set('authorization', readOnly).send({ name: 'X', email: 'x@example.com' }),
        t.http.put(path).set('authorization', readOnly).send({ name: 'X', email: 'x@example.com' }),
        t.http.patch(path).set('authorization', readOnly).send({ name: 'X' }),
        t.http.delete(path).set('authorization', readOnly),
        t.http.get('/api/v1/users').set('authorization', writeOnly),
        t.http.get(path).set('authorization', writeOnly),
        t.http.get(`${path}/profile`).set('authorization', writeOnly),
      ];
      for (const res of await Promise.all(attempts)) {
        const problem = expectProblem(res, 403, 'forbidden');
        expect(problem.detail).toMatch(/users:(read|write)/);
      }
      // Nothing was written by the refused calls.
      const created = await t.http.get('/api/v1/users?email=x%40example.com').set('authorization', readOnly);
      expect(list<UserBody>(created).total).toBe(0);
      const kept = await t.http.get(path).set('authorization', readOnly).expect(200);
      expect((kept.body as { data: UserBody }).data).toEqual(user);
    });
  });
});
