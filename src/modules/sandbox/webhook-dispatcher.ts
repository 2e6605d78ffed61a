import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decodeWebhookSecret, standardWebhookHeaders } from './standard-webhooks.js';
import type { ResolvedSandboxOptions } from './sandbox.options.js';

export interface WebhookEvent {
  id: string;
  type: string;
  created: number;
  data: Record<string, unknown>;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

export interface WebhookStats {
  /** Attempts made (every POST, retries included). */
  attempted: number;
  /** Events acknowledged with a 2xx. */
  delivered: number;
  /** Events given up after the last attempt. */
  failed: number;
  /** Events still being delivered (an attempt in flight or a retry scheduled). */
  pending: number;
}

const MAX_RECORDS = 200;
const USER_AGENT = 'nest-integration-gateway-sandbox/1';

/**
 * Delivers events with Standard Webhooks signatures and its own retries: a non-2xx answer,
 * a connection error or a timeout schedules the next attempt after `retryBaseMs * 2^(n-1)`,
 * up to `maxAttempts`. Every attempt carries the same `webhook-id` (the event id) and a fresh
 * timestamp and signature. One plain HTTP request per attempt, no keep-alive.
 */
export class WebhookDispatcher {
  private readonly key: Buffer;
  private readonly records = new Map<string, DeliveryRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<ClientRequest>();
  private closed = false;
  readonly stats: WebhookStats = { attempted: 0, delivered: 0, failed: 0, pending: 0 };

  constructor(private readonly options: NonNullable<ResolvedSandboxOptions['webhook']>) {
    this.key = decodeWebhookSecret(options.secret);
  }

  dispatch(event: WebhookEvent): void {
    if (this.closed) return;
    const body = JSON.stringify(event);
    const record: DeliveryRecord = {
      eventId: event.id,
      type: event.type,
      url: '',
      status: 'pending',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
    };
    this.records.set(event.id, record);
    while (this.records.size > MAX_RECORDS) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
    this.stats.pending += 1;
    this.attempt(record, body);
  }

  /** Most recent deliveries, newest last. */
  deliveries(): DeliveryRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  resetStats(): void {
    this.stats.attempted = 0;
    this.stats.delivered = 0;
    this.stats.failed = 0;
  }

  /** Stops every retry timer and aborts every attempt in flight. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
  }

  private attempt(record: DeliveryRecord, body: string): void {
    if (this.closed) return;
    record.attempts += 1;
    this.stats.attempted += 1;
    let url: URL;
    try {
      const target = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
      url = new URL(target);
      record.url = url.toString();
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('webhook URL must be http(s)');
    } catch (err) {
      this.settle(record, body, null, err instanceof Error ? err.message : String(err));
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': USER_AGENT,
      connection: 'close',
      ...standardWebhookHeaders(this.key, record.eventId, timestamp, body),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (done) return;
      done = true;
      this.inflight.delete(req);
      this.settle(record, body, statusCode, error);
    };
    const req = send(url, { method: 'POST', headers, agent: false, timeout: this.options.timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0, null));
      res.on('error', (err) => finish(null, err.message));
    });
    this.inflight.add(req);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)));
    req.on('error', (err) => finish(null, err.message));
    req.end(body);
  }

  private settle(record: DeliveryRecord, body: string, statusCode: number | null, error: string | null): void {
    if (this.closed) return;
    record.lastStatusCode = statusCode;
    record.lastError =
      error ?? (statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null);
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      record.status = 'delivered';
      this.stats.delivered += 1;
      this.stats.pending -= 1;
      return;
    }
    if (record.attempts >= this.options.maxAttempts) {
      record.status = 'failed';
      this.stats.failed += 1;
      this.stats.pending -= 1;
      return;
    }
    const delay = this.options.retryBaseMs * 2 ** (record.attempts - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(record, body);
    }, delay);
    this.timers.add(timer);
  }
}
