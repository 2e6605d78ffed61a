import { isAxiosError } from 'axios';
import { isBrokenCircuitError } from 'cockatiel';
import { ProblemException } from '../common/http/problem.js';

/** How one attempt against an upstream instance ended. Also the `outcome` label of attempt metrics. */
export type AttemptOutcome =
  | 'success'
  | 'client-error'
  | 'unauthorized'
  | 'rate-limited'
  | 'server-error'
  | 'connect-timeout'
  | 'read-timeout'
  | 'connection-error'
  | 'invalid-response'
  | 'token-unavailable'
  | 'token-rejected'
  | 'circuit-open'
  | 'aborted';

export type FailedOutcome = Exclude<AttemptOutcome, 'success'>;

interface Traits {
  /** The retry loop may try again (subject to max retries, deadline and budget). */
  retry: boolean;
  /** Counts as a failure for the circuit breakers. */
  breaker: boolean;
  /** Takes the instance out of rotation until a health check passes. */
  eject: boolean;
}

const TRAITS: Record<FailedOutcome, Traits> = {
  'server-error': { retry: true, breaker: true, eject: true },
  'connect-timeout': { retry: true, breaker: true, eject: true },
  'read-timeout': { retry: true, breaker: true, eject: true },
  'connection-error': { retry: true, breaker: true, eject: true },
  // The token endpoint failing says nothing about the API instance, but the service is unusable.
  'token-unavailable': { retry: true, breaker: true, eject: false },
  'rate-limited': { retry: true, breaker: false, eject: false },
  // An instance breaker refused the call between pick and execute; another instance may take it.
  'circuit-open': { retry: true, breaker: false, eject: false },
  // Deterministic: the same request gets the same answer, so never retried; still a sick upstream.
  'invalid-response': { retry: false, breaker: true, eject: false },
  'client-error': { retry: false, breaker: false, eject: false },
  unauthorized: { retry: false, breaker: false, eject: false },
  'token-rejected': { retry: false, breaker: false, eject: false },
  aborted: { retry: false, breaker: false, eject: false },
};

export interface AttemptErrorInit {
  status?: number;
  /** From `Retry-After` on a 429/503, already converted to milliseconds from now. */
  retryAfterMs?: number;
  body?: unknown;
  cause?: unknown;
}

/**
 * One failed attempt, as the retry loop sees it. Internal to the gateway: callers only ever
 * get an {@link UpstreamException}.
 */
export class AttemptError extends Error {
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly body?: unknown;
  readonly retryable: boolean;
  readonly breakerFailure: boolean;
  readonly eject: boolean;

  constructor(
    readonly outcome: FailedOutcome,
    message: string,
    init: AttemptErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AttemptError';
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
    const traits = TRAITS[outcome];
    this.retryable = traits.retry;
    this.breakerFailure = traits.breaker;
    this.eject = traits.eject;
  }
}

/** Why a call failed, as seen by the caller (`UpstreamException.reason`). */
export type UpstreamReason = FailedOutcome | 'deadline' | 'retry-budget' | 'retries-exhausted';

export interface UpstreamExceptionInit {
  integration: string;
  status: 502 | 503 | 504;
  type: 'upstream-error' | 'circuit-open' | 'upstream-timeout';
  reason: UpstreamReason;
  /** Human-readable, English; goes into the localised detail as `{{reason}}`. */
  reasonText: string;
  attempts: number;
  upstreamStatus?: number;
  upstreamBody?: unknown;
  retryAfterS?: number;
  cause?: unknown;
}

/**
 * The error every gateway failure surfaces as. It is a ProblemException, so the problem filter
 * renders it (502/503/504, `extensions.integration`, `Retry-After` when known) with no extra
 * mapping; service clients can read `upstreamStatus` to map e.g. an upstream 404 to ours.
 */
export class UpstreamException extends ProblemException {
  readonly integration: string;
  readonly reason: UpstreamReason;
  readonly attempts: number;
  readonly upstreamStatus?: number;
  /** The upstream's error body, for a client that maps it; never put in our response. */
  readonly upstreamBody?: unknown;

  constructor(init: UpstreamExceptionInit) {
    super({
      type: init.type,
      status: init.status,
      params: { integration: init.integration, reason: init.reasonText },
      headers: init.retryAfterS === undefined ? undefined : { 'Retry-After': String(init.retryAfterS) },
      extensions: { integration: init.integration },
    });
    this.name = 'UpstreamException';
    this.integration = init.integration;
    this.reason = init.reason;
    this.attempts = init.attempts;
    this.upstreamStatus = init.upstreamStatus;
    this.upstreamBody = init.upstreamBody;
    if (init.cause !== undefined) this.cause = init.cause;
  }
}

