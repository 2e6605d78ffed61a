import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { AuthStrategy } from './auth-strategies.js';
import type { TrackedBreaker } from './circuit-breaker.js';
import type { ServiceMetrics } from './gateway-metrics.js';
import type { AnyRequest, GatewayLogger, GatewayPolicy, GatewayRequest, GatewayResponse } from './gateway-types.js';
import type { InstancePool, UpstreamInstance } from './instance-pool.js';
import type { UpstreamRateLimiter } from './rate-limiter.js';
import type { RetryBudget, RetryPolicy } from './retry-policy.js';
import { validBody } from './response-validation.js';
import {
  AttemptError,
  DeadlineExceededError,
  UpstreamException,
  circuitOpen,
  classifyError,
  statusError,
  upstreamFailed,
  upstreamRateLimited,
  retryBudgetExhausted,
  upstreamTimeout,
  type AttemptOutcome,
} from './upstream-errors.js';

/** The parts of one ServiceGateway that a call goes through, built once by the gateway. */
export interface CallParts {
  name: string;
  policy: Required<GatewayPolicy>;
  http: AxiosInstance;
  /** Per-request agents and status handling (keep-alive-agent.ts). */
  direct: AxiosRequestConfig;
  auth: AuthStrategy;
  pool: InstancePool;
  serviceBreaker: TrackedBreaker;
  retry: RetryPolicy;
  budget: RetryBudget;
  limiter: UpstreamRateLimiter;
  metrics: ServiceMetrics | undefined;
  logger: GatewayLogger;
  maxContentLength: number;
  onRetryOutcome?: (recovered: boolean) => void;
}

interface CallState {
  attempts: number;
  retries: number;
  replayed: boolean;
  tried: Set<UpstreamInstance>;
  /** What the auth strategy sent on the latest attempt (the access token), for a 401. */
  sent: string | undefined;
  deadlineAt: number;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

/** Query strings can carry personal data (an address to geocode); logs get the path only. */
const pathOnly = (path: string) => {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
};

/**
 * One call to the service: deadline → retry loop → instance pool → circuit breakers → credentials →
 * axios → response validation. Kept apart from ServiceGateway, which builds the parts and adds the cache.
 */
export class CallLoop {
  constructor(private readonly p: CallParts) {}

