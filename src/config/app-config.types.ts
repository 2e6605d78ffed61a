import type { GatewayPolicy } from '../gateway/gateway-types.js';
import type { Env } from './env.schema.js';

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

/** The validated configuration, in typed namespaces (loadConfig builds it from the environment). */
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
    /** The gateway's own policy (passed to it as is), plus the breakers' and the retry budget's settings. */
    policy: Required<Omit<GatewayPolicy, 'jitter'>> & {
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
