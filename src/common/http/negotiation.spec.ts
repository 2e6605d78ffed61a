import { mediaTypeOf, negotiate } from './negotiation.js';

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

describe('negotiate: ranges', () => {
  it('prefers the most specific range for each type, whatever the order', () => {
    expect(negotiate('*/*;q=0.1, text/*;q=0.5, text/csv;q=0', ['text/csv', 'application/json'])).toBe(
      'application/json',
    );
    expect(negotiate('text/*;q=0.9, application/json;q=0.2', ['application/json', 'text/csv'])).toBe('text/csv');
  });

  it('reads a malformed q as 0 and ignores empty ranges', () => {
    expect(negotiate('text/csv;q=abc, , application/json', ['text/csv', 'application/json'])).toBe('application/json');
    expect(negotiate('   ', ['text/csv'])).toBe('text/csv');
  });

  it('counts any application/*+json as JSON', () => {
    expect(negotiate('application/vnd.acme+json', ['application/json'])).toBe('application/json');
  });
});

describe('mediaTypeOf', () => {
  it('lower-cases and drops parameters', () => {
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});
