import type { preValidationHookHandler } from 'fastify';
import { Problems } from './problem.js';

/**
 * Bounds on the shape of what a client sends, checked once the body is parsed and before anything
 * walks it: class-transformer and class-validator recurse (a body nested ~1,340 levels overflowed
 * the stack) and spend time on every property (10,000 unknown ones took ~2 s of CPU). No operation
 * here takes more than a few flat properties, so the bounds are far above any valid request.
 */
export const INPUT_LIMITS = {
  /** Nesting of a body: the top-level object or array is level 1. */
  maxDepth: 32,
  /** Values in a body: object members and array elements at every level. */
  maxBodyValues: 1000,
  /** Query parameter values (a repeated parameter counts once per value). */
  maxQueryValues: 100,
} as const;

type Violation = { kind: 'depth' | 'values'; limit: number };

/**
 * Walks `value` without recursion and stops at the first bound it passes, so a hostile body costs
 * at most `maxValues` steps. Hand-written: Fastify's JSON parser (secure-json-parse) has no depth or
 * size option, and a recursive walk would overflow on the very input it guards against.
 */
export function shapeViolation(value: unknown, maxDepth: number, maxValues: number): Violation | undefined {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  const stack: [object, number][] = [[value, 1]];
  let values = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > maxDepth) return { kind: 'depth', limit: maxDepth };
    const children = Object.values(node);
    values += children.length;
    if (values > maxValues) return { kind: 'values', limit: maxValues };
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return undefined;
}

const MESSAGES = {
  bodyTooDeep: (limit: number) => `the body nests deeper than ${limit} levels`,
  bodyTooManyValues: (limit: number) => `the body has more than ${limit} values`,
  queryTooManyValues: (limit: number) => `the query string has more than ${limit} parameter values`,
} as const;

function refusal(field: 'body' | 'query', violation: Violation) {
  const code = violation.kind === 'depth' ? 'bodyTooDeep' : (`${field}TooManyValues` as const);
  return Problems.invalidFields([
    { field, code, message: MESSAGES[code](violation.limit), params: { c0: violation.limit } },
  ]);
}

/** `preValidation` hook on every route: parsed query and body within INPUT_LIMITS, else a 400 problem. */
export const inputLimits: preValidationHookHandler = (request, _reply, done) => {
  const query = shapeViolation(request.query, Infinity, INPUT_LIMITS.maxQueryValues);
  if (query) return done(refusal('query', query));
  const body = shapeViolation(request.body, INPUT_LIMITS.maxDepth, INPUT_LIMITS.maxBodyValues);
  if (body) return done(refusal('body', body));
  done();
};
