import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { handleError, sendProblem } from '../../../common/http/problem.filter.js';
import type { WebhookSourceConfig } from '../../../config/app.config.js';
import { IpAllowlist } from './ip-allowlist.js';

export const WEBHOOK_PREFIX = '/api/v1/webhooks';

/** What the receiver gets: the configured source and the body exactly as sent (empty when none). */
export interface WebhookDelivery {
  source: WebhookSourceConfig;
  body: Buffer;
}

export type WebhookRequest = FastifyRequest<{ Params: { source: string } }>;

/** Answers the delivery (through `reply`, or by returning the body to send, as a Fastify handler does). */
export type WebhookDeliveryHandler = (
  delivery: WebhookDelivery,
  request: WebhookRequest,
  reply: FastifyReply,
) => unknown;

export interface WebhookIntakeOptions {
  /** Configured sources by path segment (`webhooks.sources`). */
  sources: Readonly<Record<string, WebhookSourceConfig>>;
  /** Largest body accepted, in bytes (`webhooks.maxBytes`); more is a 413 while reading. */
  maxBytes: number;
  handle: WebhookDeliveryHandler;
  /** Defaults to `/api/v1/webhooks`; the route is `POST {prefix}/:source`. */
  prefix?: string;
  logger?: Pick<Logger, 'error'>;
  /**
   * Called for each delivery refused before the handler runs (for metrics): `source` is the configured
   * source, or undefined for a path segment that names none (never use that segment as a label).
   */
  onReject?: (reason: IntakeRejectReason, source: WebhookSourceConfig | undefined) => void;
}

export type IntakeRejectReason = 'unknown-source' | 'ip' | 'size';

interface Gate {
  source: WebhookSourceConfig;
  allowlist: IpAllowlist;
}

const EMPTY = Buffer.alloc(0);

function buildGates(sources: Readonly<Record<string, WebhookSourceConfig>>): Map<string, Gate> {
  const gates = new Map<string, Gate>();
  for (const [name, source] of Object.entries(sources)) {
    gates.set(name, { source, allowlist: new IpAllowlist(source.allowedIps, `webhook source "${name}" allowed IPs`) });
  }
  return gates;
}

function sourceName(request: FastifyRequest): string | undefined {
  const params = request.params as { source?: unknown } | undefined;
  return typeof params?.source === 'string' ? params.source : undefined;
}

/** Refusing before the body is read: close the connection rather than let Node drain an unwanted body. */
function closeIfBodyPending(request: FastifyRequest, reply: FastifyReply): void {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    reply.header('connection', 'close');
  }
}

/**
 * `onRequest` hook for routes with a `:source` parameter: 404 for a source that is not configured, 403 for a
 * client address (`request.ip`, so `X-Forwarded-For` counts only through Fastify's `trustProxy`) outside the
 * source's allowlist. It runs before any body byte is read. Throws at creation on an invalid CIDR.
 */
export function createWebhookGate(sources: Readonly<Record<string, WebhookSourceConfig>>): onRequestHookHandler {
  return gateHook(buildGates(sources));
}

function gateHook(gates: ReadonlyMap<string, Gate>, onReject?: WebhookIntakeOptions['onReject']): onRequestHookHandler {
  return function webhookGate(request, reply, done) {
    const name = sourceName(request);
    const gate = name === undefined ? undefined : gates.get(name);
    if (!gate) {
      onReject?.('unknown-source', undefined);
      closeIfBodyPending(request, reply);
      sendProblem(reply, request, { type: 'not-found', status: 404, params: { path: request.url.split('?')[0] } });
      return;
    }
    if (!gate.allowlist.allows(request.ip)) {
      onReject?.('ip', gate.source);
      closeIfBodyPending(request, reply);
      sendProblem(reply, request, {
        type: 'forbidden',
        status: 403,
        detail: `Address ${request.ip} may not deliver webhooks to ${gate.source.name}`,
      });
      return;
    }
    done();
  };
}

/**
 * Registers `POST {prefix}/:source` in its own Fastify context, so that nothing here changes how other routes
 * parse bodies: there, every content type (or none) is read as a Buffer, untouched, up to `maxBytes` (Fastify's
 * bodyLimit: a larger Content-Length is refused before reading, a longer stream as soon as it passes the limit,
 * both 413 with the connection closed); the allowlist gate runs first. Errors become problem details.
 * Call it before the instance is ready; hooks the parent has by then (request id, logging) apply here too.
 */
export function registerWebhookIntake(fastify: FastifyInstance, options: WebhookIntakeOptions): void {
  const { maxBytes, handle } = options;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new Error('webhook maxBytes must be a positive integer');
  const gates = buildGates(options.sources);
  const logger = options.logger ?? new Logger('Webhooks');

  void fastify.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => {
        done(null, body);
      });
      scope.addHook('onRequest', gateHook(gates, options.onReject));
      scope.setErrorHandler((error: unknown, request, reply) => {
        if ((error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          const name = sourceName(request);
          options.onReject?.('size', name === undefined ? undefined : gates.get(name)?.source);
          reply.header('connection', 'close');
          sendProblem(reply, request, { type: 'payload-too-large', status: 413, params: { limit: maxBytes } });
          return;
        }
        handleError(error, request, reply, logger);
      });
      scope.post<{ Params: { source: string } }>('/:source', { bodyLimit: maxBytes }, async (request, reply) => {
        const source = gates.get(request.params.source)?.source;
        if (!source) throw new Error(`webhook source ${request.params.source} passed the gate unconfigured`);
        const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
        const result: unknown = await handle({ source, body }, request, reply);
        return reply.sent ? reply : result;
      });
    },
    { prefix: options.prefix ?? WEBHOOK_PREFIX },
  );
}