export const toRetryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** 502: the upstream answered badly, or kept failing until we stopped. */
export function upstreamFailed(
  integration: string,
  last: AttemptError,
  attempts: number,
  reason: UpstreamReason = last.outcome,
  prefix?: string,
): UpstreamException {
  const what = last.status === undefined ? last.message : `HTTP ${last.status}`;
  const tail = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new UpstreamException({
    integration,
    status: 502,
    type: 'upstream-error',
    reason,
    reasonText: prefix ? `${prefix} (last: ${what}${tail})` : `${what}${tail}`,
    attempts,
    upstreamStatus: last.status,
    upstreamBody: last.body,
    cause: last,
  });
}

/**
 * 503: the retry budget refuses another retry. The upstream is failing for many calls at once;
 * `Retry-After` says when the budget's window frees a retry again.
 */
export function retryBudgetExhausted(
  integration: string,
  last: AttemptError,
  attempts: number,
  retryAfterMs: number,
): UpstreamException {
  const what = last.status === undefined ? last.message : `HTTP ${last.status}`;
  return new UpstreamException({
    integration,
    status: 503,
    type: 'upstream-error',
    reason: 'retry-budget',
    reasonText: `retry budget exhausted (last: ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
    attempts,
    upstreamStatus: last.status,
    upstreamBody: last.body,
    retryAfterS: toRetryAfterSeconds(retryAfterMs),
    cause: last,
  });
}

/** 503: a breaker is open (the service's, or every instance's); nothing was sent upstream. */
export function circuitOpen(integration: string, retryAfterMs: number, attempts: number): UpstreamException {
  return new UpstreamException({
    integration,
    status: 503,
    type: 'circuit-open',
    reason: 'circuit-open',
    reasonText: 'circuit open',
    attempts,
    retryAfterS: toRetryAfterSeconds(retryAfterMs),
  });
}

/** 503: the upstream (or our limiter honouring its 429) wants a pause longer than the deadline allows. */
export function upstreamRateLimited(
  integration: string,
  retryAfterMs: number,
  attempts: number,
  last?: AttemptError,
): UpstreamException {
  const seconds = toRetryAfterSeconds(retryAfterMs);
  return new UpstreamException({
    integration,
    status: 503,
    type: 'upstream-error',
    reason: 'rate-limited',
    reasonText: `rate limited; retry after ${seconds} s, past the call's deadline`,
    attempts,
    upstreamStatus: last?.status,
    retryAfterS: seconds,
    cause: last,
  });
}

/** 504: the call's total deadline passed. */
export function upstreamTimeout(integration: string, totalMs: number, attempts: number): UpstreamException {
  return new UpstreamException({
    integration,
    status: 504,
    type: 'upstream-timeout',
    reason: 'deadline',
    reasonText: `no answer within ${totalMs} ms`,
    attempts,
  });
}

/** Parses `Retry-After` (delta-seconds or HTTP-date, RFC 9110 §10.2.3) into ms from `now`. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Thrown (as the abort reason) when the call's deadline fires. */
export class DeadlineExceededError extends Error {
  constructor(readonly totalMs: number) {
    super(`deadline of ${totalMs} ms exceeded`);
    this.name = 'DeadlineExceededError';
  }
}

/** Set by the keep-alive agent when a socket did not connect in time. */
export const CONNECT_TIMEOUT_CODE = 'ECONNECT_TIMEOUT';

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps whatever an attempt threw (axios, socket, breaker, abort) to an AttemptError. */
export function classifyError(error: unknown, signal?: AbortSignal): AttemptError {
  if (error instanceof AttemptError) return error;
  if (signal?.aborted) return new AttemptError('aborted', 'aborted', { cause: signal.reason });
  if (isBrokenCircuitError(error)) return new AttemptError('circuit-open', 'instance circuit open', { cause: error });
  const code = errorCode(error);
  const rootCode = isAxiosError(error) ? (errorCode(error.cause) ?? code) : code;
  if (rootCode === CONNECT_TIMEOUT_CODE)
    return new AttemptError('connect-timeout', 'connect timeout', { cause: error });
  if (code === 'ERR_CANCELED' || (error as Error | null)?.name === 'AbortError') {
    return new AttemptError('aborted', 'aborted', { cause: error });
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new AttemptError('read-timeout', 'read timeout', { cause: error });
  }
  if (code === 'ERR_BAD_RESPONSE') {
    return new AttemptError('invalid-response', (error as Error).message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AttemptError('connection-error', `connection error: ${rootCode ?? message}`, { cause: error });
}

/** Maps a non-2xx HTTP status to an AttemptError. */
export function statusError(status: number, headers: Record<string, unknown>, body: unknown): AttemptError {
  if (status === 429) {
    return new AttemptError('rate-limited', 'HTTP 429', {
      status,
      body,
      retryAfterMs: parseRetryAfter(headers['retry-after']),
    });
  }
  if (status >= 500) return new AttemptError('server-error', `HTTP ${status}`, { status, body });
  if (status === 401) return new AttemptError('unauthorized', 'HTTP 401', { status, body });
  if (status >= 400) return new AttemptError('client-error', `HTTP ${status}`, { status, body });
  return new AttemptError('invalid-response', `unexpected HTTP ${status}`, { status, body });
}
