import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get, Header, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
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
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ReportException } from '../../common/http/report.exception.js';
import { ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Lifecycle } from '../../common/observability/lifecycle.js';
import { MetricsService } from '../../common/observability/metrics.service.js';
import { SlaWindow } from '../../common/observability/sla-window.js';
import { StatusRegistry } from '../../common/observability/status-registry.js';
import { maskSecrets, type AppConfig } from '../../config/app.config.js';
import { AllowMetricsToken, Auth } from '../auth/index.js';
import { PACKAGE, STARTED_AT } from '../../common/observability/app-info.js';
import { IntegrationDto, INTEGRATION_NAMES, perIntegration } from '../integrations/index.js';
import { DependencyChecks } from './dependency-checks.js';
import { healthReport, STATUS_SCHEMA } from './health.openapi.js';

const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

/** Operations endpoints (no /api/v1 prefix, outside the business rate limit). */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyChecks,
    private readonly lifecycle: Lifecycle,
    private readonly registry: StatusRegistry,
    private readonly metrics: MetricsService,
    private readonly sla: SlaWindow,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Get('health')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'health',
    summary: 'Terminus report of every dependency',
    description: 'The terminus report of every dependency this instance checks.',
  })
  @ApiOkResponse({
    description: 'the database is up; `degraded` when an optional dependency (Redis, the queue) is failing',
    schema: healthReport(['ok', 'degraded']),
  })
  @ApiServiceUnavailableResponse({
    description: 'the database cannot store data, or the app is shutting down',
    schema: healthReport(['error', 'shutting_down']),
  })
  check() {
    return asReport(this.health.check(this.dependencies.all()));
  }

  @Get('health/live')
  @ApiOperation({
    operationId: 'liveness',
    summary: 'The process is alive (never checks dependencies)',
    description: 'Answers 200 while the process runs; checks no dependency (a liveness probe).',
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'readiness',
    summary: 'Ready for traffic: the database takes a write within 2 s; 503 while starting or draining',
    description: 'Answers 200 when the instance takes traffic, 503 while starting or draining (a readiness probe).',
  })
  @ApiOkResponse({ description: 'ready: this instance can store data', schema: healthReport(['ok', 'degraded']) })
  @ApiServiceUnavailableResponse({
    description: 'starting, draining, or the database cannot store data (Redis being down is not a reason)',
    schema: healthReport(['error', 'shutting_down']),
  })
  async ready() {
    if (this.lifecycle.current !== 'ready') {
      throw new ReportException(
        { status: 'error', error: { lifecycle: { status: 'down', state: this.lifecycle.current } } },
        503,
      );
    }
    return asReport(this.health.check(this.dependencies.essential()));
  }

  @Get('version')
  @ApiOperation({
    operationId: 'version',
    summary: 'Version, commit, build time and Node.js version',
    description: 'The version, commit, build time and Node.js version of this instance.',
  })
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
  @ApiOperation({
    operationId: 'metrics',
    summary: 'Prometheus metrics (scope ops:read, or METRICS_TOKEN)',
    description: 'Prometheus metrics in the text exposition format.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string', maxLength: 10485760 } })
  @ApiProblemResponses(401, 403)
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('status')
  @ApiOperation({
    operationId: 'status',
    summary: 'Live SLA figures against the targets, and each integration',
    description: 'The live SLA figures against their targets, and the state of each external service.',
  })
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
    const dependencies = await this.dependencies.states();
    const allUp = Object.values(dependencies).every((state) => state === 'up');
    return {
      status: slaMet && allUp ? 'ok' : 'degraded',
      timestamp: new Date().toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      sla,
      dependencies,
      ...components,
    };
  }

  @Get('debug')
  @Auth('ops:admin')
  @ApiOperation({
    operationId: 'debug',
    summary: 'Runtime details with secrets masked (scope ops:admin)',
    description: 'Runtime details of this instance, secrets masked.',
  })
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
          // Live views of the registered integrations: the document is built once every module has loaded.
          required: INTEGRATION_NAMES as string[],
          properties: perIntegration(() => ({ $ref: getSchemaPath(IntegrationDto) })),
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

/** Terminus's 503 carries the per-dependency report: answered as it is, not as a problem document. */
async function asReport<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof ServiceUnavailableException) {
      throw new ReportException(error.getResponse() as Record<string, unknown>, 503);
    }
    throw error;
  }
}
