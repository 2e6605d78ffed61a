/** The fake external services and their instances (contract §5). */
export const SANDBOX_SERVICES = ['payment', 'email', 'sms', 'maps'] as const;
export type SandboxServiceName = (typeof SANDBOX_SERVICES)[number];

export interface SandboxCredentials {
  /** OAuth 2.0 client the token endpoint accepts (Basic or form fields). */
  payment: { clientId: string; clientSecret: string };
  /** `X-API-Key` the email service expects. */
  emailApiKey: string;
  /** HTTP Basic credentials the SMS service expects. */
  sms: { username: string; password: string };
  /** `X-API-Key` the maps service expects. */
  mapsApiKey: string;
}

export interface SandboxWebhookOptions {
  /** Where `payment.succeeded` / `payment.failed` events are POSTed; a function is read at delivery time. */
  url: string | (() => string);
  /** Standard Webhooks secret, `whsec_<base64>`. */
  secret: string;
  /** Attempts per event, first one included (default 5). */
  maxAttempts?: number;
  /** Backoff before retry n is `retryBaseMs * 2^(n-1)` (default 1000: 1 s, 2 s, 4 s, 8 s). */
  retryBaseMs?: number;
  /** Per-attempt timeout (default 5000). */
  timeoutMs?: number;
}

export interface SandboxOptions {
  credentials: SandboxCredentials;
  /** Webhook delivery for settled payments; omitted: payments still settle, nothing is sent. */
  webhook?: SandboxWebhookOptions;
  /** Delay between creating a payment and settling it (default 1000 ms). */
  settleDelayMs?: number;
  /** `expires_in` of issued access tokens (default 3600 s). */
  tokenTtlS?: number;
  /** Scopes a client may ask for; a token request without `scope` gets all of them (default `['payments']`). */
  scopes?: string[];
  /** Instance names per service, served under `/{service}/{instance}` (default `['a', 'b']`). */
  instances?: string[];
  /** Clock in ms for token expiry (default `Date.now`); webhook timestamps always use real time. */
  now?: () => number;
  /** Fastify logger switch (default false). */
  logger?: boolean;
  /** Bound on every in-memory collection: payments, idempotency keys, tokens (default 10 000). */
  maxEntries?: number;
}

export interface ResolvedSandboxOptions {
  credentials: SandboxCredentials;
  webhook: Required<SandboxWebhookOptions> | null;
  settleDelayMs: number;
  tokenTtlS: number;
  scopes: string[];
  instances: string[];
  now: () => number;
  logger: boolean;
  maxEntries: number;
}

const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const instances = options.instances ?? ['a', 'b'];
  if (instances.length === 0 || instances.some((i) => !INSTANCE_NAME.test(i))) {
    throw new Error(`sandbox: instance names must match ${INSTANCE_NAME} (got ${JSON.stringify(instances)})`);
  }
  const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) throw new Error(`sandbox: ${name} must be a non-negative number`);
    return v;
  };
  let webhook: ResolvedSandboxOptions['webhook'] = null;
  if (options.webhook) {
    const maxAttempts = nonNegative('webhook.maxAttempts', options.webhook.maxAttempts, 5);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new Error('sandbox: webhook.maxAttempts must be an integer >= 1');
    }
    webhook = {
      url: options.webhook.url,
      secret: options.webhook.secret,
      maxAttempts,
      retryBaseMs: nonNegative('webhook.retryBaseMs', options.webhook.retryBaseMs, 1000),
      timeoutMs: nonNegative('webhook.timeoutMs', options.webhook.timeoutMs, 5000),
    };
  }
  const tokenTtlS = nonNegative('tokenTtlS', options.tokenTtlS, 3600);
  if (!Number.isInteger(tokenTtlS) || tokenTtlS < 1) throw new Error('sandbox: tokenTtlS must be an integer >= 1');
  const maxEntries = nonNegative('maxEntries', options.maxEntries, 10_000);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('sandbox: maxEntries must be an integer >= 1');
  return {
    credentials: options.credentials,
    webhook,
    settleDelayMs: nonNegative('settleDelayMs', options.settleDelayMs, 1000),
    tokenTtlS,
    scopes: options.scopes && options.scopes.length > 0 ? [...new Set(options.scopes)] : ['payments'],
    instances: [...new Set(instances)],
    now: options.now ?? Date.now,
    logger: options.logger ?? false,
    maxEntries,
  };
}
