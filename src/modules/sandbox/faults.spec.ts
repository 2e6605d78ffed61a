import { FaultRegistry, FaultSpecError, parseFaultSpec } from './faults.js';

describe('fault specs', () => {
  it('accepts the documented fields', () => {
    expect(parseFaultSpec({ status: 503, count: 3, retryAfter: '2', delayMs: 500 })).toEqual({
      status: 503,
      count: 3,
      retryAfter: '2',
      delayMs: 500,
    });
    expect(parseFaultSpec({ down: true })).toEqual({ down: true });
    expect(parseFaultSpec({ drop: true, when: 'after' })).toEqual({ drop: true, when: 'after' });
    expect(parseFaultSpec({ status: 429, retryAfter: 5 })).toEqual({ status: 429, retryAfter: '5' });
  });

  it.each([
    [null],
    [[]],
    [{}],
    [{ status: 200 }],
    [{ status: 503, count: 0 }],
    [{ status: '503' }],
    [{ delayMs: -1 }],
    [{ delayMs: 10_000_000 }],
    [{ drop: 'yes' }],
    [{ status: 503, drop: true }],
    [{ status: 503, when: 'later' }],
    [{ status: 503, retryAfter: -1 }],
    [{ status: 503, colour: 'red' }],
  ])('rejects %j', (body) => {
    expect(() => parseFaultSpec(body)).toThrow(FaultSpecError);
  });
});

describe('FaultRegistry', () => {
  it('applies a counted fault to the next N calls only', () => {
    const faults = new FaultRegistry();
    faults.set('email/a', { status: 503, count: 2 });
    expect(faults.take('email/a')).toMatchObject({ status: 503, when: 'before' });
    expect(faults.take('email/a')).toMatchObject({ status: 503 });
    expect(faults.take('email/a')).toBeUndefined();
    expect(faults.take('email/b')).toBeUndefined();
    expect(faults.snapshot()['email/a']).toMatchObject({ remaining: 0, applied: 2 });
  });

  it('keeps an uncounted fault until cleared; down does not consume calls', () => {
    const faults = new FaultRegistry();
    faults.set('maps/b', { delayMs: 5 });
    faults.set('sms/a', { down: true });
    for (let i = 0; i < 5; i++) expect(faults.take('maps/b')).toMatchObject({ delayMs: 5 });
    expect(faults.isDown('sms/a')).toBe(true);
    expect(faults.take('sms/a')).toBeUndefined();
    faults.clear('maps/b');
    expect(faults.take('maps/b')).toBeUndefined();
    faults.clear();
    expect(faults.isDown('sms/a')).toBe(false);
  });
});
