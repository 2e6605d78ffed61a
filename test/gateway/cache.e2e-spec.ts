import { createCache, type Cache } from 'cache-manager';
import { Registry } from 'prom-client';
import { testClock } from '../support/clock.js';
import { delay, json, startUpstream, type FakeUpstream } from './fake-upstream.js';
import { GeocodeDto, TOKYO, closeGateways, failure, makeGateway } from './fixtures.js';

const lookup = (address: string, extra = {}) =>
  ({
    method: 'GET',
    path: '/v1/geocode',
    query: { address },
    cacheKey: `geocode:${address}`,
    responseType: GeocodeDto,
    ...extra,
  }) as const;

describe('gateway cache for lookups', () => {
  let upstream: FakeUpstream;
  let cache: Cache;
  beforeEach(async () => {
    cache = createCache();
    upstream = await startUpstream(async (req, res) => {
      await delay(30);
      json(res, 200, { ...TOKYO, address: new URL(req.url, 'http://x').searchParams.get('address') });
    });
  });
  afterEach(async () => {
    closeGateways();
    await upstream.close();
  });

  it('answers a repeated lookup from the cache with no upstream call', async () => {
    const registry = new Registry();
    const gw = makeGateway([upstream.url], { cache, cacheTtlMs: 60_000, registry });
    const first = await gw.request(lookup('Tokyo'));
    const second = await gw.request(lookup('Tokyo'));
    expect(first).toMatchObject({ cached: false, attempts: 1 });
    expect(second).toMatchObject({ cached: true, attempts: 0, instance: null, data: { address: 'Tokyo' } });
    expect(second.data).toBeInstanceOf(GeocodeDto);
    expect(upstream.count()).toBe(1);
    await gw.request(lookup('Osaka'));
    expect(upstream.count()).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('integration_cache_hits_total{service="maps"} 1');
    expect(text).toContain('integration_cache_misses_total{service="maps"} 2');
  });

  it('concurrent identical lookups share one upstream call', async () => {
    const gw = makeGateway([upstream.url], { cache });
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.request(lookup('Kyoto'))));
    expect(upstream.count()).toBe(1);
    expect(results.every((r) => r.data.address === 'Kyoto')).toBe(true);
  });

  it('gives the DTO class back for a plain value from a shared cache', async () => {
    await cache.set('integrations:maps:geocode:Kobe', { ...TOKYO, address: 'Kobe' });
    const gw = makeGateway([upstream.url], { cache });
    const res = await gw.request(lookup('Kobe'));
    expect(res.data).toBeInstanceOf(GeocodeDto);
    expect(res.data.address).toBe('Kobe');
    expect(upstream.count()).toBe(0);
  });

  it('stores only validated successes', async () => {
    upstream.handler = (_req, res) => json(res, 200, { address: 'Nagoya', lat: 'bad' });
    const gw = makeGateway([upstream.url], { cache });
    await failure(() => gw.request(lookup('Nagoya')));
    expect(await cache.get('integrations:maps:geocode:Nagoya')).toBeUndefined();
    upstream.handler = (_req, res) => json(res, 200, { ...TOKYO, address: 'Nagoya' });
    expect((await gw.request(lookup('Nagoya'))).cached).toBe(false);
    expect(upstream.count()).toBe(2);
    expect((await gw.request(lookup('Nagoya'))).cached).toBe(true);
  });

  it('expires entries after their TTL', async () => {
    // The cache reads Date.now(): on a test clock the entry is fresh until the test moves time past its
    // TTL, however slow the calls in between.
    const clock = testClock();
    try {
      const gw = makeGateway([upstream.url], { cache });
      await gw.request(lookup('Sapporo', { cacheTtlMs: 80 }));
      clock.advance(79);
      await gw.request(lookup('Sapporo', { cacheTtlMs: 80 }));
      expect(upstream.count()).toBe(1);
      clock.advance(2);
      await gw.request(lookup('Sapporo', { cacheTtlMs: 80 }));
      expect(upstream.count()).toBe(2);
    } finally {
      clock.restore();
    }
  });

  it('a broken cache degrades to calling upstream', async () => {
    const broken = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
    } as unknown as Cache;
    const gw = makeGateway([upstream.url], { cache: broken });
    const res = await gw.request(lookup('Fukuoka'));
    expect(res.data.address).toBe('Fukuoka');
    expect(upstream.count()).toBe(1);
  });
});
