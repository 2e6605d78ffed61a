import { AxiosError } from 'axios';
import { BrokenCircuitError } from 'cockatiel';
import { ProblemException } from '../common/http/problem.js';
import { ConnectTimeoutError } from './keep-alive-agent.js';
import {
  AttemptError,
  UpstreamException,
  circuitOpen,
  classifyError,
  parseRetryAfter,
  statusError,
  upstreamFailed,
  upstreamRateLimited,
  upstreamTimeout,
} from './upstream-errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });
  it('reads an HTTP-date, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(['3'], now)).toBeUndefined();
  });
});

describe('statusError', () => {
  it('429 is retryable, carries Retry-After, and neither ejects nor trips a breaker', () => {
    const e = statusError(429, { 'retry-after': '2' }, {});
    expect(e).toMatchObject({ outcome: 'rate-limited', status: 429, retryAfterMs: 2000, retryable: true });
    expect(e.eject).toBe(false);
    expect(e.breakerFailure).toBe(false);
  });
  it('5xx is retryable, ejects and counts for the breaker', () => {
    expect(statusError(503, {}, {})).toMatchObject({
      outcome: 'server-error',
      retryable: true,
      eject: true,
      breakerFailure: true,
    });
  });
  it.each([400, 403, 404, 409, 422])('%i is a client error that is never retried', (status) => {
    expect(statusError(status, {}, { code: 'x' })).toMatchObject({
      outcome: 'client-error',
      status,
      retryable: false,
      breakerFailure: false,
      body: { code: 'x' },
    });
  });
  it('401 is its own outcome (the OAuth 2.0 replay keys on it)', () => {
    expect(statusError(401, {}, undefined)).toMatchObject({ outcome: 'unauthorized', retryable: false });
  });
  it('a redirect is not an answer we can use', () => {
    expect(statusError(302, {}, undefined).outcome).toBe('invalid-response');
  });
});

describe('classifyError', () => {
  it('recognises the agent connect timeout through the axios wrapper', () => {
    const wrapped = AxiosError.from(new ConnectTimeoutError(5000));
    expect(classifyError(wrapped).outcome).toBe('connect-timeout');
  });
  it('maps the axios read timeout', () => {
    expect(classifyError(new AxiosError('timeout of 30ms exceeded', 'ETIMEDOUT')).outcome).toBe('read-timeout');
    expect(classifyError(new AxiosError('timeout', 'ECONNABORTED')).outcome).toBe('read-timeout');
  });
  it('maps refused and reset connections to retryable connection errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const e = classifyError(AxiosError.from(refused));
    expect(e).toMatchObject({ outcome: 'connection-error', retryable: true, eject: true });
    expect(e.message).toContain('ECONNREFUSED');
  });
  it('anything after the signal aborted is an abort, not an upstream failure', () => {
    const ctrl = new AbortController();
    ctrl.abort();
    expect(classifyError(new AxiosError('canceled', 'ERR_CANCELED'), ctrl.signal).outcome).toBe('aborted');
  });
  it('an open instance breaker is a retryable circuit-open', () => {
    expect(classifyError(new BrokenCircuitError())).toMatchObject({ outcome: 'circuit-open', retryable: true });
  });
  it('passes AttemptErrors through', () => {
    const e = new AttemptError('invalid-response', 'bad');
    expect(classifyError(e)).toBe(e);
  });
});

describe('the problems callers get', () => {
  it('502 names the integration and the reason, and exposes the upstream status', () => {
    const e = upstreamFailed('maps', statusError(404, {}, { error: 'unknown address' }), 1);
    expect(e).toBeInstanceOf(ProblemException);
    expect(e).toBeInstanceOf(UpstreamException);
    expect(e.getStatus()).toBe(502);
    expect(e.problem).toMatchObject({
      type: 'upstream-error',
      status: 502,
      params: { integration: 'maps', reason: 'HTTP 404' },
      extensions: { integration: 'maps' },
    });
    expect(e.upstreamStatus).toBe(404);
    expect(e.upstreamBody).toEqual({ error: 'unknown address' });
  });
  it('502 after retries says how many attempts', () => {
    const e = upstreamFailed('email', statusError(500, {}, {}), 4, 'retries-exhausted');
    expect(e.reason).toBe('retries-exhausted');
    expect(e.problem.params?.reason).toBe('HTTP 500 after 4 attempts');
  });
  it('503 circuit-open carries Retry-After in whole seconds, rounded up', () => {
    const e = circuitOpen('payment', 2500, 0);
    expect(e.problem).toMatchObject({
      type: 'circuit-open',
      status: 503,
      headers: { 'Retry-After': '3' },
      extensions: { integration: 'payment' },
    });
    expect(circuitOpen('payment', 10, 0).problem.headers).toEqual({ 'Retry-After': '1' });
  });
  it('503 for a rate limit past the deadline tells when to come back', () => {
    const e = upstreamRateLimited('sms', 120_000, 1);
    expect(e.problem).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '120' },
      extensions: { integration: 'sms' },
    });
  });
  it('504 on the deadline', () => {
    expect(upstreamTimeout('payment', 60_000, 2).problem).toMatchObject({
      type: 'upstream-timeout',
      status: 504,
      extensions: { integration: 'payment' },
    });
  });
});
