import { negotiate } from './negotiation.js';

describe('negotiate', () => {
  it('defaults to the first offered type', () => {
    expect(negotiate(undefined, ['application/json', 'text/csv'])).toBe('application/json');
    expect(negotiate('*/*', ['application/json', 'text/csv'])).toBe('application/json');
  });
  it('honours q-values and specific types', () => {
    expect(negotiate('text/csv', ['application/json', 'text/csv'])).toBe('text/csv');
    expect(negotiate('application/json;q=0.5, text/csv', ['application/json', 'text/csv'])).toBe('text/csv');
    expect(negotiate('application/problem+json', ['application/json'])).toBe('application/json');
  });
  it('returns undefined when nothing is acceptable', () => {
    expect(negotiate('application/xml', ['application/json'])).toBeUndefined();
    expect(negotiate('text/csv', ['application/json'])).toBeUndefined();
    expect(negotiate('application/json;q=0', ['application/json'])).toBeUndefined();
  });
});
