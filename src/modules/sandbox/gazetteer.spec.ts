import { geocode, knownAddresses, normaliseAddress } from './gazetteer.js';

describe('sandbox gazetteer', () => {
  it('knows a dozen Japanese and world addresses', () => {
    const all = knownAddresses();
    expect(all.length).toBeGreaterThanOrEqual(12);
    for (const address of all) expect(geocode(address)?.address).toBe(address);
  });

  it('matches after normalising case, whitespace and full-width characters', () => {
    const tower = geocode('東京都港区芝公園4-2-8');
    expect(tower).toEqual({ address: '東京都港区芝公園4-2-8', lat: 35.658581, lng: 139.745433 });
    expect(geocode('  東京都港区芝公園４－２－８ ')).toEqual(tower);
    expect(geocode('tokyo   TOWER')).toEqual(tower);
    expect(geocode('10 downing street ,  london sw1a 2aa')?.lat).toBe(51.503364);
    expect(normaliseAddress(' A\u3000B ,C ')).toBe('a b,c');
  });

  it('returns undefined for unknown places and copies results', () => {
    expect(geocode('nowhere 1')).toBeUndefined();
    const hit = geocode('Tokyo Station');
    if (hit) hit.lat = 0;
    expect(geocode('Tokyo Station')?.lat).toBe(35.681236);
  });
});
