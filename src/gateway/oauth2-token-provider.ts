import type { AxiosInstance } from 'axios';
import type { Registry } from 'prom-client';
import { abortable } from './abortable.js';
import { GatewayMetrics, type ServiceMetrics } from './gateway-metrics.js';
import { directRequestConfig, type KeepAliveAgents } from './keep-alive-agent.js';
import { AttemptError, classifyError } from './upstream-errors.js';

/** What is cached per service; `refreshAt` is when callers stop using it (before `expiresAt`). */
export interface StoredToken {
  accessToken: string;
  tokenType: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms. */
  refreshAt: number;
}

/**
 * Where tokens live. The in-memory store serves one process; a Redis store (SET PX, a Lua
 * compare-and-delete, a SET NX lock) can replace it to share tokens across instances.
 */
export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): Promise<void>;
  /** Deletes the token only if it is still `accessToken` (a newer one must survive a stale 401). */
  deleteIf(key: string, accessToken: string): Promise<boolean>;
  /** Runs `fn` holding the key's lock, so only one holder fetches a token at a time. */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly tails = new Map<string, Promise<unknown>>();

  get(key: string): Promise<StoredToken | undefined> {
    return Promise.resolve(this.tokens.get(key));
  }

  set(key: string, token: StoredToken): Promise<void> {
    this.tokens.set(key, token);
    return Promise.resolve();
  }

  deleteIf(key: string, accessToken: string): Promise<boolean> {
    const current = this.tokens.get(key);
    if (current?.accessToken !== accessToken) return Promise.resolve(false);
    this.tokens.delete(key);
    return Promise.resolve(true);
  }

  /** A promise chain per key is all an in-process lock needs; no mutex library for that. */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}

export interface OAuth2ClientCredentialsOptions {
  /** Integration name; the token cache key and the `integration` of errors. */
  service: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; omitted from the request when empty. */
  scope?: string;
  http: AxiosInstance;
  /** Share the gateway's keep-alive agents (connect timeout included). */
  agents?: KeepAliveAgents;
  /** Bound on one token request (it is shared by every waiting call). */
  timeoutMs?: number;
  /** RFC 6749 §2.3.1: HTTP Basic (default, and what every server must accept) or form fields. */
  clientAuth?: 'basic' | 'body';
  /** Lifetime to assume when the server sends no `expires_in`. */
  defaultExpiresInS?: number;
  store?: TokenStore;
  now?: () => number;
  /** Counts token requests in `integration_token_fetches_total`. */
  registry?: Registry;
  /** Told about each token request (never the token or the secret). */
  logger?: {
    info(obj: Record<string, unknown>, msg: string): void;
    warn(obj: Record<string, unknown>, msg: string): void;
  };
}

export interface TokenSnapshot {
  hasToken: boolean;
  expiresAt: string | null;
  refreshAt: string | null;
  fetchCount: number;
  lastFetchAt: string | null;
  lastError: string | null;
}

interface TokenResponseBody {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
}

/** Refresh margin: 10 % of the lifetime, at most 60 s. */
export const refreshMarginMs = (lifetimeMs: number): number => Math.min(60_000, lifetimeMs * 0.1);

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) with a cached token: one token request at a
 * time per service however many calls wait, refreshed shortly before it expires.
 */
export class OAuth2TokenProvider {
  private readonly store: TokenStore;
  private readonly now: () => number;
  private readonly key: string;
  private readonly authorization: string | undefined;
  private readonly metrics: ServiceMetrics | undefined;
  private inflight: Promise<StoredToken> | undefined;
  private last: StoredToken | undefined;
  private fetchCount = 0;
  private lastFetchAt = 0;
  private lastError: string | null = null;

  constructor(private readonly options: OAuth2ClientCredentialsOptions) {
    this.store = options.store ?? new InMemoryTokenStore();
    this.now = options.now ?? Date.now;
    this.key = `oauth2:${options.service}:${options.clientId}`;
    this.metrics = options.registry ? GatewayMetrics.for(options.registry).forService(options.service) : undefined;
    this.authorization =
      (options.clientAuth ?? 'basic') === 'basic'
        ? `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`
        : undefined;
  }

