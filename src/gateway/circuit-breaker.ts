import {
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { AttemptError, classifyError } from './upstream-errors.js';

export type BreakerOptions = {
  /** How long an open breaker refuses calls before letting one test call through. */
  halfOpenAfterMs: number;
} & (
  | { consecutiveFailures: number; sampling?: undefined }
  | { sampling: { threshold: number; durationMs: number; minimumRps?: number }; consecutiveFailures?: undefined }
);

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * A cockatiel circuit breaker that also remembers when it opened, which cockatiel keeps private,
 * so callers can fail fast without calling it and answer `Retry-After` with the time left.
 * Only failures marked `breakerFailure` (5xx, timeouts, connection errors, bad bodies) count;
 * a 4xx means the upstream is healthy. `execute` classifies whatever the call threw before the
 * breaker judges it, so a raw socket or axios error (reset, refused, timeout) counts exactly as
 * the retry loop's classification says, for every breaker that wraps the call.
 */
export class TrackedBreaker {
  readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    private readonly options: BreakerOptions,
    onState?: (state: CircuitState) => void,
  ) {
    const breaker =
      options.sampling !== undefined
        ? new SamplingBreaker({
            threshold: options.sampling.threshold,
            duration: options.sampling.durationMs,
            minimumRps: options.sampling.minimumRps,
          })
        : new ConsecutiveBreaker(options.consecutiveFailures);
    this.policy = circuitBreaker(
      handleWhen((e) => e instanceof AttemptError && e.breakerFailure),
      { halfOpenAfter: options.halfOpenAfterMs, breaker },
    );
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
    if (onState) this.policy.onStateChange(onState);
  }

  get state(): CircuitState {
    return this.policy.state;
  }

  get stateName(): BreakerStateName {
    return STATE_NAMES[this.policy.state];
  }

  /** Milliseconds until the breaker lets a call through again; 0 when it would now. */
  blockedForMs(now = Date.now()): number {
    const state = this.policy.state;
    if (state === CircuitState.Isolated) return this.options.halfOpenAfterMs;
    if (state !== CircuitState.Open) return 0;
    return Math.max(0, this.openedAt + this.options.halfOpenAfterMs - now);
  }

  /** Runs `fn` through the breaker; what it throws comes out as an {@link AttemptError}. */
  execute<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.policy.execute(async () => {
      try {
        return await fn();
      } catch (e) {
        throw classifyError(e, signal);
      }
    }, signal);
  }
}
