import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { translate } from './i18n.js';
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE } from './problem.js';

interface Refusal {
  status: number;
  type: string;
  detail: string;
}

const REFUSALS: Record<string, Refusal> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    type: 'request-header-fields-too-large',
    detail: 'The request line or headers exceed the size this server reads',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, type: 'request-timeout', detail: 'The request was not received in time' },
};
const MALFORMED: Refusal = { status: 400, type: 'bad-request', detail: 'The request is not valid HTTP/1.1' };

/** The methods this server answers on some route (the `Allow` of a refused CONNECT). */
const SERVED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * Writes a problem straight on the socket and closes it: for what never became a Fastify request.
 * No request means no `Accept-Language`: English.
 */
function writeRawProblem(socket: Socket, refusal: Refusal, headers = ''): void {
  const requestId = `req_${randomUUID()}`;
  const body = JSON.stringify({
    type: PROBLEM_BASE + refusal.type,
    title: translate('en', `problems.${refusal.type}.title`, {}, STATUS_CODES[refusal.status]),
    status: refusal.status,
    detail: refusal.detail,
    requestId,
    timestamp: new Date().toISOString(),
  });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\n${headers}Connection: close\r\n\r\n${body}`,
    );
  }
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any request exists (headers
 * too large, an unknown method, a malformed request line, a request not received in time) still gets
 * a problem body and an `X-Request-Id`, instead of Fastify's plain JSON.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  writeRawProblem(socket, (error.code && REFUSALS[error.code]) || MALFORMED);
  socket.destroy(error);
}

/**
 * The server's `connect` listener: Node hands a CONNECT request (a proxy tunnel) to it instead of the
 * router, and without one closes the connection unanswered. This server tunnels nothing: 405.
 */
export function refuseConnect(request: IncomingMessage, socket: Socket): void {
  writeRawProblem(
    socket,
    { status: 405, type: 'method-not-allowed', detail: `CONNECT ${request.url ?? ''} is not served here` },
    `Allow: ${SERVED_METHODS}\r\n`,
  );
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request without `Host`, or with more than one, is a 400. Node's own check
 * answers a bare 400 without body or request id, so it is turned off (`requireHostHeader: false`)
 * and this one runs in the first request hook instead.
 */
export function hostHeaderProblem(request: IncomingMessage): string | undefined {
  let hosts = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts++;
  if (hosts > 1) return 'The request has more than one Host header';
  if (hosts === 0 && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1)
    return 'An HTTP/1.1 request needs a Host header';
  return undefined;
}
