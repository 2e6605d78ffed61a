import { createSandboxServer, type SandboxServer, type SandboxStats } from '../../src/modules/sandbox/index.js';
import type { SandboxOptions } from '../../src/modules/sandbox/sandbox.options.js';
import type { FaultSpec } from '../../src/modules/sandbox/faults.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { call, CREDENTIALS } from './sandbox-http.js';

/** Points every integration at the two instances (`a`, `b`) of a sandbox listening at `url`. */
export function sandboxEnv(url: string): Record<string, string> {
  const two = (service: string) => `${url}/${service}/a,${url}/${service}/b`;
  return {
    PAYMENT_SERVICE_URLS: two('payment'),
    PAYMENT_SERVICE_TOKEN_URL: `${url}/oauth/token`,
    PAYMENT_SERVICE_CLIENT_ID: CREDENTIALS.payment.clientId,
    PAYMENT_SERVICE_CLIENT_SECRET: CREDENTIALS.payment.clientSecret,
    PAYMENT_SERVICE_SCOPE: 'payments',
    EMAIL_SERVICE_URLS: two('email'),
    EMAIL_SERVICE_API_KEY: CREDENTIALS.emailApiKey,
    SMS_SERVICE_URLS: two('sms'),
    SMS_SERVICE_USERNAME: CREDENTIALS.sms.username,
    SMS_SERVICE_PASSWORD: CREDENTIALS.sms.password,
    MAPS_SERVICE_URLS: two('maps'),
    MAPS_SERVICE_API_KEY: CREDENTIALS.mapsApiKey,
    // The seed's 1 s, 2 s, 4 s schedule scaled down, so retries take milliseconds.
    RETRY_BASE_DELAY_MS: '5',
  };
}

export interface SandboxedApp {
  t: TestApp;
  sandbox: SandboxServer;
  /** The sandbox's base URL. */
  url: string;
  stats(): SandboxStats;
  /** `PUT /_faults/{target}` through the sandbox's fault API (`payment/a`, `token`, ...). */
  fault(target: string, spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  close(): Promise<void>;
}

/** The app and a sandbox on 127.0.0.1 (random port), wired together; both stop on close. */
export async function startWithSandbox(
  env: Record<string, string> = {},
  sandboxOptions: Partial<SandboxOptions> = {},
): Promise<SandboxedApp> {
  // Payments stay pending unless a suite asks for settlement: no timer outlives a test.
  const sandbox = createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: 600_000, ...sandboxOptions });
  const url = await sandbox.listen(0);
  let t: TestApp;
  try {
    t = await startTestApp({ ...sandboxEnv(url), ...env });
  } catch (e) {
    await sandbox.close();
    throw e;
  }
  return {
    t,
    sandbox,
    url,
    stats: () => sandbox.stats(),
    async fault(target, spec) {
      const res = await call(url, 'PUT', `/_faults/${target}`, { json: spec });
      if (res.status !== 200) throw new Error(`fault ${target} refused: ${res.status} ${res.text}`);
    },
    async clearFaults() {
      await call(url, 'DELETE', '/_faults');
    },
    async close() {
      try {
        await t.close();
      } finally {
        await sandbox.close();
      }
    },
  };
}

/** API calls an instance of a sandbox service received (health checks excluded). */
export function requestsTo(stats: SandboxStats, service: keyof SandboxStats['services'], instance?: string): number {
  const instances = stats.services[service];
  return Object.entries(instances)
    .filter(([name]) => instance === undefined || name === instance)
    .reduce((n, [, s]) => n + s.requests, 0);
}
