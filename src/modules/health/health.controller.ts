import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get, Header, Inject, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Lifecycle } from '../../common/observability/lifecycle.js';
import { MetricsService } from '../../common/observability/metrics.service.js';
import { SlaWindow } from '../../common/observability/sla-window.js';
import { StatusRegistry } from '../../common/observability/status-registry.js';
import { maskSecrets, type AppConfig } from '../../config/app.config.js';
import { REDIS } from '../../database/redis.module.js';
import { AllowMetricsToken, Auth } from '../auth/auth.decorator.js';
import { IntegrationDto } from '../integrations/dto/integration.dto.js';
import { INTEGRATION_NAMES } from '../integrations/integration-gateways.js';
import { PACKAGE, STARTED_AT } from './app-info.js';
import { healthReport, STATUS_SCHEMA } from './health.openapi.js';

const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

/** Operations endpoints (no /api/v1 prefix, outside the business rate limit). */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly lifecycle: Lifecycle,
    private readonly registry: StatusRegistry,
    private readonly metrics: MetricsService,
    private readonly sla: SlaWindow,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private dependencyChecks(): (() => PromiseLike<HealthIndicatorResult>)[] {
    const checks: (() => PromiseLike<HealthIndicatorResult>)[] = [
      () => this.db.pingCheck('database').withTimeout(2000),
    ];
    const redis = this.redis;
    if (redis) {
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await redis.ping();
          })
          .withTimeout(2000),
      );
    }
    for (const [name, contributor] of this.registry.entries()) {
      const ready = contributor.ready?.bind(contributor);
      if (!ready) continue;
      checks.push(() =>
        this.indicators
          .check(name)
          .attempt(async () => {
            if ((await ready()) === false) throw new Error(`${name} not ready`);
          })
          .withTimeout(2000),
      );
    }
    return checks;
  }

  @Get('health')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ operationId: 'health', summary: 'Terminus report of every dependency' })
  @ApiOkResponse({ description: 'every dependency is up', schema: healthReport(['ok', 'degraded']) })
  @ApiServiceUnavailableResponse({
    description: 'a dependency is down, or the app is shutting down',
    schema: healthReport(['error', 'shutting_down']),
  })
  check() {
    return this.health.check(this.dependencyChecks());
  }

  @Get('health/live')
  @ApiOperation({ operationId: 'liveness', summary: 'The process is alive (never checks dependencies)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'readiness',
    summary: 'Ready for traffic: dependencies usable; 503 while starting or draining',
  })
  @ApiOkResponse({ description: 'ready: every dependency is usable', schema: healthReport(['ok', 'degraded']) })
  @ApiServiceUnavailableResponse({
    description: 'starting, draining, or a dependency is down',
    schema: healthReport(['error', 'shutting_down']),
  })
  async ready() {
    if (this.lifecycle.current !== 'ready') {
      throw new ServiceUnavailableException({
        status: 'error',
        error: { lifecycle: { status: 'down', state: this.lifecycle.current } },
      });
    }
    return this.health.check(this.dependencyChecks());
  }

  @Get('version')
  @ApiOperation({ operationId: 'version', summary: 'Version, commit, build time and Node.js version' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 214 },
        version: { type: 'string', maxLength: 64 },
        commit: { type: 'string', maxLength: 64 },
        buildTime: { type: 'string', maxLength: 30 },
        node: { type: 'string', maxLength: 32 },
      },
    },
  })
  version() {
    return {
      name: PACKAGE.name,
      version: PACKAGE.version,
      commit: this.config.get('app.commit', { infer: true }),
      buildTime: this.config.get('app.buildTime', { infer: true }) || STARTED_AT.toISOString(),
      node: process.version,
    };
  }

  @Get('metrics')
  @Auth('ops:read')
  @AllowMetricsToken()
  @Header('cache-control', 'no-store')
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus metrics (scope ops:read, or METRICS_TOKEN)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string', maxLength: 10485760 } })
  @ApiProblemResponses(401, 403)
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('status')
  @ApiOperation({ operationId: 'status', summary: 'Live SLA figures against the targets, and each integration' })
  @ApiOkResponse({ description: 'the SLA figures of the last 5 minutes and each component', schema: STATUS_SCHEMA })
  async status() {
    const sla = this.sla.snapshot();
    const components: Record<string, unknown> = {};
    for (const [name, contributor] of this.registry.entries()) {
      if (contributor.status) components[name] = await contributor.status();
    }
    const slaMet = [sla.latencyP95Ms, sla.availabilityPercent, sla.errorRatePercent, sla.retrySuccessPercent].every(
      (s) => s.met,
    );
    return {
      status: slaMet ? 'ok' : 'degraded',
      timestamp: new Date().toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      sla,
      ...components,
    };
  }

  @Get('debug')
  @Auth('ops:admin')
  @ApiOperation({ operationId: 'debug', summary: 'Runtime details with secrets masked (scope ops:admin)' })
  @ApiExtraModels(IntegrationDto)
  @ApiOkResponse({
    description: 'uptime, memory, event-loop delay, effective configuration (secrets masked) and queue details',
    schema: {
      type: 'object',
      properties: {
        uptimeSeconds: { type: 'number' },
        pid: { type: 'integer' },
        node: { type: 'string', maxLength: 32 },
        lifecycle: { type: 'string', enum: ['starting', 'ready', 'draining'] },
        memory: { type: 'object', additionalProperties: { type: 'integer', format: 'int64' } },
        eventLoopDelayMs: { type: 'object', additionalProperties: { type: 'number' } },
        config: { type: 'object', description: 'the validated configuration, every secret shown as ****' },
        integrations: {
          type: 'object',
          description: 'each external service, as GET /api/v1/integrations/{integrationName} shows it',
          required: [...INTEGRATION_NAMES],
          properties: Object.fromEntries(
            INTEGRATION_NAMES.map((name) => [name, { $ref: getSchemaPath(IntegrationDto) }]),
          ),
        },
        webhooks: {
          type: 'object',
          description: 'the webhook worker: in-flight events, claims, last sweep, settings, handlers, queue depths',
        },
      },
    },
  })
  @ApiProblemResponses(401, 403, 404)
  async debug() {
    if (!this.config.get('app.debugEnabled', { infer: true })) throw new NotFoundException();
    const memory = process.memoryUsage();
    const details: Record<string, unknown> = {};
    for (const [name, contributor] of this.registry.entries()) {
      if (contributor.debug) details[name] = await contributor.debug();
    }
    return {
      uptimeSeconds: process.uptime(),
      pid: process.pid,
      node: process.version,
      lifecycle: this.lifecycle.current,
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
      },
      eventLoopDelayMs: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      config: maskSecrets(this.configSnapshot()),
      ...details,
    };
  }

  private configSnapshot(): Record<string, unknown> {
    const keys = ['app', 'database', 'redis', 'cache', 'auth', 'sandbox', 'integrations', 'webhooks'] as const;
    return Object.fromEntries(keys.map((k) => [k, this.config.get(k, { infer: true })]));
  }
}
