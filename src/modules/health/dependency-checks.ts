import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { StatusRegistry } from '../../common/observability/status-registry.js';
import { DatabaseProbe } from '../../database/database-probe.js';
import { REDIS } from '../../database/redis.module.js';

/** How long a probe may take before its dependency counts as failing. */
const PROBE_TIMEOUT_MS = 2000;

export type Check = () => PromiseLike<HealthIndicatorResult>;
export type DependencyState = 'up' | 'degraded' | 'down';

/**
 * The dependency probes of /health, /health/ready and /status, split by what a failure means:
 * - the database is essential: every route and the webhook receiver store through it, so an instance
 *   that cannot commit a write within the timeout is `down` (readiness 503, out of the load balancer);
 * - Redis and the status contributors' own checks (the BullMQ queue) are `degraded` when failing: the
 *   cache reads through, rate limits fall back to per-instance counters, the sweeper dispatches from the
 *   inbox. Taking every replica out of the load balancer for them would turn a slower service into none.
 */
@Injectable()
export class DependencyChecks {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly registry: StatusRegistry,
  ) {}

  /** What readiness requires. */
  essential(): Check[] {
    return [
      () =>
        this.indicators
          .check('database')
          .attempt(() => this.probe.writable())
          .withTimeout(PROBE_TIMEOUT_MS),
    ];
  }

  /** Dependencies whose failure degrades the service without stopping it. */
  degradable(): Check[] {
    const checks: Check[] = [];
    const redis = this.redis;
    if (redis) {
      checks.push(this.degradedWhenDown('redis', async () => void (await redis.ping())));
    }
    for (const [name, contributor] of this.registry.entries()) {
      const ready = contributor.ready?.bind(contributor);
      if (!ready) continue;
      checks.push(
        this.degradedWhenDown(name, async () => {
          if ((await ready()) === false) throw new Error(`${name} not ready`);
        }),
      );
    }
    return checks;
  }

  all(): Check[] {
    return [...this.essential(), ...this.degradable()];
  }

  /** Each dependency's state, for /status (never throws). */
  async states(): Promise<Record<string, DependencyState>> {
    const results = await Promise.all(this.all().map((check) => check()));
    const states: Record<string, DependencyState> = {};
    for (const result of results) {
      for (const [name, value] of Object.entries(result)) states[name] = value.status as DependencyState;
    }
    return states;
  }

  private degradedWhenDown(name: string, attempt: () => Promise<void>): Check {
    return async () => {
      const result = await this.indicators.check(name).attempt(attempt).withTimeout(PROBE_TIMEOUT_MS);
      const { status, ...data } = result[name];
      return status === 'down' ? this.indicators.check(name).degraded(data) : result;
    };
  }
}
