// A test clock for code that reads Date.now() (breakers, Retry-After pauses): frozen when taken, moved
// only by the test, so "has the half-open time passed?" never depends on how busy the machine is.
// Timers (setTimeout) stay real.
import { jest } from '@jest/globals';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
  restore(): void;
}

export function testClock(start = Date.now()): TestClock {
  let now = start;
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    restore: () => spy.mockRestore(),
  };
}
