export interface RateLimiterOptions {
  /** Sustained requests per second to this service; Infinity (default) = no limit, only 429 pauses. */
  ratePerSecond?: number;
  /** Requests allowed in a burst above the rate; defaults to one second's worth. */
  burst?: number;
  /** Told of each pause this process decides (a 429), e.g. to share it with other instances. */
  onPause?: (untilMs: number) => void;
}

/**
 * Per-service outbound limiter: a token bucket plus a pause that a 429's Retry-After sets for
 * every caller of the service. Synchronous (it returns how long to wait) so the gateway's hot
 * path awaits nothing when no wait is needed and the sleep shares the call's deadline signal.
 * Hand-written: a bucket with reservations is a few lines, and the libraries for it (bottleneck,
 * limiter) are not dependencies and know nothing of a server-imposed pause.
 */
export class UpstreamRateLimiter {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntilMs = 0;
  private readonly onPause?: (untilMs: number) => void;

  constructor(
    options: RateLimiterOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    const rate = options.ratePerSecond ?? Infinity;
    this.ratePerMs = rate / 1000;
    this.burst = options.burst ?? (Number.isFinite(rate) ? Math.max(1, rate) : Infinity);
    this.tokens = this.burst;
    this.refilledAt = this.now();
    this.onPause = options.onPause;
  }

  /**
   * Reserves a slot for one request and returns the ms to wait before sending it (0: now).
   * A reservation that the caller abandons must be given back with {@link refund}.
   */
  reserve(): number {
    const now = this.now();
    const pause = this.pausedUntilMs > now ? this.pausedUntilMs - now : 0;
    if (this.ratePerMs === Infinity) return pause;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
    this.tokens -= 1;
    const bucketWait = this.tokens >= 0 ? 0 : -this.tokens / this.ratePerMs;
    return Math.ceil(Math.max(pause, bucketWait));
  }

  refund(): void {
    if (this.ratePerMs !== Infinity) this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /**
   * Holds every request to the service until `untilMs` (epoch ms), e.g. from a 429's Retry-After.
   * `shared: false` applies a pause another instance decided, without announcing it again.
   */
  pauseUntil(untilMs: number, { shared = true }: { shared?: boolean } = {}): void {
    if (untilMs <= this.pausedUntilMs) return;
    this.pausedUntilMs = untilMs;
    if (shared) this.onPause?.(untilMs);
  }

  snapshot(): { pausedUntil: string | null; ratePerSecond: number } {
    return {
      pausedUntil: this.pausedUntilMs > this.now() ? new Date(this.pausedUntilMs).toISOString() : null,
      ratePerSecond: this.ratePerMs * 1000,
    };
  }
}
