import { existsSync } from 'node:fs';
import type { AppConfig } from './app-config.types.js';
import { appSection, databaseSection, integrationsSection, webhooksSection, type Switches } from './config-sections.js';
import { DEV_SECRETS, envSchema, type Env } from './env.schema.js';
import { webhookSources } from './webhook-sources.js';

export type { AppConfig, ExternalServiceConfig, WebhookScheme, WebhookSourceConfig } from './app-config.types.js';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads and validates the environment once. Every problem is collected and reported by
 * variable name, so a bad deployment fails at start-up with one readable message.
 */
export function loadConfig(input: Record<string, string | undefined>): AppConfig {
  const raw = withDevelopmentDefaults(input);
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigValidationError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  const production = raw.NODE_ENV === 'production';
  const switches: Switches = {
    production,
    sandboxEnabled: flag(env.SANDBOX_ENABLED, !production),
    debugEnabled: flag(env.DEBUG_ENABLED, !production),
  };
  const problems = crossChecks(raw, env, switches);
  const sources = webhookSources(raw, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);

  return {
    app: appSection(env, switches),
    database: databaseSection(env),
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    cache: { ttlMs: env.CACHE_TTL_MS, timeoutMs: env.CACHE_TIMEOUT_MS },
    auth: {
      jwtSecret: env.AUTH_JWT_SECRET,
      tokenTtlS: env.AUTH_TOKEN_TTL_S,
      bootstrapClientId: env.AUTH_BOOTSTRAP_CLIENT_ID,
      bootstrapClientSecret: env.AUTH_BOOTSTRAP_CLIENT_SECRET,
    },
    sandbox: { enabled: switches.sandboxEnabled, port: env.SANDBOX_PORT, host: env.SANDBOX_HOST },
    integrations: integrationsSection(env, switches.sandboxEnabled),
    webhooks: webhooksSection(env, sources),
    paymentReconcile: { afterMs: env.PAYMENT_RECONCILE_AFTER_MS, intervalMs: env.PAYMENT_RECONCILE_INTERVAL_MS },
  };
}

/** The payment service's webhooks come from the sandbox unless configured otherwise (outside production). */
function withDevelopmentDefaults(input: Record<string, string | undefined>): Record<string, string | undefined> {
  const raw: Record<string, string | undefined> = { ...input };
  if (raw.NODE_ENV !== 'production' && raw.WEBHOOK_PAYMENT_SERVICE_SCHEME === undefined) {
    raw.WEBHOOK_PAYMENT_SERVICE_SCHEME = 'standard';
    raw.WEBHOOK_PAYMENT_SERVICE_SECRETS ??= DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS;
    raw.WEBHOOK_PAYMENT_SERVICE_ALLOWED_IPS ??= '127.0.0.1/32,::1/128';
  }
  return raw;
}

/** A boolean switch: unset or empty takes the default, otherwise `true` or `1` turns it on. */
function flag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined || value === '' ? fallback : ['true', '1'].includes(value);
}

/** Rules across variables that the schema, which checks one variable at a time, cannot state. */
function crossChecks(raw: Record<string, string | undefined>, env: Env, switches: Switches): string[] {
  const problems: string[] = [];
  if (switches.production) {
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
    if (switches.sandboxEnabled) problems.push('SANDBOX_ENABLED: the sandbox never runs in production');
  }
  // Outside the sandbox nothing supplies a token endpoint for the payment service.
  if (env.PAYMENT_SERVICE_URLS.length > 0 && !env.PAYMENT_SERVICE_TOKEN_URL && !switches.sandboxEnabled) {
    problems.push(
      'PAYMENT_SERVICE_TOKEN_URL: required when PAYMENT_SERVICE_URLS is set (OAuth 2.0 client credentials)',
    );
  }
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (env.SERVER_REQUEST_TIMEOUT_MS > 0 && env.SERVER_HEADERS_TIMEOUT_MS > env.SERVER_REQUEST_TIMEOUT_MS) {
    problems.push('SERVER_HEADERS_TIMEOUT_MS: must not exceed SERVER_REQUEST_TIMEOUT_MS');
  }
  return problems;
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
