import { Injectable } from '@nestjs/common';

const BUCKET_MS = 10_000;
const BUCKETS = 30; // a sliding window of 5 minutes in 10-second slots
// Latency histogram bounds (ms) for the p95 estimate; the last slot is open-ended.
const BOUNDS = [1, 2, 5, 10, 20, 50, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10000, Infinity];

interface Slot {
  start: number;
  requests: number;
  errors: number;
  latency: number[];
  retried: number;
  recovered: number;
}

export const SLA_TARGETS = {
  latencyP95Ms: 200,
  availabilityPercent: 99.9,
  errorRatePercent: 0.1,
  retrySuccessPercent: 95,
} as const;

/**
 * The seed's SLA figures over a sliding window, in fixed memory: per 10-second slot a request
 * count, a 5xx count, a latency histogram and the calls that needed a retry. Written by hand
 * because prom-client histograms are cumulative since start, not windowed.
 */
@Injectable()
export class SlaWindow {
  private readonly slots: Slot[] = Array.from({ length: BUCKETS }, () => ({
    start: 0,
    requests: 0,
    errors: 0,
    latency: new Array<number>(BOUNDS.length).fill(0),
    retried: 0,
    recovered: 0,
  }));

  constructor(private readonly now: () => number = Date.now) {}

  private slot(): Slot {
    const t = this.now();
    const start = t - (t % BUCKET_MS);
    const slot = this.slots[Math.floor(start / BUCKET_MS) % BUCKETS];
    if (slot.start !== start) {
      slot.start = start;
      slot.requests = slot.errors = slot.retried = slot.recovered = 0;
      slot.latency.fill(0);
    }
    return slot;
  }

  recordRequest(durationMs: number, status: number): void {
    const slot = this.slot();
    slot.requests++;
    if (status >= 500) slot.errors++;
    let i = 0;
    while (durationMs > BOUNDS[i]) i++;
    slot.latency[i]++;
  }

  /** One outbound call that needed at least one retry; `recovered` when it finally succeeded. */
  recordRetry(recovered: boolean): void {
    const slot = this.slot();
    slot.retried++;
    if (recovered) slot.recovered++;
  }

  snapshot() {
    const oldest = this.now() - BUCKET_MS * BUCKETS;
    const live = this.slots.filter((s) => s.start > oldest);
    const requests = live.reduce((n, s) => n + s.requests, 0);
    const errors = live.reduce((n, s) => n + s.errors, 0);
    const retried = live.reduce((n, s) => n + s.retried, 0);
    const recovered = live.reduce((n, s) => n + s.recovered, 0);
    const histogram = BOUNDS.map((_, i) => live.reduce((n, s) => n + s.latency[i], 0));
    let p95: number | null = null;
    if (requests > 0) {
      const rank = Math.ceil(requests * 0.95);
      let seen = 0;
      for (let i = 0; i < BOUNDS.length; i++) {
        seen += histogram[i];
        if (seen >= rank) {
          p95 = Number.isFinite(BOUNDS[i]) ? BOUNDS[i] : BOUNDS[i - 1];
          break;
        }
      }
    }
    const errorRate = requests > 0 ? (errors / requests) * 100 : 0;
    const availability = 100 - errorRate;
    const retrySuccess = retried > 0 ? (recovered / retried) * 100 : null;
    const window = `${(BUCKET_MS * BUCKETS) / 1000}s`;
    return {
      window,
      requests,
      latencyP95Ms: {
        value: p95,
        target: `< ${SLA_TARGETS.latencyP95Ms}`,
        met: p95 === null || p95 < SLA_TARGETS.latencyP95Ms,
        window,
      },
      availabilityPercent: {
        value: round(availability),
        target: `>= ${SLA_TARGETS.availabilityPercent}`,
        met: availability >= SLA_TARGETS.availabilityPercent,
        window,
      },
      errorRatePercent: {
        value: round(errorRate),
        target: `< ${SLA_TARGETS.errorRatePercent}`,
        met: errorRate < SLA_TARGETS.errorRatePercent,
        window,
      },
      retrySuccessPercent: {
        value: retrySuccess === null ? null : round(retrySuccess),
        target: `> ${SLA_TARGETS.retrySuccessPercent}`,
        met: retrySuccess === null || retrySuccess > SLA_TARGETS.retrySuccessPercent,
        window,
        calls: retried,
      },
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
