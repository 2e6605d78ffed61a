import axios from 'axios';
import { loadConfig } from '../../config/app.config.js';
import { breakerOptions, createKeepAliveAgents, gatewayPolicy, InMemoryTokenStore } from '../../gateway/index.js';
// The integrations the app declares: each feature module registers its own on import.
import '../geocode/index.js';
import '../messages/index.js';
import '../payments/index.js';
import { INTEGRATION_NAMES } from './integration-catalog.js';
import { createGateways } from './integration-gateways.js';

const base = { NODE_ENV: 'test', SANDBOX_ENABLED: 'false' };

describe('gateways from the configuration', () => {
  const agents = createKeepAliveAgents({ connectTimeoutMs: 1000 });
  const http = Object.fromEntries(INTEGRATION_NAMES.map((n) => [n, axios.create()])) as Parameters<
    typeof createGateways
  >[1]['http'];
  afterAll(() => {
    agents.httpAgent.destroy();
    agents.httpsAgent.destroy();
  });

  it('one gateway per service with URLs, each with its auth kind; none for the others', () => {
    const { integrations } = loadConfig({
      ...base,
      PAYMENT_SERVICE_URLS: 'http://pay-1.test,http://pay-2.test',
      PAYMENT_SERVICE_TOKEN_URL: 'http://auth.test/token',
      EMAIL_SERVICE_URLS: 'http://mail.test',
      SMS_SERVICE_URLS: 'http://sms.test',
    });
    const gateways = createGateways(integrations, { http, agents, tokenStore: new InMemoryTokenStore() });
    try {
      expect([...gateways.keys()]).toEqual(['payment', 'email', 'sms']);
      expect(gateways.get('payment')?.snapshot()).toMatchObject({
        auth: { kind: 'oauth2', token: { hasToken: false, fetchCount: 0 } },
        instances: [{ url: 'http://pay-1.test' }, { url: 'http://pay-2.test' }],
      });
      expect(gateways.get('email')?.snapshot().auth).toEqual({ kind: 'api-key' });
      expect(gateways.get('sms')?.snapshot().auth).toEqual({ kind: 'basic' });
    } finally {
      for (const g of gateways.values()) g.close();
    }
  });

  it('breakers on the failure rate: 50 % of at least 20 attempts in 10 s, for instances and the service', () => {
    const { policy } = loadConfig(base).integrations;
    const breakers = breakerOptions(policy);
    expect(breakers.instance).toEqual({
      sampling: { threshold: 0.5, durationMs: 10_000, minimumRps: 2 },
      halfOpenAfterMs: 10_000,
    });
    expect(breakers.service).toEqual(breakers.instance);
  });

  it('the retry schedule and timeouts of the configuration; health checks left to the module lifecycle', () => {
    const { policy } = loadConfig({ ...base, RETRY_BASE_DELAY_MS: '250', RETRY_MAX: '2' }).integrations;
    expect(gatewayPolicy(policy)).toEqual({
      retryBaseDelayMs: 250,
      retryMax: 2,
      connectTimeoutMs: 5000,
      readTimeoutMs: 30_000,
      totalTimeoutMs: 60_000,
      healthCheckIntervalMs: 0,
    });
  });
});
