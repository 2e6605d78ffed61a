import type { AppConfig, WebhookSourceConfig } from './app-config.types.js';
import type { Env } from './env.schema.js';

/** What loadConfig decides before building the sections: switches that default by environment. */
export interface Switches {
  production: boolean;
  sandboxEnabled: boolean;
  debugEnabled: boolean;
}

export function appSection(env: Env, switches: Switches): AppConfig['app'] {
  return {
    env: env.NODE_ENV,
    production: switches.production,
    port: env.PORT,
    host: env.HOST,
    commit: env.APP_COMMIT,
    buildTime: env.APP_BUILD_TIME,
    logLevel: env.LOG_LEVEL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    server: {
      headersTimeoutMs: env.SERVER_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.SERVER_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.SERVER_KEEP_ALIVE_TIMEOUT_MS,
    },
    corsOrigins: env.CORS_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    docsEnabled: env.DOCS_ENABLED,
    debugEnabled: switches.debugEnabled,
    metricsToken: env.METRICS_TOKEN,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
  };
}

export function databaseSection(env: Env): AppConfig['database'] {
  return {
    url: env.DATABASE_URL,
    sqlitePath: env.SQLITE_PATH,
    poolSize: env.DATABASE_POOL_SIZE,
    type: env.DATABASE_URL ? 'postgres' : 'better-sqlite3',
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
    busyTimeoutMs: env.DATABASE_BUSY_TIMEOUT_MS,
    slowWaitMs: env.DATABASE_SLOW_WAIT_MS,
    webhookPoolSize: env.DATABASE_WEBHOOK_POOL_SIZE,
    minFreeMb: env.DATABASE_MIN_FREE_MB,
  };
}

export function integrationsSection(env: Env, sandboxEnabled: boolean): AppConfig['integrations'] {
  const sandboxBase = `http://${env.SANDBOX_HOST}:${env.SANDBOX_PORT}`;
  // With the sandbox on, each service defaults to two sandbox instances so failover is visible.
  const defaults = (svc: string) => (sandboxEnabled ? [`${sandboxBase}/${svc}/a`, `${sandboxBase}/${svc}/b`] : []);
  const urls = (given: string[], svc: string) => (given.length > 0 ? given : defaults(svc));
  return {
    payment: {
      name: 'payment',
      urls: urls(env.PAYMENT_SERVICE_URLS, 'payment'),
      tokenUrl: env.PAYMENT_SERVICE_TOKEN_URL || (sandboxEnabled ? `${sandboxBase}/oauth/token` : ''),
      clientId: env.PAYMENT_SERVICE_CLIENT_ID,
      clientSecret: env.PAYMENT_SERVICE_CLIENT_SECRET,
      scope: env.PAYMENT_SERVICE_SCOPE,
    },
    email: { name: 'email', urls: urls(env.EMAIL_SERVICE_URLS, 'email'), apiKey: env.EMAIL_SERVICE_API_KEY },
    sms: {
      name: 'sms',
      urls: urls(env.SMS_SERVICE_URLS, 'sms'),
      username: env.SMS_SERVICE_USERNAME,
      password: env.SMS_SERVICE_PASSWORD,
    },
    maps: { name: 'maps', urls: urls(env.MAPS_SERVICE_URLS, 'maps'), apiKey: env.MAPS_SERVICE_API_KEY },
    policy: {
      retryBaseDelayMs: env.RETRY_BASE_DELAY_MS,
      retryMax: env.RETRY_MAX,
      connectTimeoutMs: env.HTTP_CONNECT_TIMEOUT_MS,
      readTimeoutMs: env.HTTP_READ_TIMEOUT_MS,
      totalTimeoutMs: env.HTTP_TOTAL_TIMEOUT_MS,
      healthCheckIntervalMs: env.HEALTH_CHECK_INTERVAL_MS,
      circuitFailureRate: env.CIRCUIT_FAILURE_RATE_PERCENT / 100,
      circuitMinCalls: env.CIRCUIT_MIN_CALLS,
      circuitWindowMs: env.CIRCUIT_WINDOW_MS,
      circuitHalfOpenMs: env.CIRCUIT_HALF_OPEN_MS,
      retryBudgetRatio: env.RETRY_BUDGET_PERCENT / 100,
    },
  };
}

export function webhooksSection(env: Env, sources: Record<string, WebhookSourceConfig>): AppConfig['webhooks'] {
  return {
    maxBytes: env.WEBHOOK_MAX_BYTES,
    toleranceS: env.WEBHOOK_TOLERANCE_S,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    leaseMs: env.WEBHOOK_LEASE_MS,
    sweepIntervalMs: env.WEBHOOK_SWEEP_INTERVAL_MS,
    workerConcurrency: env.WEBHOOK_WORKER_CONCURRENCY,
    notifyEmail: env.WEBHOOK_NOTIFY_EMAIL,
    sources,
  };
}
