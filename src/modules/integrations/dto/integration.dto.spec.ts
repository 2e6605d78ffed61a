import type { IntegrationSnapshot } from '../../../gateway/index.js';
import { displayUrl, IntegrationDto } from './integration.dto.js';

const instance = (url: string, healthy = true, circuit: 'closed' | 'open' = 'closed') => ({
  url,
  healthy,
  ejected: false,
  circuit,
  circuitRetryAfterMs: 0,
  latency: { ewmaMs: null, p50Ms: null, p95Ms: null, samples: 0 },
  requests: 4,
  errors: 1,
  consecutiveErrors: 0,
  lastError: null,
  lastErrorAt: null,
  lastHealthCheckAt: null,
});

const snapshot = (over: Partial<IntegrationSnapshot> = {}): IntegrationSnapshot => ({
  name: 'payment',
  auth: { kind: 'api-key' },
  circuit: { state: 'closed', retryAfterMs: 0 },
  instances: [instance('http://a.test'), instance('http://b.test')],
  rateLimit: { pausedUntil: null, ratePerSecond: Infinity },
  retryBudget: { calls: 0, retries: 0, denied: 0 },
  ...over,
});

describe('IntegrationDto', () => {
  it('up with every instance in rotation; error rate per instance; no limit shown as null', () => {
    const dto = IntegrationDto.from('payment', snapshot());
    expect(dto).toMatchObject({ state: 'up', healthyInstances: 2, rateLimit: { ratePerSecond: null } });
    expect(dto.instances[0].errorRatePercent).toBe(25);
  });

  it('degraded with an instance ejected or its breaker open; down with none usable or the service breaker open', () => {
    expect(
      IntegrationDto.from(
        'payment',
        snapshot({ instances: [instance('http://a.test', false), instance('http://b.test')] }),
      ).state,
    ).toBe('degraded');
    expect(
      IntegrationDto.from(
        'payment',
        snapshot({ instances: [instance('http://a.test', true, 'open'), instance('http://b.test')] }),
      ).state,
    ).toBe('degraded');
    expect(
      IntegrationDto.from(
        'payment',
        snapshot({ instances: [instance('http://a.test', false), instance('http://b.test', false)] }),
      ).state,
    ).toBe('down');
    expect(IntegrationDto.from('payment', snapshot({ circuit: { state: 'open', retryAfterMs: 500 } })).state).toBe(
      'down',
    );
  });

  it('degraded when no token can be fetched', () => {
    const token = {
      hasToken: false,
      expiresAt: null,
      refreshAt: null,
      fetchCount: 3,
      lastFetchAt: null,
      lastError: 'token endpoint answered HTTP 503',
    };
    expect(IntegrationDto.from('payment', snapshot({ auth: { kind: 'oauth2', token } })).state).toBe('degraded');
  });

  it('instance URLs lose user info and query', () => {
    expect(displayUrl('https://user:secret@pay.example.com/v1?key=abc')).toBe('https://pay.example.com/v1');
    expect(displayUrl('http://127.0.0.1:4010/payment/a')).toBe('http://127.0.0.1:4010/payment/a');
  });
});
