// The auth matrix, derived from the served OpenAPI document: every operation secured by a bearer token, times
// every way a token can be wrong (none, malformed, wrong signature, `alg: none`, expired, wrong issuer or
// audience, no expiry, a foreign scope). Each answer must be 401 with a `WWW-Authenticate: Bearer` challenge
// (403 for a valid token lacking the scope), always as a problem document. Operations are found in the
// document, so a route added later is in the matrix without an edit here.
import type { OpenAPIObject } from '@nestjs/swagger';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';
import { servedDocument } from './support/openapi.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const ISSUER = 'nest-integration-gateway';
const AUDIENCE = 'nest-integration-gateway/api';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Secured {
  path: string;
  method: string;
  scopes: string[];
}

describe('auth matrix: every secured operation of the document × every bad token', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let secured: Secured[];
  let allScopes: string[];

  beforeAll(async () => {
    t = await startTestApp({ DEBUG_ENABLED: 'true' });
    document = await servedDocument(t.app);
    secured = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const op = (item as Json)[method] as { security?: Record<string, string[]>[] } | undefined;
        const schemes = op?.security ?? [];
        if (!schemes.some((s) => 'bearer' in s)) return [];
        return [{ path, method, scopes: schemes.flatMap((s) => s.oauth2 ?? []) }];
      }),
    );
    const oauth2 = document.components?.securitySchemes?.oauth2 as { flows: { clientCredentials: { scopes: Json } } };
    allScopes = Object.keys(oauth2.flows.clientCredentials.scopes);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A token signed with `secret` (the server's unless given), with these claims and header. */
  async function sign(
    claims: Json,
    options: { secret?: string; exp?: number | null; iss?: string; aud?: string } = {},
  ) {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(BOOTSTRAP.id)
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt();
    if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '1h');
    return jwt.sign(createSecretKey(Buffer.from(options.secret ?? t.config.auth.jwtSecret, 'utf8')));
  }

  /** Every way a bearer credential can be wrong, by name: the Authorization header sent (or none). */
  async function badCredentials(scopes: string[]): Promise<Record<string, string | undefined>> {
    const claims = { scope: scopes.join(' ') || allScopes.join(' ') };
    const real = await t.token();
    const [header, payload, signature] = real.split('.');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    return {
      none: undefined,
      'empty bearer': 'Bearer ',
      'malformed token': 'Bearer not-a-jwt',
      'two parts': `Bearer ${header}.${payload}`,
      'another scheme (Basic client credentials)': `Basic ${Buffer.from(`${BOOTSTRAP.id}:${BOOTSTRAP.secret}`).toString('base64')}`,
      'tampered signature': `Bearer ${header}.${payload}.${flipped}`,
      'wrong secret': `Bearer ${await sign(claims, { secret: 'another-secret-of-at-least-32-bytes!!' })}`,
      'alg none': `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      expired: `Bearer ${await sign(claims, { exp: Math.floor(Date.now() / 1000) - 60 })}`,
      'no expiry': `Bearer ${await sign(claims, { exp: null })}`,
      'wrong issuer': `Bearer ${await sign(claims, { iss: 'someone-else' })}`,
      'wrong audience': `Bearer ${await sign(claims, { aud: 'another/api' })}`,
    };
  }

  /** A scope of another family than every scope the operation accepts (a `users:*` token on payments, say). */
  function foreignScope(accepted: string[]): string {
    const families = new Set(accepted.map((s) => s.split(':')[0]));
    const foreign = allScopes.find((s) => !families.has(s.split(':')[0]));
    if (!foreign) throw new Error(`no foreign scope for ${accepted.join(', ')}`);
    return foreign;
  }

  async function call(op: Secured, authorization: string | undefined) {
    const url = op.path.replace(/\{[^}]+\}/g, 'x');
    const hasBody = ['post', 'put', 'patch'].includes(op.method);
    return t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: op.method.toUpperCase() as 'GET',
        url,
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
        },
        payload: hasBody ? '{}' : undefined,
      });
  }

  it('the document secures the API: every non-ops operation needs a bearer token with a scope', () => {
    expect(secured.length).toBeGreaterThanOrEqual(20);
    for (const op of secured) expect([op.path, op.scopes.length > 0]).toEqual([op.path, true]);
  });

  it('every bad token → 401 with a Bearer challenge; a foreign scope → 403; always a problem', async () => {
    const failures: string[] = [];
    let cases = 0;
    for (const op of secured) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      for (const [name, authorization] of Object.entries(await badCredentials(op.scopes))) {
        cases++;
        const res = await call(op, authorization);
        const challenge = String(res.headers['www-authenticate'] ?? '');
        if (res.statusCode !== 401) failures.push(`${where} × ${name}: ${res.statusCode}, expected 401`);
        else if (!/^Bearer\b/.test(challenge)) failures.push(`${where} × ${name}: 401 without a Bearer challenge`);
        if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
          failures.push(`${where} × ${name}: answered ${String(res.headers['content-type'])}`);
        }
      }
      cases++;
      const foreign = foreignScope(op.scopes);
      const res = await call(op, `Bearer ${await t.token([foreign])}`);
      if (res.statusCode !== 403) failures.push(`${where} × foreign scope ${foreign}: ${res.statusCode}, expected 403`);
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
        failures.push(`${where} × foreign scope: answered ${String(res.headers['content-type'])}`);
      }
    }
    console.log(`auth matrix: ${secured.length} secured operations × 13 credentials = ${cases} requests`);
    expect(failures).toEqual([]);
  }, 60_000);
});
