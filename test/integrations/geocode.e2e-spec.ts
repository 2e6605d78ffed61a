import { bearer, envelope, expectProblem } from '../helpers/http.js';
import { requestsTo, startWithSandbox, type SandboxedApp } from '../support/integrations.js';

interface GeocodeBody {
  query: string;
  address: string;
  lat: number;
  lng: number;
}

describe('GET /api/v1/geocode (§4: computed, not stored; §5 maps over API key, cached)', () => {
  let s: SandboxedApp;
  let token: string;

  beforeAll(async () => {
    s = await startWithSandbox();
    token = await s.t.token(['integrations:read']);
  });
  afterAll(async () => {
    await s.close();
  });

  const geocode = (address: string) =>
    s.t.http.get('/api/v1/geocode').query({ address }).set('authorization', bearer(token));

  it('200 with the coordinates the maps service returns', async () => {
    const res = await geocode('東京駅').expect(200);
    expect(envelope<GeocodeBody>(res).data).toEqual({
      query: '東京駅',
      address: '東京都千代田区丸の内1丁目',
      lat: 35.681236,
      lng: 139.767125,
    });
    expect(res.headers.etag).toBeDefined();
  });

  it('another spelling of the same address (width, case, spaces) is a cache hit: no second upstream call', async () => {
    const before = requestsTo(s.stats(), 'maps');
    const first = envelope<GeocodeBody>(await geocode('Tokyo Tower').expect(200)).data;
    expect(requestsTo(s.stats(), 'maps')).toBe(before + 1);
    const again = envelope<GeocodeBody>(await geocode('  ＴＯＫＹＯ　　tower ').expect(200)).data;
    expect(again).toEqual(first);
    expect(first.query).toBe('tokyo tower');
    expect(requestsTo(s.stats(), 'maps')).toBe(before + 1);
  });

  it('404 address-not-found when the maps service knows no such address', async () => {
    const res = await geocode('1 Nowhere Lane, Atlantis');
    const problem = expectProblem(res, 404, 'address-not-found', '/api/v1/geocode') as unknown as {
      integration: string;
    };
    expect(problem.integration).toBe('maps');
  });

  it.each([
    ['no address', {}],
    ['a blank address', { address: '   ' }],
    ['an address over 500 characters', { address: 'x'.repeat(501) }],
    ['an unknown parameter', { address: '東京駅', zoom: '3' }],
  ])('400 for %s, and the maps service is not called', async (_what, query) => {
    const before = requestsTo(s.stats(), 'maps');
    const res = await s.t.http.get('/api/v1/geocode').query(query).set('authorization', bearer(token));
    expectProblem(res, 400);
    expect(requestsTo(s.stats(), 'maps')).toBe(before);
  });

  it('403 without integrations:read', async () => {
    const other = await s.t.token(['users:read']);
    expectProblem(
      await s.t.http.get('/api/v1/geocode').query({ address: '東京駅' }).set('authorization', bearer(other)),
      403,
    );
  });
});
