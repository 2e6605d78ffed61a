import { bearer } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import type { OptionsBody } from './support/rest-conventions-app.js';

// Its own file: CORS is configured at start-up, so this suite needs an app of its own anyway.
describe('REST conventions (§3 OPTIONS with CORS enabled)', () => {
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
