import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../../config/app.config.js';
import { DEV_SECRETS } from '../../config/env.schema.js';
import type { SandboxOptions } from './sandbox.options.js';
import { createSandboxServer, type SandboxServer } from './sandbox.server.js';

/** Optional overrides of the sandbox's timings (e.g. a short settle delay in e2e tests). */
export const SANDBOX_OVERRIDES = Symbol('SANDBOX_OVERRIDES');
export type SandboxOverrides = Partial<
  Pick<SandboxOptions, 'settleDelayMs' | 'tokenTtlS' | 'instances' | 'logger' | 'maxEntries'>
> & {
  webhook?: Partial<Pick<NonNullable<SandboxOptions['webhook']>, 'url' | 'maxAttempts' | 'retryBaseMs' | 'timeoutMs'>>;
};

export const PAYMENT_WEBHOOK_PATH = '/api/v1/webhooks/payment-service';

/**
 * Runs the sandbox (fake payment/email/SMS/maps services and their token endpoint) on
 * `SANDBOX_HOST:SANDBOX_PORT` while the application runs, when `config.sandbox.enabled`
 * (never in production). It accepts exactly the credentials the integrations are configured
 * with and sends payment webhooks to this application's receiver.
 */
@Injectable()
export class SandboxService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Sandbox');
  private server: SandboxServer | null = null;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional() @Inject(SANDBOX_OVERRIDES) private readonly overrides?: SandboxOverrides,
  ) {}

  /** Base URL while running, else `null`. */
  get url(): string | null {
    return this.server?.url ?? null;
  }

  /** The running server (stats, faults, inject), else `null`. */
  get instance(): SandboxServer | null {
    return this.server;
  }

  async onApplicationBootstrap(): Promise<void> {
    const sandbox = this.config.get('sandbox', { infer: true });
    const production = this.config.get('app.production', { infer: true });
    if (!sandbox.enabled) return;
    if (production) {
      this.logger.warn('SANDBOX_ENABLED is ignored in production');
      return;
    }
    const server = createSandboxServer(this.options());
    try {
      const url = await server.listen(sandbox.port, sandbox.host);
      this.server = server;
      this.logger.log(`Sandbox services listening on ${url} (payment, email, sms, maps; token at ${url}/oauth/token)`);
    } catch (err) {
      await server.close().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`Sandbox could not listen on ${sandbox.host}:${sandbox.port}: ${reason}`, { cause: err });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await server.close();
    this.logger.log('Sandbox services stopped');
  }

  /** Factory options from the configuration (and the optional overrides). */
  options(): SandboxOptions {
    const integrations = this.config.get('integrations', { infer: true });
    const o = this.overrides ?? {};
    return {
      credentials: {
        payment: { clientId: integrations.payment.clientId, clientSecret: integrations.payment.clientSecret },
        emailApiKey: integrations.email.apiKey,
        sms: { username: integrations.sms.username, password: integrations.sms.password },
        mapsApiKey: integrations.maps.apiKey,
      },
      scopes: integrations.payment.scope.split(' ').filter(Boolean),
      webhook: {
        url: o.webhook?.url ?? (() => this.defaultWebhookUrl()),
        secret: this.webhookSecret(),
        maxAttempts: o.webhook?.maxAttempts,
        retryBaseMs: o.webhook?.retryBaseMs,
        timeoutMs: o.webhook?.timeoutMs,
      },
      settleDelayMs: o.settleDelayMs,
      tokenTtlS: o.tokenTtlS,
      instances: o.instances,
      logger: o.logger,
      maxEntries: o.maxEntries,
    };
  }

  /** `http://127.0.0.1:{app.port}/api/v1/webhooks/payment-service`; port 0 → the port actually bound. */
  private defaultWebhookUrl(): string {
    let port = this.config.get('app.port', { infer: true });
    if (port === 0) port = this.boundPort() ?? port;
    return `http://127.0.0.1:${port}${PAYMENT_WEBHOOK_PATH}`;
  }

  private boundPort(): number | undefined {
    try {
      const server: unknown = this.adapterHost?.httpAdapter?.getHttpServer();
      if (typeof server !== 'object' || server === null || !('address' in server)) return undefined;
      const address: unknown = typeof server.address === 'function' ? server.address() : null;
      return typeof address === 'object' && address !== null ? (address as AddressInfo).port : undefined;
    } catch {
      return undefined;
    }
  }

  /** The first secret the receiver verifies `payment-service` webhooks with (Standard Webhooks). */
  private webhookSecret(): string {
    const source = this.config.get('webhooks', { infer: true }).sources['payment-service'];
    if (source?.scheme === 'standard' && source.secrets[0]?.startsWith('whsec_')) return source.secrets[0];
    if (source) {
      this.logger.warn(
        'the payment-service webhook source is not a standard whsec_ source; sandbox webhooks will fail verification',
      );
    }
    return DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS;
  }
}
