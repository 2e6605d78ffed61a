import { z } from 'zod';

/** Development secrets shipped in `.env.example`; production refuses to start with any of them. */
export const DEV_SECRETS = {
  AUTH_JWT_SECRET: 'dev-only-jwt-secret-change-me-0123456789abcdef',
  AUTH_BOOTSTRAP_CLIENT_ID: 'bootstrap',
  AUTH_BOOTSTRAP_CLIENT_SECRET: 'dev-only-bootstrap-secret',
  PAYMENT_SERVICE_CLIENT_SECRET: 'sandbox-payment-secret',
  EMAIL_SERVICE_API_KEY: 'sandbox-email-key',
  SMS_SERVICE_PASSWORD: 'sandbox-sms-password',
  MAPS_SERVICE_API_KEY: 'sandbox-maps-key',
  WEBHOOK_PAYMENT_SERVICE_SECRETS: 'whsec_c2FuZGJveC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5',
} as const;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer between ${min} and ${max}` });
        return z.NEVER;
      }
      return n;
    });

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

const urlList = list.refine(
  (items) =>
    items.every((v) => {
      try {
        return ['http:', 'https:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }),
  'must be a comma-separated list of http(s) URLs',
);

const str = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v));

/** The one schema of every environment variable the service reads (contract §5 and §7). */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).optional().default('development'),
  PORT: int(3000, 0, 65535),
  HOST: str('0.0.0.0'),
  APP_COMMIT: str('unknown'),
  APP_BUILD_TIME: str(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  DATABASE_URL: z
    .string()
    .optional()
    .default('')
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'must be empty (SQLite) or a postgres:// URL'),
  SQLITE_PATH: str('./data/app.sqlite'),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  // Bounds on waiting for the database (each exceeded wait answers 503 + Retry-After); 0 = no statement timeout.
  DATABASE_STATEMENT_TIMEOUT_MS: int(5000, 0, 600000),
  DATABASE_ACQUIRE_TIMEOUT_MS: int(2000, 1, 600000),
  DATABASE_BUSY_TIMEOUT_MS: int(5000, 0, 600000),
  DATABASE_SLOW_WAIT_MS: int(250, 1, 600000),
  // PostgreSQL: connections kept for the webhook receiver's inserts alone; 0 = share the main pool.
  DATABASE_WEBHOOK_POOL_SIZE: int(5, 0, 50),
  // SQLite: readiness fails when the database's file system has less free space than this.
  DATABASE_MIN_FREE_MB: int(64, 0, 1048576),
  REDIS_URL: z
    .string()
    .optional()
    .default('')
    .refine((v) => v === '' || /^rediss?:\/\//.test(v), 'must be empty or a redis:// URL'),
  REDIS_KEY_PREFIX: str('nig:'),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional().default(DEV_SECRETS.AUTH_JWT_SECRET),
  AUTH_TOKEN_TTL_S: int(3600, 60, 86400),
  AUTH_BOOTSTRAP_CLIENT_ID: str(DEV_SECRETS.AUTH_BOOTSTRAP_CLIENT_ID),
  AUTH_BOOTSTRAP_CLIENT_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .default(DEV_SECRETS.AUTH_BOOTSTRAP_CLIENT_SECRET),
  RATE_LIMIT_PER_MINUTE: int(1200, 0),
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024),
  // Inbound HTTP: a client has this long for its headers, and for its whole request (body included);
  // an idle keep-alive connection is closed after the last. 0 turns one off (not for production).
  SERVER_HEADERS_TIMEOUT_MS: int(10000, 0, 600000),
  SERVER_REQUEST_TIMEOUT_MS: int(30000, 0, 3600000),
  SERVER_KEEP_ALIVE_TIMEOUT_MS: int(72000, 1, 600000),
  CORS_ORIGINS: list,
  TRUST_PROXY: list,
  METRICS_TOKEN: str(''),
  DOCS_ENABLED: bool(true),
  DEBUG_ENABLED: z.enum(['true', 'false', '1', '0', '']).optional(),
  SHUTDOWN_DRAIN_MS: int(5000, 0, 120000),
  CACHE_TTL_MS: int(60000, 0),
  // A shared-cache (Redis) call slower than this reads through to the source instead.
  CACHE_TIMEOUT_MS: int(100, 1, 10000),
  SANDBOX_ENABLED: z.enum(['true', 'false', '1', '0', '']).optional(),
  SANDBOX_PORT: int(4010, 0, 65535),
  SANDBOX_HOST: str('127.0.0.1'),
  // Integrations (contract §5)
  PAYMENT_SERVICE_URLS: urlList,
  PAYMENT_SERVICE_TOKEN_URL: z
    .union([z.literal(''), url(['http:', 'https:'])])
    .optional()
    .default(''),
  PAYMENT_SERVICE_CLIENT_ID: str('sandbox-client'),
  PAYMENT_SERVICE_CLIENT_SECRET: str(DEV_SECRETS.PAYMENT_SERVICE_CLIENT_SECRET),
  PAYMENT_SERVICE_SCOPE: str('payments'),
  EMAIL_SERVICE_URLS: urlList,
  EMAIL_SERVICE_API_KEY: str(DEV_SECRETS.EMAIL_SERVICE_API_KEY),
  SMS_SERVICE_URLS: urlList,
  SMS_SERVICE_USERNAME: str('sandbox'),
  SMS_SERVICE_PASSWORD: str(DEV_SECRETS.SMS_SERVICE_PASSWORD),
  MAPS_SERVICE_URLS: urlList,
  MAPS_SERVICE_API_KEY: str(DEV_SECRETS.MAPS_SERVICE_API_KEY),
  RETRY_BASE_DELAY_MS: int(1000, 0),
  RETRY_MAX: int(3, 0, 10),
  HTTP_CONNECT_TIMEOUT_MS: int(5000, 1),
  HTTP_READ_TIMEOUT_MS: int(30000, 1),
  HTTP_TOTAL_TIMEOUT_MS: int(60000, 1),
  HEALTH_CHECK_INTERVAL_MS: int(5000, 100),
  // Circuit breakers of the integrations (per instance and per service): open when more than
  // CIRCUIT_FAILURE_RATE_PERCENT of at least CIRCUIT_MIN_CALLS calls in CIRCUIT_WINDOW_MS failed.
  CIRCUIT_FAILURE_RATE_PERCENT: int(50, 1, 99),
  CIRCUIT_MIN_CALLS: int(20, 1, 100000),
  CIRCUIT_WINDOW_MS: int(10000, 1000, 600000),
  CIRCUIT_HALF_OPEN_MS: int(10000, 100, 600000),
  // Retries allowed per 10 s window, as a percentage of calls (plus a floor of 3 per second).
  RETRY_BUDGET_PERCENT: int(50, 0, 1000),
  // Webhooks (contract §6); per-source variables are read by webhookSources()
  WEBHOOK_MAX_BYTES: int(1024 * 1024, 1),
  WEBHOOK_TOLERANCE_S: int(300, 1),
  WEBHOOK_MAX_ATTEMPTS: int(5, 1, 50),
  WEBHOOK_RETRY_BASE_MS: int(1000, 0),
  WEBHOOK_LEASE_MS: int(15000, 100),
  WEBHOOK_SWEEP_INTERVAL_MS: int(5000, 50),
  // Events processed at once by this instance; 0 = receive and store only (workers run elsewhere).
  WEBHOOK_WORKER_CONCURRENCY: int(4, 0, 256),
  WEBHOOK_NOTIFY_EMAIL: str(''),
  // Payments still pending this long are looked up at the payment service (their webhook may be lost),
  // every PAYMENT_RECONCILE_INTERVAL_MS (0: only when triggered).
  PAYMENT_RECONCILE_AFTER_MS: int(10 * 60 * 1000, 0),
  PAYMENT_RECONCILE_INTERVAL_MS: int(60 * 1000, 0),
});

export type Env = z.infer<typeof envSchema>;
