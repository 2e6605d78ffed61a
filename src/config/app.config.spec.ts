import { ConfigValidationError, loadConfig, maskSecrets } from './app.config.js';
import { DEV_SECRETS } from './env.schema.js';

/** The problems of a configuration that must not load (fails the test when it loads). */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    const e = error as ConfigValidationError;
    // The message a deployment sees lists every problem.
    for (const p of e.problems) expect(e.message).toContain(p);
    return e.problems;
  }
  throw new Error(`configuration loaded: ${JSON.stringify(env)}`);
}

const named = (problems: string[], variable: string) => problems.some((p) => p.startsWith(`${variable}:`));

const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_JWT_SECRET: 'a-real-production-jwt-secret-0123456789abcdef',
  AUTH_BOOTSTRAP_CLIENT_ID: 'prod-admin',
  AUTH_BOOTSTRAP_CLIENT_SECRET: 'a-real-production-client-secret',
};

describe('loadConfig', () => {
  describe('defaults (contract §5, §7)', () => {
    const config = loadConfig({});

    it('app', () => {
      expect(config.app).toMatchObject({
        env: 'development',
        production: false,
        port: 3000,
        logLevel: 'info',
        bodyLimitBytes: 1024 * 1024,
        server: { headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 72000 },
        rateLimitPerMinute: 1200,
        corsOrigins: [],
        trustProxy: [],
        docsEnabled: true,
        debugEnabled: true,
        metricsToken: '',
      });
    });

    it('storage: SQLite file, no Redis, cache TTL', () => {
      expect(config.database).toMatchObject({ type: 'better-sqlite3', url: '', sqlitePath: './data/app.sqlite' });
      expect(config.redis.url).toBe('');
      expect(config.cache.ttlMs).toBe(60000);
    });

    it('auth: the development values of .env.example', () => {
      expect(config.auth).toEqual({
        jwtSecret: DEV_SECRETS.AUTH_JWT_SECRET,
        tokenTtlS: 3600,
        bootstrapClientId: DEV_SECRETS.AUTH_BOOTSTRAP_CLIENT_ID,
        bootstrapClientSecret: DEV_SECRETS.AUTH_BOOTSTRAP_CLIENT_SECRET,
      });
    });

    it('outbound policy: retries 1 s base ×3, timeouts 5 s / 30 s / 60 s', () => {
      expect(config.integrations.policy).toMatchObject({
        retryBaseDelayMs: 1000,
        retryMax: 3,
        connectTimeoutMs: 5000,
        readTimeoutMs: 30000,
        totalTimeoutMs: 60000,
      });
    });

    it('integration breakers open at 50 % failures of at least 20 attempts in 10 s; retry budget 50 %', () => {
      expect(config.integrations.policy).toMatchObject({
        healthCheckIntervalMs: 5000,
        circuitFailureRate: 0.5,
        circuitMinCalls: 20,
        circuitWindowMs: 10000,
        circuitHalfOpenMs: 10000,
        retryBudgetRatio: 0.5,
      });
    });

    it('sandbox on outside production, two sandbox instances per service', () => {
      expect(config.sandbox).toMatchObject({ enabled: true, port: 4010 });
      expect(config.integrations.email.urls).toEqual([
        'http://127.0.0.1:4010/email/a',
        'http://127.0.0.1:4010/email/b',
      ]);
      expect(config.integrations.payment.tokenUrl).toBe('http://127.0.0.1:4010/oauth/token');
    });

    it('webhooks: 1 MiB, 300 s tolerance, the sandbox payment source', () => {
      expect(config.webhooks).toMatchObject({ maxBytes: 1024 * 1024, toleranceS: 300 });
      expect(config.webhooks.sources['payment-service']).toMatchObject({ scheme: 'standard' });
    });
  });

  describe('parsing', () => {
    it('postgres URL selects PostgreSQL; lists are trimmed; integers parsed', () => {
      const config = loadConfig({
        DATABASE_URL: 'postgres://app:pw@db:5432/app',
        CORS_ORIGINS: ' https://a.example , https://b.example ,',
        RATE_LIMIT_PER_MINUTE: '0',
        PORT: '8080',
        EMAIL_SERVICE_URLS: 'https://mail-1.example,https://mail-2.example',
      });
      expect(config.database.type).toBe('postgres');
      expect(config.app.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
      expect(config.app.rateLimitPerMinute).toBe(0);
      expect(config.app.port).toBe(8080);
      expect(config.integrations.email.urls).toEqual(['https://mail-1.example', 'https://mail-2.example']);
    });

    it('webhook sources: the path segment is the kebab case of {SOURCE}', () => {
      const config = loadConfig({
        WEBHOOK_GIT_HUB_SCHEME: 'github',
        WEBHOOK_GIT_HUB_SECRETS: 's1, s2',
        WEBHOOK_GIT_HUB_ALLOWED_IPS: '10.0.0.0/8,::1/128',
      });
      expect(config.webhooks.sources['git-hub']).toEqual({
        name: 'git-hub',
        scheme: 'github',
        secrets: ['s1', 's2'],
        allowedIps: ['10.0.0.0/8', '::1/128'],
      });
    });
  });

  describe('bad values are named in the error', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['RATE_LIMIT_PER_MINUTE', '-1'],
      ['RATE_LIMIT_PER_MINUTE', '1.5'],
      ['BODY_LIMIT_BYTES', '10'],
      ['SERVER_REQUEST_TIMEOUT_MS', '-1'],
      ['SERVER_KEEP_ALIVE_TIMEOUT_MS', '0'],
      // Longer than the default request timeout of 30 s: Node would refuse to start.
      ['SERVER_HEADERS_TIMEOUT_MS', '40000'],
      ['LOG_LEVEL', 'loud'],
      ['NODE_ENV', 'staging'],
      ['DATABASE_URL', 'mysql://db/app'],
      ['REDIS_URL', 'http://cache:6379'],
      ['AUTH_JWT_SECRET', 'too-short'],
      ['AUTH_BOOTSTRAP_CLIENT_SECRET', 'short'],
      ['AUTH_TOKEN_TTL_S', '5'],
      ['DOCS_ENABLED', 'maybe'],
      ['DEBUG_ENABLED', 'maybe'],
      ['PAYMENT_SERVICE_URLS', 'https://ok.example,not a url'],
      ['PAYMENT_SERVICE_TOKEN_URL', 'ftp://token.example'],
      ['RETRY_MAX', '11'],
      ['CIRCUIT_FAILURE_RATE_PERCENT', '100'],
      ['CIRCUIT_WINDOW_MS', '10'],
      ['RETRY_BUDGET_PERCENT', '-5'],
    ])('%s=%s', (variable, value) => {
      expect(named(problemsOf({ [variable]: value }), variable)).toBe(true);
    });

    it('every problem at once, not only the first', () => {
      const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      for (const v of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(named(problems, v)).toBe(true);
    });

    it('a webhook source with an unknown scheme, or without secrets', () => {
      expect(named(problemsOf({ WEBHOOK_ACME_SCHEME: 'hmac' }), 'WEBHOOK_ACME_SCHEME')).toBe(true);
      expect(named(problemsOf({ WEBHOOK_ACME_SCHEME: 'stripe' }), 'WEBHOOK_ACME_SECRETS')).toBe(true);
    });
  });

  describe('production', () => {
    it('loads with real secrets: no sandbox, no /debug, no sandbox URLs or webhook source', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.app.production).toBe(true);
      expect(config.sandbox.enabled).toBe(false);
      expect(config.app.debugEnabled).toBe(false);
      expect(config.integrations.payment.urls).toEqual([]);
      expect(config.integrations.payment.tokenUrl).toBe('');
      expect(config.webhooks.sources).toEqual({});
    });

    it('requires the AUTH_ values (the defaults are development values)', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      for (const v of ['AUTH_JWT_SECRET', 'AUTH_BOOTSTRAP_CLIENT_ID', 'AUTH_BOOTSTRAP_CLIENT_SECRET'])
        expect(named(problems, v)).toBe(true);
    });

    it.each(Object.keys(DEV_SECRETS) as (keyof typeof DEV_SECRETS)[])('refuses the development %s', (variable) => {
      const problems = problemsOf({ ...PRODUCTION, [variable]: DEV_SECRETS[variable] });
      expect(named(problems, variable)).toBe(true);
    });

    it('refuses the sandbox', () => {
      expect(named(problemsOf({ ...PRODUCTION, SANDBOX_ENABLED: 'true' }), 'SANDBOX_ENABLED')).toBe(true);
    });

    it('/debug can be enabled explicitly', () => {
      expect(loadConfig({ ...PRODUCTION, DEBUG_ENABLED: 'true' }).app.debugEnabled).toBe(true);
    });
  });
});

