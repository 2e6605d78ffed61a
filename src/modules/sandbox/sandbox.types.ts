import type { FastifyInstance } from 'fastify';
import type { FaultRegistry } from './faults.js';
import type { ResolvedSandboxOptions, SandboxServiceName } from './sandbox.options.js';
import type { WebhookStats } from './webhook-dispatcher.js';

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

export interface IssuedToken {
  clientId: string;
  scope: string;
  expiresAt: number;
}

export interface IdempotencyEntry {
  fingerprint: string;
  paymentId: string;
}

export type ErrorBody = { error: string; message: string };