  /** A token valid for a while yet; waits for the one shared fetch when there is none. */
  async getToken(signal?: AbortSignal): Promise<StoredToken> {
    const local = this.last;
    if (local && local.refreshAt > this.now()) return local;
    const cached = await this.store.get(this.key);
    if (cached && cached.refreshAt > this.now()) {
      this.last = cached;
      return cached;
    }
    this.inflight ??= this.store
      .lock(this.key, () => this.fetchUnlessFresh())
      .finally(() => {
        this.inflight = undefined;
      });
    return signal ? abortable(this.inflight, signal) : this.inflight;
  }

  /** Forgets `accessToken` if it is still the current one; a newer token is kept. */
  async invalidate(accessToken: string): Promise<boolean> {
    if (this.last?.accessToken === accessToken) this.last = undefined;
    return this.store.deleteIf(this.key, accessToken);
  }

  snapshot(): TokenSnapshot {
    const t = this.last && this.last.expiresAt > this.now() ? this.last : undefined;
    return {
      hasToken: t !== undefined,
      expiresAt: t ? new Date(t.expiresAt).toISOString() : null,
      refreshAt: t ? new Date(t.refreshAt).toISOString() : null,
      fetchCount: this.fetchCount,
      lastFetchAt: this.lastFetchAt ? new Date(this.lastFetchAt).toISOString() : null,
      lastError: this.lastError,
    };
  }

  /** Inside the lock: another holder (maybe another process) may have fetched meanwhile. */
  private async fetchUnlessFresh(): Promise<StoredToken> {
    const cached = await this.store.get(this.key);
    if (cached && cached.refreshAt > this.now()) {
      this.last = cached;
      return cached;
    }
    const token = await this.fetch();
    await this.store.set(this.key, token);
    this.last = token;
    return token;
  }

  private async fetch(): Promise<StoredToken> {
    const o = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (o.scope) form.set('scope', o.scope);
    if (!this.authorization) {
      form.set('client_id', o.clientId);
      form.set('client_secret', o.clientSecret);
    }
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (this.authorization) headers.Authorization = this.authorization;
    const started = this.now();
    this.fetchCount++;
    this.lastFetchAt = started;
    const timeoutMs = o.timeoutMs ?? 10_000;
    try {
      const res = await o.http.request<TokenResponseBody>({
        ...directRequestConfig(o.agents),
        method: 'POST',
        url: o.tokenUrl,
        data: form.toString(),
        headers,
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const token = this.parse(res.status, res.data, started);
      this.lastError = null;
      this.metrics?.tokenFetch('success');
      o.logger?.info(
        { integration: o.service, latencyMs: this.now() - started, expiresAt: new Date(token.expiresAt).toISOString() },
        'oauth2 token fetched',
      );
      return token;
    } catch (e) {
      const err =
        e instanceof AttemptError
          ? e
          : new AttemptError('token-unavailable', `token request failed: ${classifyError(e).message}`, { cause: e });
      this.lastError = err.message;
      this.metrics?.tokenFetch('failure');
      o.logger?.warn(
        { integration: o.service, latencyMs: this.now() - started, outcome: err.outcome, status: err.status },
        'oauth2 token request failed',
      );
      throw err;
    }
  }

  private parse(status: number, body: unknown, started: number): StoredToken {
    if (status >= 500 || status === 429) {
      throw new AttemptError('token-unavailable', `token endpoint answered HTTP ${status}`, { status, body });
    }
    if (status < 200 || status >= 300) {
      // 400 invalid_client / unauthorized_client etc.: retrying cannot help, the configuration is wrong.
      throw new AttemptError('token-rejected', `token endpoint answered HTTP ${status}`, { status, body });
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as TokenResponseBody;
    if (typeof b.access_token !== 'string' || b.access_token === '') {
      throw new AttemptError('token-rejected', 'token response has no access_token', { status });
    }
    const tokenType = typeof b.token_type === 'string' ? b.token_type : 'Bearer';
    if (tokenType.toLowerCase() !== 'bearer') {
      throw new AttemptError('token-rejected', `unsupported token_type ${tokenType}`, { status });
    }
    const expiresIn = Number(b.expires_in ?? this.options.defaultExpiresInS ?? 300);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new AttemptError('token-rejected', 'token response has an invalid expires_in', { status });
    }
    const lifetimeMs = expiresIn * 1000;
    // Counted from when we asked, so the time the answer took is not credited to the token.
    const expiresAt = started + lifetimeMs;
    return {
      accessToken: b.access_token,
      tokenType: 'Bearer',
      expiresAt,
      refreshAt: expiresAt - refreshMarginMs(lifetimeMs),
    };
  }
}
