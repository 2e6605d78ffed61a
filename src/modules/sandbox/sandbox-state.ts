import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { FaultRegistry, type FaultAction } from './faults.js';
import { header, safeEqual } from './sandbox-http.js';
import { SANDBOX_SERVICES, type ResolvedSandboxOptions } from './sandbox.options.js';
import type {
  ErrorBody,
  IdempotencyEntry,
  IssuedToken,
  OutboxMessage,
  SandboxPayment,
  SandboxStats,
} from './sandbox.types.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

const OUTBOX_MAX = 200;

/**
 * Settlement rule of the fake payment service: a payment fails when its amount ends in 13
 * (`amount % 100 === 13`, e.g. 1213) or its reference contains "fail" (any case); otherwise
 * it succeeds.
 */
export function settlementOf(payment: Pick<SandboxPayment, 'amount' | 'reference'>): 'succeeded' | 'failed' {
  return payment.amount % 100 === 13 || /fail/i.test(payment.reference) ? 'failed' : 'succeeded';
}

/**
 * Everything the fake services share: their stores (tokens, payments, messages), counters, the
 * fault registry and the timers `close()` must clear. Each service plugin gets this one object.
 */
export class SandboxState {
  readonly faults = new FaultRegistry();
  readonly dispatcher: WebhookDispatcher | null;
  readonly tokens = new Map<string, IssuedToken>();
  readonly payments = new Map<string, SandboxPayment>();
  readonly idempotency = new Map<string, IdempotencyEntry>();
  readonly outbox: OutboxMessage[] = [];
  /** Message ids by `service:Idempotency-Key`, shared by the instances like a real provider's store. */
  readonly messageKeys = new Map<string, string>();
  /** `when: after` faults waiting for the handler's answer, by raw request. */
  readonly afterFaults = new WeakMap<IncomingMessage, FaultAction>();
  private readonly settleTimers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  counters: SandboxStats;

  constructor(readonly options: ResolvedSandboxOptions) {
    this.dispatcher = options.webhook ? new WebhookDispatcher(options.webhook) : null;
    this.counters = this.freshStats();
  }

  private freshStats(): SandboxStats {
    return {
      services: Object.fromEntries(
        SANDBOX_SERVICES.map((svc) => [
          svc,
          Object.fromEntries(
            this.options.instances.map((i) => [i, { requests: 0, healthChecks: 0, faulted: 0, byStatus: {} }]),
          ),
        ]),
      ) as SandboxStats['services'],
      token: { requests: 0, issued: 0, rejected: 0, faulted: 0 },
      payments: { created: 0, replayed: 0, succeeded: 0, failed: 0, pending: 0 },
      messages: { email: { accepted: 0, replayed: 0 }, sms: { accepted: 0, replayed: 0 } },
      webhooks: this.dispatcher?.stats ?? { attempted: 0, delivered: 0, failed: 0, pending: 0 },
    };
  }

  snapshotStats(): SandboxStats {
    return structuredClone({ ...this.counters, webhooks: this.dispatcher?.stats ?? this.counters.webhooks });
  }

  /** Counters start again; payments still pending stay counted as pending. */
  resetStats(): void {
    const pending = this.counters.payments.pending;
    this.counters = this.freshStats();
    this.counters.payments.pending = pending;
    this.dispatcher?.resetStats();
  }

  /** A delay that `close()` cuts short (the waiting call then fails with 503). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancel = () => {
        clearTimeout(timer);
        this.sleepers.delete(cancel);
        reject(Object.assign(new Error('sandbox is closing'), { statusCode: 503 }));
      };
      const timer = setTimeout(() => {
        this.sleepers.delete(cancel);
        resolve();
      }, ms);
      this.sleepers.add(cancel);
    });
  }

  cancelSleeps(): void {
    for (const cancel of [...this.sleepers]) cancel();
  }

  /** Settles a payment after `settleDelayMs` and sends its webhook, as a real provider does. */
  settle(payment: SandboxPayment): void {
    const timer = setTimeout(() => {
      this.settleTimers.delete(timer);
      if (payment.status !== 'pending') return;
      payment.status = settlementOf(payment);
      this.counters.payments.pending -= 1;
      this.counters.payments[payment.status] += 1;
      this.dispatcher?.dispatch({
        id: `evt_${ulid()}`,
        type: `payment.${payment.status}`,
        created: Math.floor(Date.now() / 1000),
        data: { ...payment },
      });
    }, this.options.settleDelayMs);
    this.settleTimers.add(timer);
  }

  /** Stops every timer: settlements, webhook retries, injected delays. */
  stopTimers(): void {
    for (const t of this.settleTimers) clearTimeout(t);
    this.settleTimers.clear();
    this.dispatcher?.close();
    this.cancelSleeps();
  }

  recordOutbox(message: OutboxMessage): void {
    this.outbox.push(message);
    if (this.outbox.length > OUTBOX_MAX) this.outbox.splice(0, this.outbox.length - OUTBOX_MAX);
  }

  /** The token a bearer request carries, or null after answering 401 as the provider would. */
  bearerClient(request: FastifyRequest, reply: FastifyReply): IssuedToken | null {
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
    const token = this.tokens.get(m[1]);
    if (!token) return deny('invalid_token', 'unknown access token');
    if (token.expiresAt <= this.options.now()) {
      this.tokens.delete(m[1]);
      return deny('invalid_token', 'access token expired');
    }
    return token;
  }

  /** True when `X-API-Key` matches; otherwise answers 401. */
  apiKeyOk(request: FastifyRequest, reply: FastifyReply, expected: string): boolean {
    const key = header(request, 'x-api-key');
    if (key !== undefined && safeEqual(key, expected)) return true;
    void reply.code(401).send({
      error: 'unauthorized',
      message: key === undefined ? 'X-API-Key is required' : 'invalid API key',
    } satisfies ErrorBody);
    return false;
  }
}
