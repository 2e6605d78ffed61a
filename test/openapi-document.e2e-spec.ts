// Issue 9 items 9 and 10: what the served document states about every answer, checked against real answers
// (through OpenApiContract) where the server produces them, and the facts the guide's lint requires.
import type { OpenAPIObject } from '@nestjs/swagger';
import { connect, type AddressInfo } from 'node:net';
import { PACKAGE } from '../src/common/observability/app-info.js';
import { bearer } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { documentOperations, servedDocument } from './support/openapi.js';

type Json = Record<string, unknown>;

describe('the served OpenAPI document matches the answers', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let contract: OpenApiContract;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp();
    document = await servedDocument(t.app);
    contract = new OpenApiContract(document);
    auth = bearer(await t.token());
  });
  afterAll(async () => {
    await t.close();
  });

  const operations = () => documentOperations(document);

  /** Sends through inject and checks the answer against the document (status, media type, schema). */
  async function exchange(path: string, method: string, url: string, init: { headers?: Json; payload?: string } = {}) {
    const res = await t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: { authorization: auth, ...init.headers } as never,
        payload: init.payload,
      });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
    await contract.check(
      path,
      method,
      new Response(res.body === '' ? null : res.body, { status: res.statusCode, headers }),
    );
    return res;
  }

  it('info: the semantic version of package.json, a contact, an API id and an audience', () => {
    expect(document.info.version).toBe(PACKAGE.version);
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(document.info.contact).toEqual({
      name: expect.any(String),
      url: expect.any(String),
      email: expect.any(String),
    });
    expect(document.info).toMatchObject({
      'x-api-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-audience': expect.any(String),
    });
  });

  it('every number has a format; every response documents X-Request-Id; every operation 400, 408 and 431', () => {
    const unformatted: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Json;
      if ((schema.type === 'number' || schema.type === 'integer') && !schema.format) unformatted.push(at);
      for (const [k, v] of Object.entries(schema)) walk(v, `${at}/${k}`);
    };
    walk(document, '#');
    expect(unformatted).toEqual([]);
    for (const { path, method, op } of operations()) {
      const responses = op.responses as Record<string, { headers?: Json }>;
      for (const [status, response] of Object.entries(responses)) {
        expect([`${method} ${path} ${status}`, response.headers?.['X-Request-Id']]).toEqual([
          `${method} ${path} ${status}`,
          expect.objectContaining({ schema: expect.objectContaining({ type: 'string' }) }),
        ]);
      }
      expect([`${method} ${path}`, ...['400', '408', '431'].filter((s) => !(s in responses))]).toEqual([
        `${method} ${path}`,
      ]);
      if (op.requestBody) expect(responses).toHaveProperty('415');
    }
  });

  it('collections: `total` is required, and sent', async () => {
    const res = await exchange('/api/v1/users', 'get', '/api/v1/users?limit=1');
    expect(res.json()).toHaveProperty('total');
    const envelope = (document.paths['/api/v1/users'].get!.responses['200'] as unknown as Json).content as Json;
    expect(((envelope['application/json'] as Json).schema as Json).required).toContain('total');
  });

  it('`fields` answers are valid against the document (a projection variant), full answers too', async () => {
    const created = await exchange('/api/v1/users', 'post', '/api/v1/users', {
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Doc', email: 'doc@example.com' }),
    });
    expect(created.statusCode).toBe(201);
    // A 201 carries the ETag of the resource as created: documented.
    expect(created.headers.etag).toBeDefined();
    expect(document.paths['/api/v1/users'].post!.responses['201']).toMatchObject({
      headers: { ETag: expect.anything() },
    });
    const id = (created.json() as { data: { userId: string } }).data.userId;
    await exchange('/api/v1/users', 'get', '/api/v1/users?fields=email');
    await exchange('/api/v1/users/{userId}', 'get', `/api/v1/users/${id}?fields=name`);
    await exchange('/api/v1/users/{userId}', 'get', `/api/v1/users/${id}`);
  });

  it('431 (real socket: Node’s parser refuses the header block) and the webhook receiver’s 415 are documented', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.end(`GET /api/v1/users HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'x'.repeat(20000)}\r\n\r\n`);
    });
    const [head, body] = raw.split('\r\n\r\n');
    const status = Number(head.split(' ')[1]);
    const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
    expect(status).toBe(431);
    const answer = new Response(body, { status, headers: { 'content-type': type } });
    await contract.check('/api/v1/users', 'get', answer);
    const receiver = await exchange('/api/v1/webhooks/{source}', 'post', '/api/v1/webhooks/nobody', {
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect([404, 415]).toContain(receiver.statusCode);
  });
});
