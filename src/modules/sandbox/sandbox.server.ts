import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import { fastify, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { FaultRegistry, FaultSpecError, parseFaultSpec, type FaultAction, type FaultState } from './faults.js';
import { geocode } from './gazetteer.js';
import {
  resolveSandboxOptions,
  SANDBOX_SERVICES,
  type ResolvedSandboxOptions,
  type SandboxOptions,
  type SandboxServiceName,
} from './sandbox.options.js';
import { WebhookDispatcher, type DeliveryRecord, type WebhookStats } from './webhook-dispatcher.js';

export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

export interface SandboxPayment {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference: string;
}

export interface InstanceStats {
  /** API calls (everything but `/health`), faulted ones included. */
  requests: number;
  healthChecks: number;
  /** Calls that got an injected fault (`down` included). */
  faulted: number;
  /** API answers by status code (dropped calls have none). */
  byStatus: Record<string, number>;
}

export interface SandboxStats {
  services: Record<SandboxServiceName, Record<string, InstanceStats>>;
  token: { requests: number; issued: number; rejected: number; faulted: number };
  payments: { created: number; replayed: number; succeeded: number; failed: number; pending: number };
  /** Messages queued for sending, and repeats of an `Idempotency-Key` answered with the first message. */
  messages: { email: { accepted: number; replayed: number }; sms: { accepted: number; replayed: number } };
  webhooks: WebhookStats;
}

export interface OutboxMessage {
  service: 'email' | 'sms';
  instance: string;
  id: string;
  to: string;
  subject?: string;
  text?: string;
  body?: string;
  /** The caller's `X-Request-Id`, as real providers show it to correlate support cases. */
  requestId: string | null;
  receivedAt: string;
}

export interface SandboxServer {
  /** The Fastify instance (for `inject` in tests). */
  readonly app: FastifyInstance;
  /** Base URL once listening, e.g. `http://127.0.0.1:4010`; `null` before. */
  readonly url: string | null;
  readonly options: ResolvedSandboxOptions;
  readonly faults: FaultRegistry;
  /** Starts listening (default 127.0.0.1, port 0 = any free port); resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and clears every timer (settlements, webhook retries, injected delays). */
  close(): Promise<void>;
  stats(): SandboxStats;
  payment(id: string): SandboxPayment | undefined;
  /** Clears faults and counters (payments and tokens stay). */
  reset(): void;
}

interface IssuedToken {
  clientId: string;
  scope: string;
  expiresAt: number;
}

interface IdempotencyEntry {
  fingerprint: string;
  paymentId: string;
}

type ErrorBody = { error: string; message: string };

const OUTBOX_MAX = 200;
const BODY_LIMIT = 256 * 1024;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_AMOUNT = 99_999_999_999;

/**
 * Settlement rule of the fake payment service: a payment fails when its amount ends in 13
 * (`amount % 100 === 13`, e.g. 1213) or its reference contains "fail" (any case); otherwise
 * it succeeds.
 */
export function settlementOf(payment: Pick<SandboxPayment, 'amount' | 'reference'>): 'succeeded' | 'failed' {
  return payment.amount % 100 === 13 || /fail/i.test(payment.reference) ? 'failed' : 'succeeded';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Constant-time string equality (hashing first evens out lengths). */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `undefined`: no Basic credentials sent; `null`: malformed. */
function parseBasic(value: string | undefined): { user: string; pass: string } | null | undefined {
  if (value === undefined || !/^basic\s/i.test(value)) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const idx = decoded.indexOf(':');
  if (idx < 0) return null;
  return { user: decoded.slice(0, idx), pass: decoded.slice(idx + 1) };
}

/** RFC 6749 §2.3.1 form-encodes id and secret before Basic; accept both encoded and raw. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

function checkUnknown(body: Record<string, unknown>, allowed: string[], errors: string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) errors.push(`unknown properties: ${unknown.join(', ')}`);
}

function validString(
  body: Record<string, unknown>,
  name: string,
  max: number,
  errors: string[],
  pattern?: RegExp,
): string {
  const v = body[name];
  if (typeof v !== 'string' || v.trim() === '') {
    errors.push(`${name} is required (a non-empty string)`);
    return '';
  }
  if (v.length > max) errors.push(`${name} must be at most ${max} characters`);
  else if (pattern && !pattern.test(v)) errors.push(`${name} is not valid`);
  return v;
}

function paymentInput(body: unknown): { value?: Omit<SandboxPayment, 'id' | 'status'>; errors: string[] } {
  const errors: string[] = [];
  if (!isRecord(body)) return { errors: ['body must be a JSON object'] };
  checkUnknown(body, ['amount', 'currency', 'reference'], errors);
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    errors.push(`amount must be an integer between 1 and ${MAX_AMOUNT} (minor units)`);
  }
  const currency = validString(body, 'currency', 3, errors, CURRENCY);
  const reference = validString(body, 'reference', 255, errors);
  if (errors.length > 0) return { errors };
  return { value: { amount: amount as number, currency, reference }, errors };
}

/**
 * Builds the sandbox: a standalone Fastify server faking the contract's §5 external services.
 * Nothing listens until `listen()`; `app.inject()` works without it.
 */
export function createSandboxServer(input: SandboxOptions): SandboxServer {
  const options = resolveSandboxOptions(input);
  const { credentials, instances, now, maxEntries } = options;
  const faults = new FaultRegistry();
  const dispatcher = options.webhook ? new WebhookDispatcher(options.webhook) : null;
  const tokens = new Map<string, IssuedToken>();
  const payments = new Map<string, SandboxPayment>();
  const idempotency = new Map<string, IdempotencyEntry>();
  const outbox: OutboxMessage[] = [];
  // Message ids by `service:Idempotency-Key`, shared by the instances like a real provider's store.
  const messageKeys = new Map<string, string>();
  const settleTimers = new Set<NodeJS.Timeout>();
  const sleepers = new Set<() => void>();
  const afterFaults = new WeakMap<IncomingMessage, FaultAction>();
  let baseUrl: string | null = null;

  const freshStats = (): SandboxStats => ({
    services: Object.fromEntries(
      SANDBOX_SERVICES.map((svc) => [
        svc,
        Object.fromEntries(instances.map((i) => [i, { requests: 0, healthChecks: 0, faulted: 0, byStatus: {} }])),
      ]),
    ) as SandboxStats['services'],
    token: { requests: 0, issued: 0, rejected: 0, faulted: 0 },
    payments: { created: 0, replayed: 0, succeeded: 0, failed: 0, pending: 0 },
    messages: { email: { accepted: 0, replayed: 0 }, sms: { accepted: 0, replayed: 0 } },
    webhooks: dispatcher?.stats ?? { attempted: 0, delivered: 0, failed: 0, pending: 0 },
  });
  let counters = freshStats();

  /** A delay that `close()` cuts short (the waiting call then fails with 503). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      const cancel = () => {
        clearTimeout(timer);
        sleepers.delete(cancel);
        reject(Object.assign(new Error('sandbox is closing'), { statusCode: 503 }));
      };
      const timer = setTimeout(() => {
        sleepers.delete(cancel);
        resolve();
      }, ms);
      sleepers.add(cancel);
    });

  const dropConnection = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    request.raw.socket?.destroy();
    request.raw.destroy();
  };

  const sendFault = (reply: FastifyReply, action: FaultAction) => {
    const status = action.status ?? 503;
    if (action.retryAfter !== undefined) void reply.header('retry-after', action.retryAfter);
    return reply.code(status).send({ error: 'injected_fault', message: `injected fault: HTTP ${status}` });
  };

  /** onRequest guard of a fault target: `down`, then `when: before` faults. */
  const guard =
    (target: string, count: () => { requests: number; faulted: number }) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const c = count();
      c.requests += 1;
      if (faults.isDown(target)) {
        c.faulted += 1;
        return reply.code(503).send({ error: 'instance_down', message: `${target} is down (injected)` });
      }
      const action = faults.take(target);
      if (!action) return;
      c.faulted += 1;
      if (action.when === 'after') {
        afterFaults.set(request.raw, action);
        return;
      }
      if (action.delayMs) await sleep(action.delayMs);
      if (action.drop) {
        dropConnection(request, reply);
        return reply;
      }
      if (action.status !== undefined) return sendFault(reply, action);
    };

  /** onSend: `when: after` faults replace the answer the handler produced. */
  const afterGuard = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const action = afterFaults.get(request.raw);
    if (!action) return payload;
    afterFaults.delete(request.raw);
    if (action.delayMs) await sleep(action.delayMs);
    if (action.drop) {
      request.raw.socket?.destroy();
      return payload;
    }
    if (action.status === undefined) return payload;
    if (action.retryAfter !== undefined) void reply.header('retry-after', action.retryAfter);
    void reply.code(action.status).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ error: 'injected_fault', message: `injected fault: HTTP ${action.status}` });
  };

  const bearerClient = (request: FastifyRequest, reply: FastifyReply): IssuedToken | null => {
    const m = /^bearer\s+(\S+)\s*$/i.exec(header(request, 'authorization') ?? '');
    const deny = (error: string | null, message: string) => {
      const challenge = error ? `Bearer realm="sandbox", error="${error}"` : 'Bearer realm="sandbox"';
      void reply
        .code(401)
        .header('www-authenticate', challenge)
        .send({ error: 'unauthorized', message } satisfies ErrorBody);
      return null;
    };
    if (!m) return deny(null, 'a bearer token is required');
    const token = tokens.get(m[1]);
    if (!token) return deny('invalid_token', 'unknown access token');
    if (token.expiresAt <= now()) {
      tokens.delete(m[1]);
      return deny('invalid_token', 'access token expired');
    }
    return token;
  };

  const apiKeyOk = (request: FastifyRequest, reply: FastifyReply, expected: string): boolean => {
    const key = header(request, 'x-api-key');
    if (key !== undefined && safeEqual(key, expected)) return true;
    void reply.code(401).send({
      error: 'unauthorized',
      message: key === undefined ? 'X-API-Key is required' : 'invalid API key',
    } satisfies ErrorBody);
    return false;
  };

  const badRequest = (reply: FastifyReply, errors: string[]) =>
    reply.code(400).send({ error: 'invalid_request', message: errors.join('; '), errors });

  const settle = (payment: SandboxPayment) => {
    const timer = setTimeout(() => {
      settleTimers.delete(timer);
      if (payment.status !== 'pending') return;
      payment.status = settlementOf(payment);
      counters.payments.pending -= 1;
      counters.payments[payment.status] += 1;
      dispatcher?.dispatch({
        id: `evt_${ulid()}`,
        type: `payment.${payment.status}`,
        created: Math.floor(Date.now() / 1000),
        data: { ...payment },
      });
    }, options.settleDelayMs);
    settleTimers.add(timer);
  };

  /** A repeated `Idempotency-Key` gets the first message back (202) and sends nothing again. */
  const replayedMessage = (service: 'email' | 'sms', request: FastifyRequest, reply: FastifyReply): boolean => {
    const key = header(request, 'idempotency-key');
    const id = key ? messageKeys.get(`${service}:${key}`) : undefined;
    if (!id) return false;
    counters.messages[service].replayed += 1;
    void reply.code(202).header('idempotent-replayed', 'true').send({ id, status: 'queued' });
    return true;
  };

  const acceptMessage = (service: 'email' | 'sms', request: FastifyRequest, id: string) => {
    counters.messages[service].accepted += 1;
    const key = header(request, 'idempotency-key');
    if (!key) return;
    if (messageKeys.size >= maxEntries) messageKeys.delete(messageKeys.keys().next().value!);
    messageKeys.set(`${service}:${key}`, id);
  };

  const recordOutbox = (message: OutboxMessage) => {
    outbox.push(message);
    if (outbox.length > OUTBOX_MAX) outbox.splice(0, outbox.length - OUTBOX_MAX);
  };

  const app = fastify({
    logger: options.logger,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const error =
      status === 400
        ? 'invalid_request'
        : status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status >= 500
              ? 'server_error'
              : 'error';
    return reply.code(status).send({ error, message: status === 500 ? 'internal sandbox error' : err.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
  app.addHook('preClose', async () => {
    for (const cancel of [...sleepers]) cancel();
  });

  // ---- OAuth 2.0 token endpoint (RFC 6749 §4.4), at the root --------------------------------
  void app.register(async (scope) => {
    await scope.register(formbody);
    const oauthError = (reply: FastifyReply, status: number, error: string, description: string) => {
      counters.token.rejected += 1;
      void reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
      if (status === 401) void reply.header('www-authenticate', 'Basic realm="sandbox", charset="UTF-8"');
      return reply.send({ error, error_description: description });
    };
    scope.setErrorHandler((err: FastifyError, _request, reply) => {
      const status =
        err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      return oauthError(reply, status, status === 500 ? 'server_error' : 'invalid_request', err.message);
    });
    scope.addHook(
      'onRequest',
      guard('token', () => counters.token),
    );
    scope.addHook('onSend', afterGuard);
    scope.post('/oauth/token', async (request, reply) => {
      const body = isRecord(request.body) ? request.body : {};
      const params: Record<string, string | undefined> = {};
      for (const name of ['grant_type', 'scope', 'client_id', 'client_secret']) {
        const v = body[name];
        if (v === undefined) continue;
        if (typeof v !== 'string') return oauthError(reply, 400, 'invalid_request', `${name} must be given once`);
        params[name] = v;
      }
      const basic = parseBasic(header(request, 'authorization'));
      if (basic === null) return oauthError(reply, 401, 'invalid_client', 'malformed Basic credentials');
      if (basic && params.client_secret !== undefined) {
        return oauthError(reply, 400, 'invalid_request', 'use one client authentication method, not two');
      }
      let id: string | undefined;
      let secret: string | undefined;
      if (basic) {
        const candidates = [basic, { user: formDecode(basic.user), pass: formDecode(basic.pass) }];
        const match = candidates.find(
          (c) => safeEqual(c.user, credentials.payment.clientId) && safeEqual(c.pass, credentials.payment.clientSecret),
        );
        id = (match ?? candidates[1]).user;
        secret = (match ?? candidates[1]).pass;
        if (params.client_id !== undefined && params.client_id !== id) {
          return oauthError(reply, 400, 'invalid_request', 'client_id differs from the Basic credentials');
        }
      } else {
        id = params.client_id;
        secret = params.client_secret;
      }
      if (id === undefined || secret === undefined) {
        return oauthError(reply, 401, 'invalid_client', 'client authentication is required');
      }
      if (!safeEqual(id, credentials.payment.clientId) || !safeEqual(secret, credentials.payment.clientSecret)) {
        return oauthError(reply, 401, 'invalid_client', 'unknown client or wrong secret');
      }
      if (params.grant_type === undefined) return oauthError(reply, 400, 'invalid_request', 'grant_type is required');
      if (params.grant_type !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
      }
      const requested = (params.scope ?? '').split(' ').filter(Boolean);
      const unknownScopes = requested.filter((s) => !options.scopes.includes(s));
      if (unknownScopes.length > 0) {
        return oauthError(reply, 400, 'invalid_scope', `scope not allowed: ${unknownScopes.join(' ')}`);
      }
      const scopeValue = (requested.length > 0 ? [...new Set(requested)] : options.scopes).join(' ');
      const accessToken = `sbx_${randomBytes(24).toString('base64url')}`;
      if (tokens.size >= maxEntries) {
        const t = now();
        for (const [k, v] of tokens) if (v.expiresAt <= t) tokens.delete(k);
      }
      setBounded(
        tokens,
        accessToken,
        { clientId: id, scope: scopeValue, expiresAt: now() + options.tokenTtlS * 1000 },
        maxEntries,
      );
      counters.token.issued += 1;
      return reply
        .code(200)
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send({ access_token: accessToken, token_type: 'Bearer', expires_in: options.tokenTtlS, scope: scopeValue });
    });
  });

  // ---- the service instances --------------------------------------------------------------
  for (const service of SANDBOX_SERVICES) {
    for (const instance of instances) {
      const target = `${service}/${instance}`;
      const count = () => counters.services[service][instance];
      void app.register(
        async (inst) => {
          inst.get('/health', async (_request, reply) => {
            count().healthChecks += 1;
            if (faults.isDown(target)) return reply.code(503).send({ status: 'down' });
            return reply.code(200).send({ status: 'ok' });
          });
          await inst.register(async (api) => {
            api.addHook('onRequest', guard(target, count));
            api.addHook('onSend', afterGuard);
            api.addHook('onResponse', async (_request, reply) => {
              const byStatus = count().byStatus;
              byStatus[reply.statusCode] = (byStatus[reply.statusCode] ?? 0) + 1;
            });
            if (service === 'payment') registerPayment(api, `/${target}`);
            if (service === 'email') registerEmail(api, instance);
            if (service === 'sms') registerSms(api, instance);
            if (service === 'maps') registerMaps(api);
          });
        },
        { prefix: `/${target}` },
      );
    }
  }

  function registerPayment(api: FastifyInstance, prefix: string): void {
    api.post('/v1/payments', async (request, reply) => {
      const client = bearerClient(request, reply);
      if (!client) return reply;
      const key = header(request, 'idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        return badRequest(reply, ['Idempotency-Key must be 1-255 visible ASCII characters']);
      }
      const { value, errors } = paymentInput(request.body);
      if (!value) return badRequest(reply, errors);
      const fingerprint = JSON.stringify([value.amount, value.currency, value.reference]);
      const scopedKey = key === undefined ? undefined : `${client.clientId}\n${key}`;
      if (scopedKey !== undefined) {
        const seen = idempotency.get(scopedKey);
        const existing = seen && payments.get(seen.paymentId);
        if (seen && existing) {
          if (seen.fingerprint !== fingerprint) {
            return reply.code(422).send({
              error: 'idempotency_key_reused',
              message: 'this Idempotency-Key was used with a different request body',
            } satisfies ErrorBody);
          }
          counters.payments.replayed += 1;
          return reply
            .code(201)
            .header('location', `${prefix}/v1/payments/${existing.id}`)
            .header('idempotent-replayed', 'true')
            .send(existing);
        }
      }
      const payment: SandboxPayment = { id: `pay_${ulid()}`, status: 'pending', ...value };
      setBounded(payments, payment.id, payment, maxEntries);
      if (scopedKey !== undefined)
        setBounded(idempotency, scopedKey, { fingerprint, paymentId: payment.id }, maxEntries);
      counters.payments.created += 1;
      counters.payments.pending += 1;
      settle(payment);
      return reply.code(201).header('location', `${prefix}/v1/payments/${payment.id}`).send(payment);
    });
    api.get<{ Params: { id: string } }>('/v1/payments/:id', async (request, reply) => {
      if (!bearerClient(request, reply)) return reply;
      const payment = payments.get(request.params.id);
      if (!payment) {
        return reply
          .code(404)
          .send({ error: 'not_found', message: `no payment ${request.params.id}` } satisfies ErrorBody);
      }
      return reply.code(200).send(payment);
    });
  }

  function registerEmail(api: FastifyInstance, instance: string): void {
    api.post('/v1/messages', async (request, reply) => {
      if (!apiKeyOk(request, reply, credentials.emailApiKey)) return reply;
      const errors: string[] = [];
      const body = request.body;
      if (!isRecord(body)) return badRequest(reply, ['body must be a JSON object']);
      checkUnknown(body, ['to', 'subject', 'text'], errors);
      const to = validString(body, 'to', 254, errors, EMAIL);
      const subject = validString(body, 'subject', 998, errors, /^[^\r\n]*$/);
      const text = validString(body, 'text', 100_000, errors);
      if (errors.length > 0) return badRequest(reply, errors);
      if (replayedMessage('email', request, reply)) return reply;
      const id = `msg_${ulid()}`;
      acceptMessage('email', request, id);
      recordOutbox({
        service: 'email',
        instance,
        id,
        to,
        subject,
        text,
        requestId: header(request, 'x-request-id') ?? null,
        receivedAt: new Date().toISOString(),
      });
      return reply.code(202).send({ id, status: 'queued' });
    });
  }

  function registerSms(api: FastifyInstance, instance: string): void {
    api.post('/v1/messages', async (request, reply) => {
      const basic = parseBasic(header(request, 'authorization'));
      if (
        !basic ||
        !safeEqual(basic.user, credentials.sms.username) ||
        !safeEqual(basic.pass, credentials.sms.password)
      ) {
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="sandbox-sms", charset="UTF-8"')
          .send({ error: 'unauthorized', message: 'valid Basic credentials are required' } satisfies ErrorBody);
      }
      const errors: string[] = [];
      const body = request.body;
      if (!isRecord(body)) return badRequest(reply, ['body must be a JSON object']);
      checkUnknown(body, ['to', 'body'], errors);
      const to = validString(body, 'to', 16, errors, E164);
      const text = validString(body, 'body', 1600, errors);
      if (errors.length > 0) return badRequest(reply, errors);
      if (replayedMessage('sms', request, reply)) return reply;
      const id = `sms_${ulid()}`;
      acceptMessage('sms', request, id);
      recordOutbox({
        service: 'sms',
        instance,
        id,
        to,
        body: text,
        requestId: header(request, 'x-request-id') ?? null,
        receivedAt: new Date().toISOString(),
      });
      return reply.code(202).send({ id, status: 'queued' });
    });
  }

  function registerMaps(api: FastifyInstance): void {
    api.get<{ Querystring: Record<string, string | string[] | undefined> }>('/v1/geocode', async (request, reply) => {
      if (!apiKeyOk(request, reply, credentials.mapsApiKey)) return reply;
      const address = request.query.address;
      if (typeof address !== 'string' || address.trim() === '' || address.length > 500) {
        return badRequest(reply, ['address is required once (a non-empty string of at most 500 characters)']);
      }
      const hit = geocode(address);
      if (!hit) return reply.code(404).send({ error: 'not_found', message: 'address not found' } satisfies ErrorBody);
      return reply.code(200).send(hit);
    });
  }

  // ---- admin API (fault injection and inspection) -----------------------------------------
  const targetOf = (service: string, instance: string): string | null =>
    (SANDBOX_SERVICES as readonly string[]).includes(service) && instances.includes(instance)
      ? `${service}/${instance}`
      : null;

  const putFault = (target: string | null, body: unknown, reply: FastifyReply) => {
    if (!target) return reply.code(404).send({ error: 'not_found', message: 'unknown service or instance' });
    try {
      const state: FaultState = faults.set(target, parseFaultSpec(body));
      return reply.code(200).send({ target, fault: state });
    } catch (err) {
      if (err instanceof FaultSpecError) return badRequest(reply, [err.message]);
      throw err;
    }
  };
  type TargetParams = { Params: { service: string; instance: string } };
  app.put<TargetParams>('/_faults/:service/:instance', async (request, reply) =>
    putFault(targetOf(request.params.service, request.params.instance), request.body, reply),
  );
  app.put('/_faults/token', async (request, reply) => putFault('token', request.body, reply));
  app.get('/_faults', async () => faults.snapshot());
  app.delete('/_faults', async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.delete('/_faults/token', async (_request, reply) => {
    faults.clear('token');
    return reply.code(204).send();
  });
  app.delete<TargetParams>('/_faults/:service/:instance', async (request, reply) => {
    const target = targetOf(request.params.service, request.params.instance);
    if (!target) return reply.code(404).send({ error: 'not_found', message: 'unknown service or instance' });
    faults.clear(target);
    return reply.code(204).send();
  });
  app.get('/_stats', async () => snapshotStats());
  app.delete('/_stats', async (_request, reply) => {
    resetStats();
    return reply.code(204).send();
  });
  app.get('/_outbox', async () => outbox.map((m) => ({ ...m })));
  app.get('/_webhooks', async (): Promise<DeliveryRecord[]> => dispatcher?.deliveries() ?? []);

  function snapshotStats(): SandboxStats {
    return structuredClone({ ...counters, webhooks: dispatcher?.stats ?? counters.webhooks });
  }

  function resetStats(): void {
    const pending = counters.payments.pending;
    counters = freshStats();
    counters.payments.pending = pending;
    dispatcher?.resetStats();
  }

  return {
    app,
    options,
    faults,
    get url() {
      return baseUrl;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${h}:${address.port}`;
      return baseUrl;
    },
    async close() {
      for (const t of settleTimers) clearTimeout(t);
      settleTimers.clear();
      dispatcher?.close();
      for (const cancel of [...sleepers]) cancel();
      await app.close();
      baseUrl = null;
    },
    stats: snapshotStats,
    payment: (id) => {
      const p = payments.get(id);
      return p ? { ...p } : undefined;
    },
    reset() {
      faults.clear();
      resetStats();
    },
  };
}
