import { assertIfMatch, etagOf, noneMatch, resourceEtag } from './etag.js';
import { ProblemException } from './problem.js';

describe('etag', () => {
  const resource = { id: 'u1', name: 'Ada' };
  const tag = resourceEtag(resource);

  it('is a strong, quoted tag over the exact representation', () => {
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(tag).toBe(etagOf(JSON.stringify(resource)));
    expect(resourceEtag({ name: 'Ada', id: 'u1' })).not.toBe(tag);
  });

  it('If-None-Match compares weakly: W/ prefixes, lists and * match', () => {
    expect(noneMatch(undefined, tag)).toBe(false);
    expect(noneMatch(tag, tag)).toBe(true);
    expect(noneMatch(`W/${tag}`, tag)).toBe(true);
    expect(noneMatch(`"other", ${tag}`, tag)).toBe(true);
    expect(noneMatch('*', tag)).toBe(true);
    expect(noneMatch('"other"', tag)).toBe(false);
  });

  it('If-Match compares strongly: a weak or stale tag is 412, none or * passes', () => {
    expect(() => assertIfMatch(undefined, resource)).not.toThrow();
    expect(() => assertIfMatch('*', resource)).not.toThrow();
    expect(() => assertIfMatch(`"stale", ${tag}`, resource)).not.toThrow();
    for (const header of [`W/${tag}`, '"stale"']) {
      let thrown: unknown;
      try {
        assertIfMatch(header, resource);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ProblemException);
      expect((thrown as ProblemException).problem).toEqual({ type: 'precondition-failed', status: 412 });
    }
  });
});
