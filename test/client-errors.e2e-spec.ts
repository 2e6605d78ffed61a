import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { PROBLEM_BASE } from '../src/common/http/problem.js';
import { openSocket, parseAnswer, rawRequest } from './helpers/raw-http.js';
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

  it('an HTTP/1.1 request without Host, or with two: 400 problem with X-Request-Id (RFC 9112 §3.2)', async () => {
    for (const request of [
      'GET /api/v1/users HTTP/1.1\r\nConnection: close\r\n\r\n',
      'GET /api/v1/users HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n',
    ]) {
      const res = await rawRequest(port, request);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-request-id']).toMatch(/^req_/);
      expect(res.json).toMatchObject({ type: `${PROBLEM_BASE}bad-request`, status: 400 });
      expect(res.json?.detail).toMatch(/Host/);
      expect(res.json?.requestId).toBe(res.headers['x-request-id']);
    }
    // HTTP/1.0 has no Host requirement.
    const old = await rawRequest(port, 'GET /health/live HTTP/1.0\r\n\r\n');
    expect(old.status).toBe(200);
  });

  it('CONNECT: 405 problem with Allow and X-Request-Id, not a silently closed connection', async () => {
    const res = await rawRequest(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers.allow).toContain('GET');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.json).toMatchObject({ type: `${PROBLEM_BASE}method-not-allowed`, status: 405 });
    expect(res.json?.requestId).toBe(res.headers['x-request-id']);
  });
});

/**
 * A client that sends its request slowly is cut off: 408 with a problem body. Short timeouts are
 * configured here; the tests wait for the server to close the socket, never for a fixed time.
 */
describe('slow clients (e2e, real sockets)', () => {
  let t: TestApp;
  let port: number;
  const drips: NodeJS.Timeout[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      SERVER_HEADERS_TIMEOUT_MS: '300',
      SERVER_REQUEST_TIMEOUT_MS: '600',
      SERVER_KEEP_ALIVE_TIMEOUT_MS: '300',
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  // Reaped even when a test fails: an open socket would hold app.close() forever.
  afterEach(() => {
    drips.splice(0).forEach(clearInterval);
    sockets.splice(0).forEach((socket) => socket.destroy());
  });

  function open(): { socket: Socket; closed: Promise<string> } {
    const opened = openSocket(port);
    sockets.push(opened.socket);
    return opened;
  }
  afterAll(async () => {
    await t.close();
  });

  /** Writes one byte of `bytes` every 50 ms until the server closes (at most `bytes.length` writes). */
  function drip(socket: Socket, bytes: string): void {
    let i = 0;
    const timer = setInterval(() => {
      if (i >= bytes.length || socket.destroyed || !socket.writable) return clearInterval(timer);
      socket.write(bytes[i++]);
    }, 50);
    drips.push(timer);
  }

  function expect408(answer: string): void {
    const res = parseAnswer(answer);
    expect(res.status).toBe(408);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.json).toMatchObject({ type: `${PROBLEM_BASE}request-timeout`, status: 408 });
  }

  it('a body sent a byte at a time, without a token: 408 once the request timeout passes', async () => {
    const { socket, closed } = open();
    socket.write(
      'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // 1,000 bytes at one per 50 ms would take 50 s; the server stops it at 600 ms.
    drip(socket, ' '.repeat(999));
    expect408(await closed);
  });

  it('headers sent a byte at a time: 408 once the headers timeout passes', async () => {
    const { socket, closed } = open();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    drip(socket, `X-Slow: ${'a'.repeat(1000)}\r\n\r\n`);
    expect408(await closed);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { socket, closed } = open();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await closed;
    expect(parseAnswer(answer).status).toBe(200);
  });
});
