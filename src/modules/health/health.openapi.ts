import type { SchemaObject } from '@nestjs/swagger';
import { BREAKER_STATES, INTEGRATION_NAMES, INTEGRATION_STATES, perIntegration } from '../integrations/index.js';

/** One dependency in a terminus report (`database`, `redis`, a status contributor, the lifecycle). */
const indicators: SchemaObject = {
  type: 'object',
  maxProperties: 50,
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['up', 'degraded', 'down'] },
      responseTime: { type: 'number', description: 'ms the indicator took' },
    },
    additionalProperties: true,
  },
  example: { database: { status: 'up' } },
};

/**
 * The terminus report of /health and /health/ready. Written here rather than left to `@HealthCheck()`: terminus
 * adds its Swagger schema only when it can `require()` @nestjs/swagger (an ES module), so the document differed
 * between loaders (Node.js's own: present; Jest's: absent).
 */
export function healthReport(statuses: string[]): SchemaObject {
  return {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: statuses },
      info: { ...indicators, description: 'the dependencies that are up' },
      error: { ...indicators, description: 'the dependencies that are down' },
      details: { ...indicators, description: 'every dependency' },
    },
  };
}

const WINDOW: SchemaObject = { type: 'string', maxLength: 10, pattern: '^[0-9]+s$', example: '300s' };

const slaFigure = (description: string, extra: Record<string, SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  description,
  required: ['value', 'target', 'met', 'window', ...Object.keys(extra)],
  properties: {
    value: { type: 'number', nullable: true, description: 'null when nothing was measured in the window' },
    target: { type: 'string', maxLength: 20, pattern: '^[<>]=? [0-9.]+$', example: '< 200' },
    met: { type: 'boolean' },
    window: WINDOW,
    ...extra,
  },
});

const integrationSummary: SchemaObject = {
  type: 'object',
  required: ['state', 'circuit', 'instances'],
  properties: {
    state: { type: 'string', enum: [...INTEGRATION_STATES] },
    circuit: { type: 'string', enum: [...BREAKER_STATES], nullable: true },
    instances: {
      type: 'object',
      required: ['total', 'healthy'],
      properties: { total: { type: 'integer' }, healthy: { type: 'integer' } },
    },
    token: {
      type: 'object',
      description: 'OAuth 2.0 services only',
      required: ['hasToken', 'expiresAt'],
      properties: {
        hasToken: { type: 'boolean' },
        expiresAt: { type: 'string', format: 'date-time', nullable: true },
      },
    },
  },
};

/** GET /status: the SLA figures and the summary of each status contributor (integrations, webhooks). */
export const STATUS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'timestamp', 'uptimeSeconds', 'sla', 'dependencies'],
  properties: {
    status: {
      type: 'string',
      enum: ['ok', 'degraded'],
      description: 'degraded when an SLA figure is not met or a dependency is not up',
    },
    timestamp: { type: 'string', format: 'date-time' },
    uptimeSeconds: { type: 'integer' },
    sla: {
      type: 'object',
      required: [
        'window',
        'requests',
        'latencyP95Ms',
        'availabilityPercent',
        'errorRatePercent',
        'retrySuccessPercent',
      ],
      properties: {
        window: WINDOW,
        requests: { type: 'integer', description: 'requests in the window' },
        latencyP95Ms: slaFigure('95th percentile latency (ms), target < 200'),
        availabilityPercent: slaFigure('non-5xx answers (%), target >= 99.9'),
        errorRatePercent: slaFigure('5xx answers (%), target < 0.1'),
        retrySuccessPercent: slaFigure('retried outbound calls that finally succeeded (%), target > 95', {
          calls: { type: 'integer', description: 'retried calls in the window' },
        }),
      },
    },
    dependencies: {
      type: 'object',
      description: 'each dependency as /health reports it: the database up or down, Redis and the queue up or degraded',
      maxProperties: 50,
      additionalProperties: { type: 'string', enum: ['up', 'degraded', 'down'] },
      example: { database: 'up', redis: 'degraded', webhooks: 'degraded' },
    },
    integrations: {
      type: 'object',
      description: 'each external service: state, breaker, instances in rotation, token state (never the token)',
      // Live views of the registered integrations: the document is built once every module has loaded.
      required: INTEGRATION_NAMES as string[],
      properties: perIntegration(() => integrationSummary),
    },
    webhooks: {
      type: 'object',
      description: 'the webhook inbox backlog',
      required: ['queue', 'backlog'],
      properties: {
        queue: { type: 'string', enum: ['in-process', 'bullmq'] },
        backlog: {
          type: 'object',
          nullable: true,
          description: 'null when the inbox cannot be read (see error)',
          required: ['pending', 'retrying', 'processing', 'dead'],
          properties: {
            pending: { type: 'integer' },
            retrying: { type: 'integer' },
            processing: { type: 'integer' },
            dead: { type: 'integer' },
          },
        },
        oldestPendingAgeSeconds: { type: 'number', nullable: true },
        error: { type: 'string', maxLength: 100, pattern: '^.*$' },
      },
    },
    payments: {
      type: 'object',
      description: 'payments pending longer than PAYMENT_RECONCILE_AFTER_MS, and the last reconciler run here',
      required: ['stalePending', 'reconcileAfterSeconds', 'lastReconcile'],
      properties: {
        stalePending: { type: 'integer', nullable: true, description: 'null when the database cannot be read' },
        reconcileAfterSeconds: { type: 'number' },
        lastReconcile: {
          type: 'object',
          nullable: true,
          required: ['at', 'looked', 'settled', 'failed'],
          properties: {
            at: { type: 'string', format: 'date-time' },
            looked: { type: 'integer', description: 'stale payments this instance claimed and looked up' },
            settled: { type: 'integer', description: 'found settled and submitted for settlement' },
            failed: { type: 'integer', description: 'lookups that failed' },
            error: { type: 'string', maxLength: 200, pattern: '^.*$' },
          },
        },
      },
    },
  },
};
