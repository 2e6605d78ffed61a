import { backoffMs } from './webhook-worker.service.js';
import { sweepKey } from './webhook-sweeper.js';

describe('backoffMs', () => {
  it('doubles from the base, between half and all of the ceiling (equal jitter)', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000, () => 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(2, 1000, () => 0.5)).toBe(1500);
  });

  it('is capped at an hour and zero for a zero base', () => {
    expect(backoffMs(40, 1000, () => 1)).toBe(3_600_000);
    expect(backoffMs(3, 0, () => 0.7)).toBe(0);
  });
});

describe('sweepKey', () => {
  it('keeps a pending event on its own id, a retry on its attempt, a taken-over lease on a new key', () => {
    expect(sweepKey({ id: 'E', status: 'pending', attempts: 0 })).toBe('E');
    expect(sweepKey({ id: 'E', status: 'retrying', attempts: 2 })).toBe('E-a3');
    expect(sweepKey({ id: 'E', status: 'processing', attempts: 2 })).toBe('E-l2');
  });
});
