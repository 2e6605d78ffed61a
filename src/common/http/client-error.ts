import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { translate } from './i18n.js';
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE } from './problem.js';

const REFUSALS: Record<string, { status: number; type: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    type: 'request-header-fields-too-large',
    detail: 'The request line or headers exceed the size this server reads',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, type: 'request-timeout', detail: 'The request was not received in time' },
};
const MALFORMED = { status: 400, type: 'bad-request', detail: 'The request is not valid HTTP/1.1' };

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any request exists (headers
 * too large, an unknown method, a malformed request line) still gets a problem body and an
 * `X-Request-Id`, instead of Fastify's plain JSON. No request means no `Accept-Language`: English.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = (error.code && REFUSALS[error.code]) || MALFORMED;
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
    socket.write(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
