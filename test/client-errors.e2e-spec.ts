import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { PROBLEM_BASE } from '../src/common/http/problem.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** Sends raw bytes and resolves with everything the server wrote before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.end(request);
  });
}

function parse(answer: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

/** What Node's HTTP parser refuses before a request exists still gets a problem body and a request id. */
describe('requests the HTTP parser refuses (e2e)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('headers larger than the server reads: 431 problem with X-Request-Id', async () => {
    const res = parse(await raw(port, `GET /api/v1/users HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_BASE}request-header-fields-too-large`,
      status: 431,
      requestId: res.headers['x-request-id'],
    });
  });

  it('a method HTTP does not know, or a malformed request line: 400 problem with X-Request-Id', async () => {
    for (const request of ['FOO /api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n', 'GET\r\n\r\n']) {
      const res = parse(await raw(port, request));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body).toMatchObject({ type: `${PROBLEM_BASE}bad-request`, status: 400, title: 'Bad request' });
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    }
  });
});
