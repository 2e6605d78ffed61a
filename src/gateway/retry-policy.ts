import type { AttemptError } from './upstream-errors.js';

export interface RetryPolicyOptions {
  /** First backoff; retry n waits base × 2^n (1 s, 2 s, 4 s by default). */
  baseDelayMs: number;
  maxRetries: number;
  /** Extra random wait as a fraction of the backoff (0.1 → up to +10 %), so clients do not retry in lockstep. */
  jitter?: number;
  random?: () => number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: 'not-retryable' | 'exhausted' };

/**
 * Decides whether and when to retry one failed attempt. Pure: the deadline, the retry budget and
 * the sleeping belong to the gateway. A hand-written loop rather than cockatiel's `retry()`,
 * because the wait depends on the error (Retry-After) and each retry must consult the budget and
 * pick another instance.
 */
export class RetryPolicy {
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: RetryPolicyOptions) {
    this.jitter = options.jitter ?? 0.1;
    this.random = options.random ?? Math.random;
  }

  get maxRetries(): number {
    return this.options.maxRetries;
  }

  /** The exponential backoff before retry number `retryIndex` (0-based). */
  backoffMs(retryIndex: number): number {
    const base = this.options.baseDelayMs * 2 ** retryIndex;
    return Math.round(base * (1 + this.jitter * this.random()));
  }

  /** `retriesSoFar` is how many retries this call already made. */
  decide(error: AttemptError, retriesSoFar: number): RetryDecision {
    if (!error.retryable) return { retry: false, why: 'not-retryable' };
    if (retriesSoFar >= this.options.maxRetries) return { retry: false, why: 'exhausted' };
    if (error.outcome === 'rate-limited' && error.retryAfterMs !== undefined) {
      return { retry: true, delayMs: error.retryAfterMs };
    }
    return { retry: true, delayMs: this.backoffMs(retriesSoFar) };
  }
}

export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls in the window. */
  ratio?: number;
  /** Retries always allowed per second of window, so a quiet service can still retry. */
  minPerSecond?: number;
  windowMs?: number;
}

const BUCKETS = 10;

/**
 * Caps retries at `ratio` of calls over a sliding window (plus a small floor), so a failing
 * upstream sees at most ~1.2× its normal load instead of 4× (the gRPC/Finagle retry budget).
 * Hand-written: cockatiel has no budget and it is a few counters in a ring.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly floor: number;
  private readonly bucketMs: number;
  private readonly calls = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private totalCalls = 0;
  private totalRetries = 0;
  private denied = 0;
  private bucket = 0;

  constructor(
    options: RetryBudgetOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    const windowMs = options.windowMs ?? 10_000;
    this.ratio = options.ratio ?? 0.2;
    this.floor = (options.minPerSecond ?? 3) * (windowMs / 1000);
    this.bucketMs = windowMs / BUCKETS;
    this.bucket = Math.floor(this.now() / this.bucketMs);
  }

  recordCall(): void {
    const i = this.rotate();
    this.calls[i]++;
    this.totalCalls++;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryAcquire(): boolean {
    const i = this.rotate();
    if (this.totalRetries + 1 > this.totalCalls * this.ratio + this.floor) {
      this.denied++;
      return false;
    }
    this.retries[i]++;
    this.totalRetries++;
    return true;
  }

  /**
   * How long until the window has slid far enough for `tryAcquire` to succeed again, assuming no
   * new calls or retries meanwhile (what a `Retry-After` can promise); 0 when it would now.
   */
  retryAfterMs(): number {
    const i = this.rotate();
    let calls = this.totalCalls;
    let retries = this.totalRetries;
    if (retries + 1 <= calls * this.ratio + this.floor) return 0;
    const intoBucket = this.now() - this.bucket * this.bucketMs;
    // After k more rotations the k oldest buckets (i+1 … i+k) have left the window.
    for (let k = 1; k <= BUCKETS; k++) {
      const leaving = (i + k) % BUCKETS;
      calls -= this.calls[leaving];
      retries -= this.retries[leaving];
      if (retries + 1 <= calls * this.ratio + this.floor) return k * this.bucketMs - intoBucket;
    }
    return BUCKETS * this.bucketMs - intoBucket;
  }

  snapshot(): { calls: number; retries: number; denied: number } {
    this.rotate();
    return { calls: this.totalCalls, retries: this.totalRetries, denied: this.denied };
  }

  /** Drops buckets that slid out of the window; returns the current bucket's index. */
  private rotate(): number {
    const bucket = Math.floor(this.now() / this.bucketMs);
    const stale = Math.min(bucket - this.bucket, BUCKETS);
    for (let k = 1; k <= stale; k++) {
      const i = (this.bucket + k) % BUCKETS;
      this.totalCalls -= this.calls[i];
      this.totalRetries -= this.retries[i];
      this.calls[i] = 0;
      this.retries[i] = 0;
    }
    if (stale > 0) this.bucket = bucket;
    return bucket % BUCKETS;
  }
}