  async call(req: AnyRequest): Promise<GatewayResponse<unknown>> {
    const totalMs = req.timeoutMs ?? this.p.policy.totalTimeoutMs;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(new DeadlineExceededError(totalMs)), totalMs);
    const caller = req.signal;
    const onCallerAbort = () => ctrl.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const state: CallState = {
      attempts: 0,
      retries: 0,
      replayed: false,
      tried: new Set(),
      sent: undefined,
      deadlineAt: Date.now() + totalMs,
    };
    this.p.budget.recordCall();
    try {
      const res = await this.loop(req, ctrl.signal, state);
      this.p.metrics?.call('success');
      if (state.retries > 0) this.p.onRetryOutcome?.(true);
      return res;
    } catch (e) {
      let error = e;
      if (!(e instanceof UpstreamException) && ctrl.signal.aborted) {
        error =
          ctrl.signal.reason instanceof DeadlineExceededError
            ? upstreamTimeout(this.p.name, totalMs, state.attempts)
            : ctrl.signal.reason;
      }
      this.p.metrics?.call(
        error instanceof UpstreamException ? error.reason : ctrl.signal.aborted ? 'aborted' : 'error',
      );
      if (state.retries > 0) this.p.onRetryOutcome?.(false);
      throw error;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async loop(req: AnyRequest, signal: AbortSignal, s: CallState): Promise<GatewayResponse<unknown>> {
    const { name, limiter } = this.p;
    const headers = this.headersFor(req);
    for (;;) {
      const blocked = this.p.serviceBreaker.blockedForMs();
      if (blocked > 0) throw circuitOpen(name, blocked, s.attempts);

      const wait = limiter.reserve();
      if (wait > 0) {
        if (Date.now() + wait >= s.deadlineAt) {
          limiter.refund();
          throw upstreamRateLimited(name, wait, s.attempts);
        }
        await sleep(wait, undefined, { signal });
      }

      const inst = this.p.pool.pick(s.tried);
      if (!inst) throw circuitOpen(name, this.p.pool.retryAfterMs(), s.attempts);
      s.tried.add(inst);
      s.attempts++;

      let err: AttemptError;
      try {
        return await this.attempt(inst, req, headers, signal, s);
      } catch (e) {
        err = classifyError(e, signal);
      }
      if (signal.aborted) throw signal.reason;

      if (err.outcome === 'rate-limited' && err.retryAfterMs !== undefined) {
        limiter.pauseUntil(Date.now() + err.retryAfterMs);
      }
      if (err.outcome === 'unauthorized' && !s.replayed && (await this.p.auth.onUnauthorized?.(s.sent))) {
        // The seed's flow: drop the token and start the call again, once, with a new one.
        s.replayed = true;
        s.tried.delete(inst);
        continue;
      }
      const delayMs = this.retryDelay(err, s);
      s.retries++;
      this.p.metrics?.retry(err.outcome);
      if (delayMs > 0) await sleep(delayMs, undefined, { signal });
    }
  }

  /** The wait before the next attempt after `err`; throws the call's error when there is none. */
  private retryDelay(err: AttemptError, s: CallState): number {
    const { name, budget } = this.p;
    const decision = this.p.retry.decide(err, s.retries);
    if (!decision.retry) {
      throw decision.why === 'exhausted' && s.retries > 0
        ? upstreamFailed(name, err, s.attempts, 'retries-exhausted')
        : upstreamFailed(name, err, s.attempts);
    }
    if (Date.now() + decision.delayMs >= s.deadlineAt) {
      throw err.outcome === 'rate-limited'
        ? upstreamRateLimited(name, decision.delayMs, s.attempts, err)
        : upstreamFailed(name, err, s.attempts, err.outcome, 'next retry would pass the deadline');
    }
    if (!budget.tryAcquire()) throw retryBudgetExhausted(name, err, s.attempts, budget.retryAfterMs());
    return decision.delayMs;
  }

  /** One attempt on one instance: logged once, measured once, reported to the pool once. */
  private async attempt(
    inst: UpstreamInstance,
    req: AnyRequest,
    headers: Record<string, string>,
    signal: AbortSignal,
    s: CallState,
  ): Promise<GatewayResponse<unknown>> {
    const started = performance.now();
    let failure: AttemptError | undefined;
    let status: number | undefined;
    try {
      const res = await this.p.serviceBreaker.execute(async () => {
        s.sent = await this.p.auth.apply(headers, signal);
        return inst.breaker.execute(() => this.send(inst, req, headers, signal), signal);
      }, signal);
      status = res.status;
      return { status: res.status, data: res.data, attempts: s.attempts, instance: inst.url, cached: false };
    } catch (e) {
      failure = classifyError(e, signal);
      status = failure.status;
      throw failure;
    } finally {
      const ms = performance.now() - started;
      const outcome: AttemptOutcome = failure?.outcome ?? 'success';
      this.p.pool.record(inst, outcome, failure?.eject ?? false, ms, failure?.message);
      this.p.metrics?.attempt(inst.url, outcome, ms / 1000);
      const line = {
        integration: this.p.name,
        requestId: req.requestId,
        instance: inst.url,
        attempt: s.attempts,
        outcome,
        status,
        latencyMs: round2(ms),
        method: req.method,
        path: pathOnly(req.path),
      };
      if (failure) this.p.logger.warn(line, 'upstream attempt failed');
      else this.p.logger.info(line, 'upstream attempt');
    }
  }

  private async send(
    inst: UpstreamInstance,
    req: AnyRequest,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; data: unknown }> {
    const res = await this.p.http.request<unknown>({
      ...this.p.direct,
      method: req.method,
      url: inst.url + req.path,
      params: req.query,
      data: req.body,
      headers,
      timeout: this.p.policy.readTimeoutMs,
      signal,
      maxContentLength: this.p.maxContentLength,
    });
    if (res.status < 200 || res.status >= 300) {
      throw statusError(res.status, res.headers as Record<string, unknown>, res.data);
    }
    if (!req.responseType) return { status: res.status, data: res.data };
    return { status: res.status, data: await validBody(req.responseType, res.data) };
  }

  private headersFor(req: GatewayRequest): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    const key = req.idempotencyKey ?? (req.method === 'POST' ? randomUUID() : undefined);
    if (key !== undefined) headers['Idempotency-Key'] = key;
    if (req.requestId !== undefined) headers['X-Request-Id'] = req.requestId;
    return headers;
  }
}
