import { ConfigModule, ConfigService } from '@nestjs/config';
import type { HttpAdapterHost } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { Webhook } from 'standardwebhooks';
import { loadConfig, type AppConfig } from '../../config/app.config.js';
import { DEV_SECRETS } from '../../config/env.schema.js';
import { accessToken, basic, call, startReceiver } from '../../../test/support/sandbox-http.js';
import { waitFor } from '../../../test/support/wait.js';
import { SandboxModule } from './sandbox.module.js';
import { PAYMENT_WEBHOOK_PATH, SandboxService } from './sandbox.service.js';

async function compile(env: Record<string, string>, overrides?: Parameters<typeof SandboxModule.forRoot>[0]) {
  return Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...loadConfig(env) })] }),
      overrides ? SandboxModule.forRoot(overrides) : SandboxModule,
    ],
  }).compile();
}

describe('SandboxModule', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('starts the sandbox on SANDBOX_HOST:SANDBOX_PORT at bootstrap and stops it at shutdown', async () => {
    moduleRef = await compile({ NODE_ENV: 'development', SANDBOX_ENABLED: 'true', SANDBOX_PORT: '0' });
    const service = moduleRef.get(SandboxService);
    expect(service.url).toBeNull();
    await moduleRef.init();
    const url = service.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const base = url ?? '';
    expect((await call(base, 'GET', '/payment/a/health')).body).toEqual({ status: 'ok' });

    // it accepts exactly the credentials the integrations are configured with (the dev defaults here)
    const token = await accessToken(base, {
      payment: { clientId: 'sandbox-client', clientSecret: DEV_SECRETS.PAYMENT_SERVICE_CLIENT_SECRET },
      emailApiKey: '',
      sms: { username: '', password: '' },
      mapsApiKey: '',
    });
    expect(token).toMatch(/^sbx_/);
    const email = await call(base, 'POST', '/email/b/v1/messages', {
      headers: { 'x-api-key': DEV_SECRETS.EMAIL_SERVICE_API_KEY },
      json: { to: 'a@example.com', subject: 's', text: 't' },
    });
    expect(email.status).toBe(202);
    const sms = await call(base, 'POST', '/sms/a/v1/messages', {
      headers: { authorization: basic('sandbox', DEV_SECRETS.SMS_SERVICE_PASSWORD) },
      json: { to: '+819012345678', body: 'x' },
    });
    expect(sms.status).toBe(202);
    const maps = await call(base, 'GET', '/maps/a/v1/geocode?address=Tokyo%20Tower', {
      headers: { 'x-api-key': DEV_SECRETS.MAPS_SERVICE_API_KEY },
    });
    expect(maps.status).toBe(200);

    await moduleRef.close();
    moduleRef = undefined;
    expect(service.url).toBeNull();
    await expect(call(base, 'GET', '/payment/a/health')).rejects.toThrow();
  });

  it('does nothing when the sandbox is disabled', async () => {
    moduleRef = await compile({ NODE_ENV: 'test', SANDBOX_ENABLED: 'false' });
    await moduleRef.init();
    expect(moduleRef.get(SandboxService).url).toBeNull();
  });

  it('sends payment webhooks to http://127.0.0.1:{PORT}/api/v1/webhooks/payment-service with the configured secret', async () => {
    const verifier = new Webhook(DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS);
    const receiver = await startReceiver((req) => {
      try {
        verifier.verify(req.body, req.headers as Record<string, string>);
        return 200;
      } catch {
        return 401;
      }
    });
    try {
      moduleRef = await compile(
        { NODE_ENV: 'development', SANDBOX_PORT: '0', PORT: String(receiver.port) },
        { settleDelayMs: 10 },
      );
      await moduleRef.init();
      const service = moduleRef.get(SandboxService);
      const base = service.url ?? '';
      const token = await accessToken(base, {
        payment: { clientId: 'sandbox-client', clientSecret: DEV_SECRETS.PAYMENT_SERVICE_CLIENT_SECRET },
        emailApiKey: '',
        sms: { username: '', password: '' },
        mapsApiKey: '',
      });
      const res = await call(base, 'POST', '/payment/b/v1/payments', {
        headers: { authorization: `Bearer ${token}` },
        json: { amount: 1200, currency: 'JPY', reference: 'nest' },
      });
      expect(res.status).toBe(201);
      await waitFor(() => receiver.received.length === 1, { what: 'the receiver to get one webhook' });
      expect(receiver.received[0]).toMatchObject({ url: PAYMENT_WEBHOOK_PATH, answered: 200 });
      await waitFor(() => service.instance?.stats().webhooks.delivered === 1, { what: 'one webhook delivered' });
    } finally {
      await moduleRef?.close();
      moduleRef = undefined;
      await receiver.close();
    }
  });
});

describe('SandboxService (constructed by hand)', () => {
  const fakeConfig = (config: AppConfig) => new ConfigService<AppConfig, true>(config);

  it('never starts in production, even if asked to', async () => {
    const config = loadConfig({ NODE_ENV: 'development', SANDBOX_PORT: '0' });
    config.app.production = true; // loadConfig itself refuses SANDBOX_ENABLED in production
    const service = new SandboxService(fakeConfig(config));
    await service.onApplicationBootstrap();
    expect(service.url).toBeNull();
  });

  it('builds its options from the sandbox, integrations and webhooks configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      PAYMENT_SERVICE_CLIENT_ID: 'my-client',
      PAYMENT_SERVICE_SCOPE: 'payments payments:refund',
      EMAIL_SERVICE_API_KEY: 'ek',
      WEBHOOK_PAYMENT_SERVICE_SECRETS: 'whsec_bmV3LXNlY3JldA==,whsec_b2xkLXNlY3JldA==',
    });
    const adapterHost = {
      httpAdapter: { getHttpServer: () => ({ address: () => ({ address: '::', family: 'IPv6', port: 43210 }) }) },
    } as unknown as HttpAdapterHost;
    const options = new SandboxService(fakeConfig(config), adapterHost).options();
    expect(options.credentials.payment.clientId).toBe('my-client');
    expect(options.credentials.emailApiKey).toBe('ek');
    expect(options.scopes).toEqual(['payments', 'payments:refund']);
    expect(options.webhook?.secret).toBe('whsec_bmV3LXNlY3JldA==');
    const url = options.webhook?.url;
    // PORT=0: the port the application actually bound, read at delivery time
    expect(typeof url === 'function' ? url() : url).toBe('http://127.0.0.1:43210/api/v1/webhooks/payment-service');
  });

  it('fails start-up with a clear message when the port is taken', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const config = loadConfig({ NODE_ENV: 'development', SANDBOX_PORT: String(receiver.port) });
      const service = new SandboxService(fakeConfig(config));
      await expect(service.onApplicationBootstrap()).rejects.toThrow(/Sandbox could not listen on 127\.0\.0\.1:\d+/);
      expect(service.url).toBeNull();
    } finally {
      await receiver.close();
    }
  });
});
