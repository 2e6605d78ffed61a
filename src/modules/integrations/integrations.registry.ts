import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProblemException } from '../../common/http/problem.js';
import { StatusRegistry } from '../../common/observability/status-registry.js';
import type { AppConfig } from '../../config/app.config.js';
import { IntegrationDto } from './dto/integration.dto.js';
import type { KeepAliveAgents, RedisPauseBus, ServiceGateway } from '../../gateway/index.js';
import { INTEGRATION_NAMES } from './integration-catalog.js';

/** The gateways built from the configuration, and the sockets they share. */
export const INTEGRATION_GATEWAYS = Symbol('INTEGRATION_GATEWAYS');

export interface IntegrationGateways {
  gateways: Map<string, ServiceGateway>;
  agents: KeepAliveAgents;
  /** With Redis: 429 pauses shared by every instance. */
  pauseBus?: RedisPauseBus;
}

/**
 * Owns the gateways for the app's lifetime: hands them to the clients, runs the active health
 * checks while the app runs, reports every integration to /status and /debug, and closes the
 * gateways and their sockets on shutdown. It contributes no readiness check on purpose: an
 * external service being down must not take this instance out of the load balancer.
 */
@Injectable()
export class IntegrationsRegistry
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Integrations');
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(INTEGRATION_GATEWAYS) private readonly built: IntegrationGateways,
    private readonly statusRegistry: StatusRegistry,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** The gateway of a service; 503 `integration-not-configured` when it has no instances. */
  gateway(name: string): ServiceGateway {
    const gateway = this.built.gateways.get(name);
    if (!gateway) {
      throw new ProblemException({
        type: 'integration-not-configured',
        status: 503,
        params: { integration: name },
        extensions: { integration: name },
      });
    }
    return gateway;
  }

  describe(name: string): IntegrationDto {
    const gateway = this.built.gateways.get(name);
    return gateway ? IntegrationDto.from(name, gateway.snapshot()) : IntegrationDto.notConfigured(name);
  }

  describeAll(): IntegrationDto[] {
    return INTEGRATION_NAMES.map((name) => this.describe(name));
  }

  /** Probes every instance of every service now (also done every HEALTH_CHECK_INTERVAL_MS). */
  async checkHealth(): Promise<void> {
    await Promise.all(
      [...this.built.gateways.values()].map((g) =>
        g.checkHealth().catch((e: unknown) => this.logger.warn(`health check of ${g.name} failed: ${String(e)}`)),
      ),
    );
  }

  onModuleInit(): void {
    this.statusRegistry.register('integrations', {
      status: () => this.statusSummary(),
      debug: () => Object.fromEntries(this.describeAll().map((d) => [d.name, d])),
    });
    const bus = this.built.pauseBus;
    if (!bus) return;
    for (const [name, gateway] of this.built.gateways) {
      // Not awaited: start-up must not wait on Redis pub/sub; a pause already stored is applied once subscribed.
      bus
        .register(name, (untilMs) => gateway.applyRemotePause(untilMs))
        .catch((e: unknown) => this.logger.warn(`shared 429 pauses of ${name} unavailable: ${String(e)}`));
    }
  }

  onApplicationBootstrap(): void {
    const every = this.config.get('integrations.policy.healthCheckIntervalMs', { infer: true });
    if (this.built.gateways.size === 0 || every <= 0) return;
    this.timer = setInterval(() => void this.checkHealth(), every);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const gateway of this.built.gateways.values()) gateway.close();
    this.built.agents.httpAgent.destroy();
    this.built.agents.httpsAgent.destroy();
    await this.built.pauseBus?.close();
  }

  /** Public summary for /status: state, breaker, instances in rotation, token state; no URLs. */
  private statusSummary(): Record<string, unknown> {
    const summary: Record<string, unknown> = {};
    for (const d of this.describeAll()) {
      summary[d.name] = {
        state: d.state,
        circuit: d.circuit?.state ?? null,
        instances: { total: d.instances.length, healthy: d.healthyInstances },
        ...(d.token ? { token: { hasToken: d.token.hasToken, expiresAt: d.token.expiresAt } } : {}),
      };
    }
    return summary;
  }
}
