import type { FastifyReply, FastifyRequest } from 'fastify';
import { INPUT_LIMITS, inputLimits, shapeViolation } from './input-limits.js';
import { ProblemException } from './problem.js';

/** A value nested `depth` levels deep (the outer object is level 1). */
const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('shapeViolation', () => {
  it('passes scalars, buffers, and values within both bounds', () => {
    for (const value of [null, undefined, 1, 'x', Buffer.alloc(10_000)])
      expect(shapeViolation(value, 1, 1)).toBe(undefined);
    expect(shapeViolation(nested(3), 3, 3)).toBe(undefined);
    expect(shapeViolation({ a: [1, 2], b: 3 }, 2, 5)).toBe(undefined);
  });

  it('stops at the first level past maxDepth, arrays included', () => {
    expect(shapeViolation(nested(4), 3, 100)).toEqual({ kind: 'depth', limit: 3 });
    expect(shapeViolation([[[[1]]]], 3, 100)).toEqual({ kind: 'depth', limit: 3 });
  });

  it('counts members and elements at every level against maxValues', () => {
    expect(shapeViolation({ a: [1, 2], b: 3 }, 5, 3)).toEqual({ kind: 'values', limit: 3 });
  });

  it('walks a very deep value without recursion (no stack overflow)', () => {
    expect(shapeViolation(nested(200_000), INPUT_LIMITS.maxDepth, Infinity)).toEqual({
      kind: 'depth',
      limit: INPUT_LIMITS.maxDepth,
    });
  });
});

describe('inputLimits hook', () => {
  const run = (request: { query?: unknown; body?: unknown }) => {
    let result: unknown = 'not called';
    inputLimits.call(
      undefined as never,
      request as FastifyRequest,
      {} as FastifyReply,
      ((error?: Error) => (result = error)) as never,
    );
    return result;
  };
  const problemOf = (result: unknown) => (result as ProblemException).problem;

  it('lets a request within the limits through', () => {
    expect(run({ query: { a: '1' }, body: { name: 'x' } })).toBe(undefined);
  });

  it('refuses too many query values (a repeated parameter counts once per value) with a 400 naming `query`', () => {
    const query = { a: Array.from({ length: INPUT_LIMITS.maxQueryValues + 1 }, () => 'v') };
    const problem = problemOf(run({ query, body: undefined }));
    expect(problem).toMatchObject({ type: 'validation-error', status: 400 });
    expect(problem.errors).toEqual([
      expect.objectContaining({
        field: 'query',
        code: 'queryTooManyValues',
        message: `the query string has more than ${INPUT_LIMITS.maxQueryValues} parameter values`,
      }),
    ]);
  });

  it('refuses a body too deep or with too many values, naming `body`', () => {
    const deep = problemOf(run({ query: {}, body: nested(INPUT_LIMITS.maxDepth + 1) }));
    expect(deep.errors?.[0]).toMatchObject({
      field: 'body',
      code: 'bodyTooDeep',
      params: { c0: INPUT_LIMITS.maxDepth },
    });
    const wide = Object.fromEntries(Array.from({ length: INPUT_LIMITS.maxBodyValues + 1 }, (_, i) => [`k${i}`, i]));
    expect(problemOf(run({ query: {}, body: wide })).errors?.[0]).toMatchObject({
      field: 'body',
      code: 'bodyTooManyValues',
    });
  });
});
