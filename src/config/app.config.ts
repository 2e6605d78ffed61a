import { existsSync } from 'node:fs';
import { DEV_SECRETS, envSchema, type Env } from './env.schema.js';

export type WebhookScheme = 'standard' | 'stripe' | 'github';

export interface WebhookSourceConfig {
  name: string;
  scheme: WebhookScheme;
  secrets: string[];
  allowedIps: string[];
}

export interface ExternalServiceConfig {
  name: string;
  urls: string[];
}

export interface AppConfig {
  app: {
    env: Env['NODE_ENV'];
    production: boolean;
    port: number;
    host: string;
    commit: string;
    buildTime: string;
    logLevel: Env['LOG_LEVEL'];
    bodyLimitBytes: number;
    /** Inbound HTTP timeouts (408 for a request not received in time). */
    server: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
    corsOrigins: string[];
    trustProxy: string[];
    docsEnabled: boolean;
    debugEnabled: boolean;
    metricsToken: string;
    shutdownDrainMs: number;
    rateLimitPerMinute: number;
  };
  database: {
    url: string;
    sqlitePath: string;
    poolSize: number;
    type: 'postgres' | 'better-sqlite3';
    /** PostgreSQL statement_timeout (lock waits included); 0 = none. */
    statementTimeoutMs: number;
    /** PostgreSQL: longest wait for a pooled connection. */
    acquireTimeoutMs: number;
    /** SQLite busy_timeout: longest wait for another writer's lock. */
    busyTimeoutMs: number;
    /** Pool waits and statements slower than this are logged (rate-limited). */
    slowWaitMs: number;
    /** PostgreSQL: size of the webhook receiver's own pool; 0 = it shares the main pool. */
    webhookPoolSize: number;
    /** SQLite: readiness fails below this much free disk space. */
    minFreeMb: number;
  };
  redis: { url: string; keyPrefix: string };
  cache: { ttlMs: number; timeoutMs: number };
  auth: { jwtSecret: string; tokenTtlS: number; bootstrapClientId: string; bootstrapClientSecret: string };
  sandbox: { enabled: boolean; port: number; host: string };
  integrations: {
    payment: ExternalServiceConfig & { tokenUrl: string; clientId: string; clientSecret: string; scope: string };
    email: ExternalServiceConfig & { apiKey: string };
    sms: ExternalServiceConfig & { username: string; password: string };
    maps: ExternalServiceConfig & { apiKey: string };
    policy: {
      retryBaseDelayMs: number;
      retryMax: number;
      connectTimeoutMs: number;
      readTimeoutMs: number;
      totalTimeoutMs: number;
      healthCheckIntervalMs: number;
      /** Failure rate (0-1) over `circuitWindowMs`, with at least `circuitMinCalls` calls, that opens a breaker. */
      circuitFailureRate: number;
      circuitMinCalls: number;
      circuitWindowMs: number;
      circuitHalfOpenMs: number;
      /** Retries allowed as a fraction of calls (sliding 10 s window). */
      retryBudgetRatio: number;
    };
  };
  webhooks: {
    maxBytes: number;
    toleranceS: number;
    maxAttempts: number;
    retryBaseMs: number;
    leaseMs: number;
    sweepIntervalMs: number;
    workerConcurrency: number;
    notifyEmail: string;
    sources: Record<string, WebhookSourceConfig>;
  };
  /** Pending payments older than `afterMs` are looked up at the payment service every `intervalMs` (0: off). */
  paymentReconcile: { afterMs: number; intervalMs: number };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const SCHEMES: WebhookScheme[] = ['standard', 'stripe', 'github'];

/** `WEBHOOK_{SOURCE}_SCHEME` etc.; `{SOURCE}` is the upper snake case of the path segment. */
function webhookSources(
  raw: Record<string, string | undefined>,
  problems: string[],
): Record<string, WebhookSourceConfig> {
  const sources: Record<string, WebhookSourceConfig> = {};
  for (const key of Object.keys(raw)) {
    const m = /^WEBHOOK_([A-Z0-9_]+)_SCHEME$/.exec(key);
    if (!m) continue;
    const upper = m[1];
    if (upper === 'INTERNAL') {
      problems.push(`${key}: the source name internal is reserved for the app's own follow-up events`);
      continue;
    }
    const scheme = raw[key] as WebhookScheme;
    if (!SCHEMES.includes(scheme)) {
      problems.push(`${key}: must be one of ${SCHEMES.join(', ')}`);
      continue;
    }
    const secrets = (raw[`WEBHOOK_${upper}_SECRETS`] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (secrets.length === 0) problems.push(`WEBHOOK_${upper}_SECRETS: at least one secret is required`);
    const allowedIps = (raw[`WEBHOOK_${upper}_ALLOWED_IPS`] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const name = upper.toLowerCase().replace(/_/g, '-');
    sources[name] = { name, scheme, secrets, allowedIps };
  }
  return sources;
}

/**
 * Reads and validates the environment once. Every problem is collected and reported by
 * variable name, so a bad deployment fails at start-up with one readable message.
 */
export function loadConfig(input: Record<string, string | undefined>): AppConfig {
  const raw: Record<string, string | undefined> = { ...input };
  const production = raw.NODE_ENV === 'production';
  // The payment service's webhooks come from the sandbox unless configured otherwise.
  if (!production && raw.WEBHOOK_PAYMENT_SERVICE_SCHEME === undefined) {
    raw.WEBHOOK_PAYMENT_SERVICE_SCHEME = 'standard';
    raw.WEBHOOK_PAYMENT_SERVICE_SECRETS ??= DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS;
    raw.WEBHOOK_PAYMENT_SERVICE_ALLOWED_IPS ??= '127.0.0.1/32,::1/128';
  }
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigValidationError(problems);
  }
  const env = parsed.data;
  const sandboxEnabled =
    env.SANDBOX_ENABLED === undefined || env.SANDBOX_ENABLED === ''
      ? !production
      : ['true', '1'].includes(env.SANDBOX_ENABLED);
  const debugEnabled =
    env.DEBUG_ENABLED === undefined || env.DEBUG_ENABLED === ''
      ? !production
      : ['true', '1'].includes(env.DEBUG_ENABLED);

  if (production) {
    // A service that is configured (its URLs set) must not fall back to a development credential.
    const serviceOf = (name: string) => /^(PAYMENT|EMAIL|SMS|MAPS)_SERVICE_/.exec(name)?.[1];
    for (const [name, devValue] of Object.entries(DEV_SECRETS)) {
      const value = raw[name];
      const service = serviceOf(name);
      const required = name.startsWith('AUTH_') || (service !== undefined && !!raw[`${service}_SERVICE_URLS`]);
      if (value === devValue || (required && !value)) {
        problems.push(`${name}: production refuses the development value; set a real secret`);
      }
    }
    if (sandboxEnabled) problems.push('SANDBOX_ENABLED: the sandbox never runs in production');
  }
  // Outside the sandbox nothing supplies a token endpoint for the payment service.
  if (env.PAYMENT_SERVICE_URLS.length > 0 && !env.PAYMENT_SERVICE_TOKEN_URL && !sandboxEnabled) {
    problems.push(
      'PAYMENT_SERVICE_TOKEN_URL: required when PAYMENT_SERVICE_URLS is set (OAuth 2.0 client credentials)',
    );
  }
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (env.SERVER_REQUEST_TIMEOUT_MS > 0 && env.SERVER_HEADERS_TIMEOUT_MS > env.SERVER_REQUEST_TIMEOUT_MS) {
    problems.push('SERVER_HEADERS_TIMEOUT_MS: must not exceed SERVER_REQUEST_TIMEOUT_MS');
  }
  const sources = webhookSources(raw, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const sandboxBase = `http://${env.SANDBOX_HOST}:${env.SANDBOX_PORT}`;
  // With the sandbox on, each service defaults to two sandbox instances so failover is visible.
  const defaults = (svc: string) => (sandboxEnabled ? [`${sandboxBase}/${svc}/a`, `${sandboxBase}/${svc}/b`] : []);
  const urls = (given: string[], svc: string) => (given.length > 0 ? given : defaults(svc));

  return {
    app: {
      env: env.NODE_ENV,
      production,
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
      debugEnabled,
      metricsToken: env.METRICS_TOKEN,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    },
    database: {
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
    },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    cache: { ttlMs: env.CACHE_TTL_MS, timeoutMs: env.CACHE_TIMEOUT_MS },
    auth: {
      jwtSecret: env.AUTH_JWT_SECRET,
      tokenTtlS: env.AUTH_TOKEN_TTL_S,
      bootstrapClientId: env.AUTH_BOOTSTRAP_CLIENT_ID,
      bootstrapClientSecret: env.AUTH_BOOTSTRAP_CLIENT_SECRET,
    },
    sandbox: { enabled: sandboxEnabled, port: env.SANDBOX_PORT, host: env.SANDBOX_HOST },
    integrations: {
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
    },
    webhooks: {
      maxBytes: env.WEBHOOK_MAX_BYTES,
      toleranceS: env.WEBHOOK_TOLERANCE_S,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      leaseMs: env.WEBHOOK_LEASE_MS,
      sweepIntervalMs: env.WEBHOOK_SWEEP_INTERVAL_MS,
      workerConcurrency: env.WEBHOOK_WORKER_CONCURRENCY,
      notifyEmail: env.WEBHOOK_NOTIFY_EMAIL,
      sources,
    },
    paymentReconcile: { afterMs: env.PAYMENT_RECONCILE_AFTER_MS, intervalMs: env.PAYMENT_RECONCILE_INTERVAL_MS },
  };
}

/** The process environment, with `.env` read first when present (never overriding real env). */
export function processEnv(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** Masks every value whose key looks like a credential, for /debug and logs. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (/secret|password|token|apikey|api_key|key$|secrets/i.test(key) && value !== '' && value !== undefined) {
    return Array.isArray(value) ? value.map(() => '****') : '****';
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  if (typeof value === 'string' && /^[a-z]+:\/\/[^/]*:[^@/]*@/i.test(value))
    return value.replace(/:\/\/([^:/]*):[^@/]*@/, '://$1:****@');
  return value;
}