describe('maskSecrets', () => {
  it('masks credential-looking keys and URL passwords, keeps the rest', () => {
    expect(
      maskSecrets({
        auth: { jwtSecret: 'x', bootstrapClientId: 'admin', bootstrapClientSecret: 'y' },
        email: { apiKey: 'k', urls: ['https://mail.example'] },
        sms: { username: 'u', password: 'p' },
        webhooks: { secrets: ['a', 'b'] },
        database: { url: 'postgres://app:hunter2@db:5432/app' },
        app: { metricsToken: '', port: 3000 },
      }),
    ).toEqual({
      auth: { jwtSecret: '****', bootstrapClientId: 'admin', bootstrapClientSecret: '****' },
      email: { apiKey: '****', urls: ['https://mail.example'] },
      sms: { username: 'u', password: '****' },
      webhooks: { secrets: ['****', '****'] },
      database: { url: 'postgres://app:****@db:5432/app' },
      app: { metricsToken: '', port: 3000 },
    });
  });
});

describe('production credentials of configured services', () => {
  const base = {
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: 'a-real-production-secret-0123456789abcdef',
    AUTH_BOOTSTRAP_CLIENT_ID: 'prod-admin',
    AUTH_BOOTSTRAP_CLIENT_SECRET: 'a-real-bootstrap-secret-123',
    SANDBOX_ENABLED: 'false',
  };
  it('refuses a configured service whose secret falls back to the development default', () => {
    expect(() => loadConfig({ ...base, EMAIL_SERVICE_URLS: 'https://mail.example.com' })).toThrow(
      /EMAIL_SERVICE_API_KEY/,
    );
  });
  it('requires a token URL for a configured payment service (no sandbox supplies one)', () => {
    expect(() =>
      loadConfig({
        ...base,
        PAYMENT_SERVICE_URLS: 'https://pay.example.com',
        PAYMENT_SERVICE_CLIENT_SECRET: 'real-secret',
      }),
    ).toThrow(/PAYMENT_SERVICE_TOKEN_URL/);
  });
  it('accepts it once a real secret is set, and ignores unconfigured services', () => {
    const config = loadConfig({
      ...base,
      EMAIL_SERVICE_URLS: 'https://mail.example.com',
      EMAIL_SERVICE_API_KEY: 'real-key',
    });
    expect(config.integrations.email.apiKey).toBe('real-key');
  });
});
