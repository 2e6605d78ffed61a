import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/** Splits one HTTP/1.1 answer (Content-Length framed, or none) into status, headers and body. */
export function parseAnswer(answer: string): RawAnswer {
  const end = answer.indexOf('\r\n\r\n');
  const head = end < 0 ? answer : answer.slice(0, end);
  const text = end < 0 ? '' : answer.slice(end + 4);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text, json };
}

/**
 * Writes `request` as raw bytes on a real socket and resolves with everything the server wrote
 * before it closed the connection (send `Connection: close`). A socket idle for `idleMs` fails.
 */
export function rawExchange(port: number, request: string | Buffer, idleMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`no answer within ${idleMs} ms`)));
    // Not `end()`: a half-closed socket makes Node abort a request still being answered.
    socket.write(request);
  });
}

export async function rawRequest(port: number, request: string | Buffer, idleMs?: number): Promise<RawAnswer> {
  return parseAnswer(await rawExchange(port, request, idleMs));
}

/** An open socket whose answer (everything until close) is `closed`; the caller writes at its own pace. */
export function openSocket(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let answer = '';
  socket.on('data', (chunk: string) => (answer += chunk));
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(answer));
    // A reset after the answer was written still counts as the end of the exchange.
    socket.on('error', () => undefined);
  });
  return { socket, closed };
}

/** A request in absolute-form (RFC 9112 §3.2.2): `METHOD http://host/path HTTP/1.1`. */
export function absoluteForm(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): string {
  const lines = [`${method} http://gateway.test${path} HTTP/1.1`, 'Host: gateway.test', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
