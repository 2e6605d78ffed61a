import type { OAuth2TokenProvider, TokenSnapshot } from './oauth2-token-provider.js';

export type AuthKind = 'none' | 'api-key' | 'basic' | 'oauth2';

/** What /api/v1/integrations shows about credentials: never a secret. */
export interface AuthSnapshot {
  kind: AuthKind;
  token?: TokenSnapshot;
}

/**
 * Puts credentials on one attempt. `apply` returns an opaque note of what it sent (the access
 * token for OAuth 2.0) that `onUnauthorized` gets back when that attempt drew a 401.
 */
export interface AuthStrategy {
  readonly kind: AuthKind;
  apply(headers: Record<string, string>, signal: AbortSignal): Promise<string | undefined>;
  /** Resolves true when the call should start again once with fresh credentials. */
  onUnauthorized?(sent: string | undefined): Promise<boolean>;
  snapshot(): AuthSnapshot;
}

const done = Promise.resolve(undefined);

export class NoAuth implements AuthStrategy {
  readonly kind = 'none';
  apply(): Promise<string | undefined> {
    return done;
  }
  snapshot(): AuthSnapshot {
    return { kind: this.kind };
  }
}

/** `X-API-Key: <key>` (email and maps services). */
export class ApiKeyAuth implements AuthStrategy {
  readonly kind = 'api-key';
  constructor(
    private readonly apiKey: string,
    private readonly header = 'X-API-Key',
  ) {}
  apply(headers: Record<string, string>): Promise<string | undefined> {
    headers[this.header] = this.apiKey;
    return done;
  }
  snapshot(): AuthSnapshot {
    return { kind: this.kind };
  }
}

/** `Authorization: Basic` (SMS service); the header is built once. */
export class BasicAuth implements AuthStrategy {
  readonly kind = 'basic';
  private readonly header: string;
  constructor(username: string, password: string) {
    this.header = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }
  apply(headers: Record<string, string>): Promise<string | undefined> {
    headers.Authorization = this.header;
    return done;
  }
  snapshot(): AuthSnapshot {
    return { kind: this.kind };
  }
}

/** `Authorization: Bearer` from the client-credentials token provider (payment service). */
export class OAuth2ClientCredentialsAuth implements AuthStrategy {
  readonly kind = 'oauth2';
  constructor(readonly provider: OAuth2TokenProvider) {}

  async apply(headers: Record<string, string>, signal: AbortSignal): Promise<string | undefined> {
    const token = await this.provider.getToken(signal);
    headers.Authorization = `${token.tokenType} ${token.accessToken}`;
    return token.accessToken;
  }

  async onUnauthorized(sent: string | undefined): Promise<boolean> {
    if (sent !== undefined) await this.provider.invalidate(sent);
    return true;
  }

  snapshot(): AuthSnapshot {
    return { kind: this.kind, token: this.provider.snapshot() };
  }
}
