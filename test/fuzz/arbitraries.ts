// fast-check arbitraries derived from the OpenAPI document: values valid against a schema (what a correct client
// sends), values at and just past its bounds, and hostile values (control characters, lone surrogates, prototype
// keys, huge and deep values). Generators only; the requests are built in requests.ts.
import fc from 'fast-check';

export type Json = Record<string, unknown>;
export type Schemas = Record<string, Json>;

/** Strings that have broken parsers, validators, encoders and databases before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u001b[31mred',
  '\r\n',
  '\ud800',
  '\udfff\ud800',
  'x\ud83d',
  '\ufeffname',
  'abc\u202egpj.exe',
  'a\ufe0f'.repeat(60),
  '😀'.repeat(40),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../etc/passwd',
  "' OR 1=1 --",
  '%00',
  '%ED%A0%80',
  '<script>alert(1)</script>',
  '=cmd|" /C calc"!A0',
  'null',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '9'.repeat(40),
  '{"a":1}',
  'a'.repeat(5000),
];

/** Header-safe hostile values (visible Latin-1 only: anything else is refused by the HTTP layer itself). */
export const HOSTILE_HEADER_VALUES: readonly string[] = [
  '*',
  '"x"',
  'W/"x"',
  '"',
  'W/',
  '\u00ff\u00fe',
  'a'.repeat(300),
  '__proto__',
  '%00',
  '-1',
  ',,,',
  '"a", "b", *',
];

export function resolve(schema: Json | undefined, schemas: Schemas): Json {
  let current = schema ?? {};
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    current = schemas[current.$ref.split('/').pop()!] ?? {};
  }
  return current;
}

function patternArbitrary(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern, 'u'));
  } catch {
    return undefined;
  }
}

/** A string valid against `schema` (its enum, format, pattern, length bounds), as a correct client sends. */
function validString(schema: Json): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 100;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const fits = (s: string) => [...s].length >= min && [...s].length <= max;
  if (schema.format === 'email') return fc.emailAddress().filter((s) => s.length <= max);
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  }
  const matching = typeof schema.pattern === 'string' ? patternArbitrary(schema.pattern) : undefined;
  if (matching) return matching.filter(fits);
  return fc.string({ minLength: min, maxLength: Math.min(max, 40), unit: 'grapheme' }).filter(fits);
}

/** A value valid against `schema`, objects with their required properties and some of the optional ones. */
export function validValue(schema: Json | undefined, schemas: Schemas, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, schemas);
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(a, schemas, depth + 1)));
  if (Array.isArray(s.allOf)) return validValue(s.allOf[0] as Json, schemas, depth + 1);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  switch (s.type) {
    case 'string':
      return validString(s);
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -1000;
      const max = typeof s.maximum === 'number' ? s.maximum : 1000;
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
    }
    case 'number':
      return fc.double({ min: -1e6, max: 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(validValue(s.items as Json, schemas, depth + 1), { maxLength: 3 });
    default: {
      const properties = (s.properties ?? {}) as Record<string, Json>;
      if (depth > 3 || Object.keys(properties).length === 0) return fc.constant({});
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties))
        record[name] = validValue(property, schemas, depth + 1);
      return fc.record(record, { requiredKeys: ((s.required ?? []) as string[]).filter((k) => k in properties) });
    }
  }
}

/** Values at and just past the bounds of `schema`. */
export function boundaryValues(schema: Json): unknown[] {
  const out: unknown[] = [];
  if (schema.type === 'string') {
    if (typeof schema.maxLength === 'number') {
      out.push('a'.repeat(schema.maxLength), 'a'.repeat(schema.maxLength + 1), 'é'.repeat(schema.maxLength + 1));
    }
    if (typeof schema.minLength === 'number' && schema.minLength > 0) out.push('a'.repeat(schema.minLength - 1));
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    for (const bound of [schema.minimum, schema.maximum]) {
      if (typeof bound === 'number') out.push(bound, bound - 1, bound + 1);
    }
    out.push(0, -1, 1.5, 2 ** 53, -(2 ** 63));
  }
  return out;
}

/** Any value a hostile client may put where `schema` is expected: wrong types, bounds, hostile strings. */
export function hostileValue(schema: Json): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.constantFrom(
      ...boundaryValues(schema),
      null,
      true,
      0,
      -1,
      1e308,
      [],
      {},
      ['a'],
      JSON.parse('{"__proto__":1}') as unknown,
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
}
