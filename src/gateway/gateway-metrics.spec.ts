import { CircuitState } from 'cockatiel';
import { Registry } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics.js';

describe('GatewayMetrics', () => {
  it('registers once per registry and records by service', async () => {
    const registry = new Registry();
    expect(GatewayMetrics.for(registry)).toBe(GatewayMetrics.for(registry));
    const payment = GatewayMetrics.for(registry).forService('payment');
    const maps = GatewayMetrics.for(registry).forService('maps');
    payment.call('success');
    payment.call('success');
    payment.attempt('http://a', 'server-error', 0.02);
    payment.retry('server-error');
    payment.circuit('service', CircuitState.Open);
    payment.tokenFetch('success');
    maps.cache(true);
    maps.cache(false);
    maps.cache(true);

    const text = await registry.metrics();
    expect(text).toContain('integration_calls_total{service="payment",outcome="success"} 2');
    expect(text).toContain(
      'integration_attempts_total{service="payment",instance="http://a",outcome="server-error"} 1',
    );
    expect(text).toContain('integration_retries_total{service="payment",reason="server-error"} 1');
    expect(text).toContain('integration_circuit_state{service="payment",instance="service"} 1');
    expect(text).toContain('integration_token_fetches_total{service="payment",outcome="success"} 1');
    expect(text).toContain('integration_cache_hits_total{service="maps"} 2');
    expect(text).toContain('integration_cache_misses_total{service="maps"} 1');
    expect(text).toMatch(
      /integration_attempt_duration_seconds_bucket\{le="0\.025",service="payment",instance="http:\/\/a",outcome="server-error"\} 1/,
    );
  });
});
