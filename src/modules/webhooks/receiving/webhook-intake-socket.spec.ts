import { connect, type Socket } from 'node:net';
import { WEBHOOK_PREFIX } from './webhook-intake.js';
import { buildIntake, MAX_BYTES, sha256, type Harness } from '../../../../test/support/webhook-intake-harness.js';
import { waitFor } from '../../../../test/support/wait.js';

/** A bare HTTP/1.1 client on a socket, so a test can send headers and hold back the body. */
class RawClient {
  private data = Buffer.alloc(0);
  private closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined); // the server may reset the connection it refused
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  destroy(): void {
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Any byte of an answer received so far. */
  get answered(): boolean {
    return this.data.length > 0;
  }

  async response(timeoutMs: number): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    await this.until(() => this.parse() !== undefined, timeoutMs, 'a response');
    const parsed = this.parse();
    if (!parsed) throw new Error('unreachable');
    return parsed;
  }

  closedWithin(timeoutMs: number): Promise<void> {
    return this.until(() => this.closed, timeoutMs, 'the server to close the connection');
  }

  private parse() {
    const end = this.data.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.data.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (this.data.length < end + 4 + length) return undefined;
    const body = this.data.subarray(end + 4, end + 4 + length).toString('utf8');
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

describe('registerWebhookIntake on a real socket (127.0.0.1)', () => {
  let h: Harness;
  let port: number;
  const clients: RawClient[] = [];
  const client = async () => {
    const c = await RawClient.open(port);
    clients.push(c);
    return c;
  };
  const head = (source: string, extra: string) =>
    `POST ${WEBHOOK_PREFIX}/${source} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}\r\n`;

  beforeEach(async () => {
    h = await buildIntake();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await h.app.close();
  });

  it('answers 403 while the client still holds back the body it announced, and hangs up', async () => {
    const c = await client();
    c.write(head('remote', 'Content-Length: 100000\r\n'));
    c.write('{"id":');
    const res = await c.response(2000);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 403,
      detail: 'Address 127.0.0.1 may not deliver webhooks to remote',
    });
    await c.closedWithin(2000);
    expect(h.parsing).toHaveLength(0);
    expect(h.deliveries).toHaveLength(0);
  });

  it('answers 404 for an unknown source while the body is held back', async () => {
    const c = await client();
    c.write(head('unknown', 'Content-Length: 50\r\n'));
    expect((await c.response(2000)).status).toBe(404);
    await c.closedWithin(2000);
    expect(h.parsing).toHaveLength(0);
  });

  it('waits for the body of an allowed client, then hands over every byte', async () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const c = await client();
    c.write(head('local', `Content-Length: ${body.length}\r\n`));
    // The server has taken the head and reads the body: no answer yet (the answer below carries the body's
    // hash, so it cannot have been sent before the body).
    await waitFor(() => h.parsing.length > 0, { what: 'the server to start reading the body' });
    expect(h.parsing).toEqual([`${WEBHOOK_PREFIX}/local`]);
    expect(c.answered).toBe(false);
    c.write(body);
    const res = await c.response(2000);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ source: 'local', bytes: body.length, sha256: sha256(body) });
    expect(h.deliveries[0].body.equals(body)).toBe(true);
  });

  it('answers 413 as soon as a chunked body passes the limit, before the client has finished', async () => {
    const c = await client();
    c.write(head('local', 'Transfer-Encoding: chunked\r\n'));
    const chunk = Buffer.alloc(256, 0x61);
    for (let sent = 0; sent <= MAX_BYTES; sent += chunk.length) {
      c.write(`${chunk.length.toString(16)}\r\n`);
      c.write(chunk);
      c.write('\r\n');
    }
    // The terminating 0-length chunk is never sent.
    const res = await c.response(2000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, detail: `The body exceeds ${MAX_BYTES} bytes` });
    await c.closedWithin(2000);
    expect(h.deliveries).toHaveLength(0);
  });

  it('answers 413 to a Content-Length over the limit without waiting for the body', async () => {
    const c = await client();
    c.write(head('local', `Content-Length: ${MAX_BYTES + 1}\r\n`));
    expect((await c.response(2000)).status).toBe(413);
    await c.closedWithin(2000);
    expect(h.deliveries).toHaveLength(0);
  });
});
