import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxCredentials } from '../../src/modules/sandbox/sandbox.options.js';

export const CREDENTIALS: SandboxCredentials = {
  payment: { clientId: 'sandbox-client', clientSecret: 'payment-secret' },
  emailApiKey: 'email-key',
  sms: { username: 'sandbox', password: 'sms-password' },
  mapsApiKey: 'maps-key',
};

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  body: unknown;
}

export interface CallInit {
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  raw?: string;
}

/** One HTTP call with a fresh connection (no keep-alive pool left behind). */
export async function call(base: string, method: string, path: string, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { connection: 'close', ...init.headers };
  let body: string | undefined = init.raw;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export async function accessToken(base: string, creds = CREDENTIALS, scope?: string): Promise<string> {
  const res = await call(base, 'POST', '/oauth/token', {
    headers: { authorization: basic(creds.payment.clientId, creds.payment.clientSecret) },
    form: { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return (res.body as { access_token: string }).access_token;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A tiny HTTP receiver on 127.0.0.1:0; `answer` picks each request's status code. */
export async function startReceiver(
  answer: (req: ReceivedRequest, index: number) => number,
): Promise<{ server: Server; url: string; port: number; received: ReceivedRequest[]; close: () => Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: 0,
      };
      entry.answered = answer(entry, received.length);
      received.push(entry);
      res.writeHead(entry.answered, { 'content-type': 'application/json', connection: 'close' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
