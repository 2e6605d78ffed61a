import type { CircuitState } from 'cockatiel';
import { TrackedBreaker, type BreakerOptions, type BreakerStateName } from './circuit-breaker.js';
import type { AttemptOutcome } from './upstream-errors.js';

const LATENCY_SAMPLES = 128;
/** Outcomes of attempts that never reached the instance, so they say nothing about it. */
const NEVER_SENT: ReadonlySet<AttemptOutcome> = new Set(['circuit-open', 'token-unavailable', 'token-rejected']);
const EWMA_ALPHA = 0.2;

/**
 * Recent latency of one instance: an EWMA and a ring for percentiles. Hand-written: a
 * prom-client Summary is per label set and costly to read per instance for display.
 */
export class LatencyWindow {
  private readonly samples = new Float64Array(LATENCY_SAMPLES);
  private count = 0;
  private next = 0;
  ewmaMs: number | undefined;

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % LATENCY_SAMPLES;
    if (this.count < LATENCY_SAMPLES) this.count++;
    this.ewmaMs = this.ewmaMs === undefined ? ms : this.ewmaMs + EWMA_ALPHA * (ms - this.ewmaMs);
  }

  /** Sorting happens here, on display, never on the request path. */
  percentiles(): { p50Ms: number | null; p95Ms: number | null; samples: number } {
    if (this.count === 0) return { p50Ms: null, p95Ms: null, samples: 0 };
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const at = (q: number) => round(sorted[Math.min(this.count - 1, Math.ceil(q * this.count) - 1)]);
    return { p50Ms: at(0.5), p95Ms: at(0.95), samples: this.count };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export interface InstanceSnapshot {
  url: string;
  healthy: boolean;
  circuit: BreakerStateName;
  circuitRetryAfterMs: number;
  latency: { ewmaMs: number | null; p50Ms: number | null; p95Ms: number | null; samples: number };
  requests: number;
  errors: number;
  consecutiveErrors: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastHealthCheckAt: string | null;
}

export class UpstreamInstance {
  healthy = true;
  requests = 0;
  errors = 0;
  consecutiveErrors = 0;
  lastError: string | null = null;
  lastErrorAt = 0;
  lastHealthCheckAt = 0;
  readonly latency = new LatencyWindow();

  constructor(
    /** Base URL without a trailing slash; also the `instance` label. */
    readonly url: string,
    readonly breaker: TrackedBreaker,
  ) {}
}

/** Reports whether `{url}/health` answered 2xx; must not throw. */
export type HealthProbe = (instanceUrl: string) => Promise<boolean>;

export interface InstancePoolOptions {
  urls: readonly string[];
  breaker: BreakerOptions;
  probe?: HealthProbe;
  /** 0 or undefined: no active health checks (ejected instances come back only through panic routing). */
  healthCheckIntervalMs?: number;
  onBreakerState?: (instanceUrl: string, state: CircuitState) => void;
  onHealthChange?: (instanceUrl: string, healthy: boolean) => void;
}

/**
 * The instances of one service: round robin over the healthy ones, passive ejection on a failed
 * attempt, active health checks that bring instances back, a breaker per instance.
 */
export class InstancePool {
  readonly instances: readonly UpstreamInstance[];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: InstancePoolOptions) {
    if (options.urls.length === 0) throw new Error('an integration needs at least one instance url');
    this.instances = options.urls.map((raw) => {
      const url = raw.replace(/\/+$/, '');
      return new UpstreamInstance(
        url,
        new TrackedBreaker(options.breaker, (state) => options.onBreakerState?.(url, state)),
      );
    });
  }

  /**
   * The next instance to try. Prefers, in order: healthy and untried in this call, healthy,
   * ejected but untried, ejected (panic routing: with every instance ejected, traffic still
   * flows and the breakers decide). Instances whose breaker is open are never picked;
   * undefined means every breaker is open.
   */
  pick(tried?: ReadonlySet<UpstreamInstance>, now = Date.now()): UpstreamInstance | undefined {
    const n = this.instances.length;
    const start = this.cursor;
    let best: UpstreamInstance | undefined;
    let bestRank = 4;
    let bestOffset = 0;
    for (let k = 0; k < n; k++) {
      const inst = this.instances[(start + k) % n];
      if (inst.breaker.blockedForMs(now) > 0) continue;
      const rank = (inst.healthy ? 0 : 2) + (tried?.has(inst) ? 1 : 0);
      if (rank < bestRank) {
        best = inst;
        bestRank = rank;
        bestOffset = k;
        if (rank === 0) break;
      }
    }
    if (best) this.cursor = (start + bestOffset + 1) % n;
    return best;
  }

  /** Shortest time until some instance's breaker lets a call through. */
  retryAfterMs(now = Date.now()): number {
    let min = Infinity;
    for (const inst of this.instances) min = Math.min(min, inst.breaker.blockedForMs(now));
    return min;
  }

  /** Records one attempt; a failure that says the instance is sick takes it out of rotation. */
  record(inst: UpstreamInstance, outcome: AttemptOutcome, eject: boolean, latencyMs: number, message?: string): void {
    if (NEVER_SENT.has(outcome)) return;
    inst.requests++;
    if (outcome === 'success') {
      inst.latency.record(latencyMs);
      inst.consecutiveErrors = 0;
      if (!inst.healthy) this.setHealthy(inst, true);
      return;
    }
    if (outcome === 'aborted') return;
    inst.errors++;
    inst.consecutiveErrors++;
    inst.lastError = message ?? outcome;
    inst.lastErrorAt = Date.now();
    if (eject && inst.healthy) this.setHealthy(inst, false);
  }

  /** Probes every instance once (concurrently); overlapping runs are skipped. */
  async checkHealth(): Promise<void> {
    const probe = this.options.probe;
    if (!probe || this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        this.instances.map(async (inst) => {
          const ok = await probe(inst.url);
          inst.lastHealthCheckAt = Date.now();
          if (ok !== inst.healthy) this.setHealthy(inst, ok);
        }),
      );
    } finally {
      this.checking = false;
    }
  }

  start(): void {
    const every = this.options.healthCheckIntervalMs ?? 0;
    if (this.timer || every <= 0 || !this.options.probe) return;
    this.timer = setInterval(() => void this.checkHealth(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(now = Date.now()): InstanceSnapshot[] {
    return this.instances.map((inst) => {
      const { p50Ms, p95Ms, samples } = inst.latency.percentiles();
      return {
        url: inst.url,
        healthy: inst.healthy,
        circuit: inst.breaker.stateName,
        circuitRetryAfterMs: inst.breaker.blockedForMs(now),
        latency: {
          ewmaMs: inst.latency.ewmaMs === undefined ? null : round(inst.latency.ewmaMs),
          p50Ms,
          p95Ms,
          samples,
        },
        requests: inst.requests,
        errors: inst.errors,
        consecutiveErrors: inst.consecutiveErrors,
        lastError: inst.lastError,
        lastErrorAt: inst.lastErrorAt ? new Date(inst.lastErrorAt).toISOString() : null,
        lastHealthCheckAt: inst.lastHealthCheckAt ? new Date(inst.lastHealthCheckAt).toISOString() : null,
      };
    });
  }

  private setHealthy(inst: UpstreamInstance, healthy: boolean): void {
    inst.healthy = healthy;
    this.options.onHealthChange?.(inst.url, healthy);
  }
}
