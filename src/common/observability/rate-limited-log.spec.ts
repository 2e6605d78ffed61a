import { RateLimitedLog } from './rate-limited-log.js';

describe('RateLimitedLog', () => {
  it('writes the first occurrence, holds back repeats within the interval, then reports how many it held', () => {
    let now = 1_000;
    const log = new RateLimitedLog(10_000, () => now);
    const lines: [string, number][] = [];
    const write = (key: string) => log.run(key, (suppressed) => lines.push([key, suppressed]));
    write('redis');
    write('redis');
    write('redis');
    write('database');
    now += 10_000;
    write('redis');
    expect(lines).toEqual([
      ['redis', 0],
      ['database', 0],
      ['redis', 2],
    ]);
  });
});
