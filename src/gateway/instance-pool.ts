import { CircuitState } from 'cockatiel';
import { TrackedBreaker, type BreakerOptions, type BreakerStateName } from './circuit-breaker.js';
import { AttemptError, type AttemptOutcome } from './upstream-errors.js';

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
  ejected: boolean;
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
  /** false after a failed attempt or health check: then tried only when no healthy instance is left. */
  healthy = true;
  /** Its latest health check failed: no call goes to it (see {@link InstancePool.pick}). */
  ejected = false;
  /** While ejected: when it may take its next trial call. */
  readmitAt = 0;
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
  /** 0 or undefined: no active health checks (ejected instances come back only through trial calls). */
  healthCheckIntervalMs?: number;
  /** How long an ejected instance gets no call before one trial call; defaults to the breaker's half-open delay. */
  ejectionMs?: number;
  /**
   * The breaker of the service as a whole: when it is open and due for a test call, a health
   * check that an instance passes is that test call, so recovery shows without client traffic.
   */
  serviceBreaker?: TrackedBreaker;
  onBreakerState?: (instanceUrl: string, state: CircuitState) => void;
  onHealthChange?: (instanceUrl: string, healthy: boolean, ejected: boolean) => void;
}

/**
 * The instances of one service: round robin over the healthy ones, a breaker per instance,
 * active health checks that eject an instance and bring it back. A failed attempt only demotes
 * an instance (`healthy: false`): one 503 or reset says little, and at a 20 % error rate five
 * failures in a row on one instance come every few thousand attempts, so ejecting on a run of
 * failures would take healthy instances (and, with both out, the service) offline; sustained
 * failure is the failure-rate breakers' call. A failed health check says the instance is down:
 * it is ejected and gets no call until a check passes or, once `ejectionMs` has passed, a single
 * trial call succeeds.
 */
export class InstancePool {
  readonly instances: readonly UpstreamInstance[];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly ejectionMs: number;

  constructor(private readonly options: InstancePoolOptions) {
    if (options.urls.length === 0) throw new Error('an integration needs at least one instance url');
    this.ejectionMs = options.ejectionMs ?? options.breaker.halfOpenAfterMs;
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
   * demoted but untried, demoted (with every instance demoted, traffic still flows and the
   * breakers decide). Never picks an instance whose breaker is open or that is ejected, except
   * for one trial call per `ejectionMs`; undefined means none may be called now.
   */
  pick(tried?: ReadonlySet<UpstreamInstance>, now = Date.now()): UpstreamInstance | undefined {
    const n = this.instances.length;
    const start = this.cursor;
    let best: UpstreamInstance | undefined;
    let bestRank = 4;
    let bestOffset = 0;
    for (let k = 0; k < n; k++) {
      const inst = this.instances[(start + k) % n];
      if (this.blockedForMs(inst, now) > 0) continue;
      // A due trial ranks first: it is one call per ejection period, and how the instance returns.
      const rank = (inst.healthy || inst.ejected ? 0 : 2) + (tried?.has(inst) ? 1 : 0);
      if (rank < bestRank) {
        best = inst;
        bestRank = rank;
        bestOffset = k;
        if (rank === 0) break;
      }
    }
    if (best) this.cursor = (start + bestOffset + 1) % n;
    if (best?.ejected) best.readmitAt = now + this.ejectionMs;
    return best;
  }

  /** Shortest time until some instance may be called again (breaker closed or half-open, ejection over). */
  retryAfterMs(now = Date.now()): number {
    let min = Infinity;
    for (const inst of this.instances) min = Math.min(min, this.blockedForMs(inst, now));
    return min;
  }

  private blockedForMs(inst: UpstreamInstance, now: number): number {
    const ejected = inst.ejected ? Math.max(0, inst.readmitAt - now) : 0;
    return Math.max(ejected, inst.breaker.blockedForMs(now));
  }

  /** Records one attempt; a failure that says the instance may be sick demotes it, a success readmits it. */
  record(inst: UpstreamInstance, outcome: AttemptOutcome, eject: boolean, latencyMs: number, message?: string): void {
    if (NEVER_SENT.has(outcome)) return;
    inst.requests++;
    if (outcome === 'success') {
      inst.latency.record(latencyMs);
      inst.consecutiveErrors = 0;
      if (!inst.healthy || inst.ejected) this.setHealthy(inst, true);
      return;
    }
    if (outcome === 'aborted') return;
    inst.errors++;
    inst.consecutiveErrors++;
    inst.lastError = message ?? outcome;
    inst.lastErrorAt = Date.now();
    if (eject && inst.healthy) this.setHealthy(inst, false);
  }

  /**
   * Probes every instance once (concurrently); overlapping runs are skipped. A probe passing
   * readmits the instance, failing ejects it. The probe of an instance whose breaker is open and
   * due for its test call is that test call (a pass closes the breaker); then, if the service's
   * breaker is open and due, the probe of an instance that passed is its test call.
   */
  async checkHealth(): Promise<void> {
    const probe = this.options.probe;
    if (!probe || this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        this.instances.map(async (inst) => {
          const ok = await this.probeThrough(inst.breaker, inst.url, probe);
          inst.lastHealthCheckAt = Date.now();
          if (ok) {
            if (!inst.healthy || inst.ejected) this.setHealthy(inst, true);
          } else {
            inst.readmitAt = Date.now() + this.ejectionMs;
            if (inst.healthy || !inst.ejected) this.setHealthy(inst, false, true);
          }
        }),
      );
      const service = this.options.serviceBreaker;
      const up = this.instances.find((i) => i.healthy && i.breaker.state === CircuitState.Closed);
      if (service?.state === CircuitState.Open && service.blockedForMs() === 0 && up) {
        await this.probeThrough(service, up.url, probe);
      }
    } finally {
      this.checking = false;
    }
  }

  /** The probe, run as the breaker's test call when the breaker is open and due for one. */
  private async probeThrough(breaker: TrackedBreaker, url: string, probe: HealthProbe): Promise<boolean> {
    if (breaker.state !== CircuitState.Open || breaker.blockedForMs() > 0) return probe(url);
    return breaker
      .execute(async () => {
        if (!(await probe(url))) throw new AttemptError('server-error', 'health check failed');
      })
      .then(
        () => true,
        () => false,
      );
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
        ejected: inst.ejected,
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

  /** `ejected` only with `healthy: false`: a failed health check; readmission clears both. */
  private setHealthy(inst: UpstreamInstance, healthy: boolean, ejected = false): void {
    inst.healthy = healthy;
    inst.ejected = !healthy && ejected;
    this.options.onHealthChange?.(inst.url, healthy, inst.ejected);
  }
}
