import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { clientErrorHandler, hostHeaderProblem, refuseConnect } from './client-error.js';

/** A socket that records what is written and whether it was destroyed. */
function fakeSocket(state: { writable?: boolean; destroyed?: boolean } = {}) {
  const socket = {
    writable: state.writable ?? true,
    destroyed: state.destroyed ?? false,
    written: '',
    destroyedWith: undefined as unknown,
    end(text: string) {
      this.written += text;
    },
    destroy(error?: unknown) {
      this.destroyedWith = error ?? 'destroyed';
    },
  };
  return socket;
}

/** The status line, headers and JSON body of a raw answer. */
function parse(raw: string) {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]),
  );
  return { statusLine, headers, body: JSON.parse(body) as Record<string, unknown>, bodyBytes: Buffer.byteLength(body) };
}

describe('clientErrorHandler', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'request-header-fields-too-large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request-timeout'],
    ['HPE_INVALID_METHOD', 400, 'bad-request'],
    [undefined, 400, 'bad-request'],
  ])('%s: a %i problem on the socket, then closes it', (code, status, type) => {
    const socket = fakeSocket();
    const error = Object.assign(new Error('parse error'), { code });
    clientErrorHandler(error, socket as unknown as Socket);
    const res = parse(socket.written);
    expect(res.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['content-length']).toBe(String(res.bodyBytes));
    expect(res.headers.connection).toBe('close');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.body).toMatchObject({ type: expect.stringMatching(new RegExp(`/${type}$`)) as unknown, status });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(socket.destroyedWith).toBe(error);
  });

  it('writes nothing on a reset or destroyed connection', () => {
    const reset = fakeSocket();
    clientErrorHandler(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset as unknown as Socket);
    const gone = fakeSocket({ destroyed: true });
    clientErrorHandler(new Error('late'), gone as unknown as Socket);
    expect([reset.written, gone.written]).toEqual(['', '']);
    expect([reset.destroyedWith, gone.destroyedWith]).toEqual([undefined, undefined]);
  });

  it('does not write to a socket that is no longer writable, but still closes it', () => {
    const socket = fakeSocket({ writable: false });
    clientErrorHandler(new Error('x'), socket as unknown as Socket);
    expect(socket.written).toBe('');
    expect(socket.destroyedWith).toBeInstanceOf(Error);
  });
});

describe('refuseConnect', () => {
  it('answers CONNECT 405 with Allow', () => {
    const socket = fakeSocket();
    refuseConnect({ url: 'example.com:443' } as IncomingMessage, socket as unknown as Socket);
    const res = parse(socket.written);
    expect(res.statusLine).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(res.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(res.body.detail).toBe('CONNECT example.com:443 is not served here');
  });
});

describe('hostHeaderProblem', () => {
  const request = (rawHeaders: string[], minor = 1) =>
    ({ rawHeaders, httpVersionMajor: 1, httpVersionMinor: minor }) as unknown as IncomingMessage;

  it('accepts exactly one Host (any case) on HTTP/1.1, and none on HTTP/1.0', () => {
    expect(hostHeaderProblem(request(['HoSt', 'a', 'Accept', '*/*']))).toBeUndefined();
    expect(hostHeaderProblem(request([], 0))).toBeUndefined();
  });

  it('refuses a missing Host on HTTP/1.1 and a repeated one on any version', () => {
    expect(hostHeaderProblem(request(['Accept', '*/*']))).toBe('An HTTP/1.1 request needs a Host header');
    expect(hostHeaderProblem(request(['Host', 'a', 'host', 'b'], 0))).toBe('The request has more than one Host header');
  });

  it('reads names only, not values that say Host', () => {
    expect(hostHeaderProblem(request(['X-Note', 'Host', 'Host', 'a']))).toBeUndefined();
  });
});
