// The field list of `npm run generate -- resource <plural> --fields "<spec>"`, parsed and checked before anything
// is written. Grammar of one field (fields separated by spaces):
//   name[?]:type[(arg, arg, ...)]
//   string(N)        varchar of at most N code points (1..10000), one line      args: N (required), min=M, unique
//   text[(N)]        multi-line text (N defaults to 10000), a `text` column      args: N, min=M
//   email[(N)]       e-mail address (N defaults to 254), stored lower-case        args: N, unique
//   int              32-bit integer                                               args: min=, max=, unique
//   long             64-bit integer within JavaScript's safe range                args: min=, max=, unique
// `?` makes the field optional (nullable column; PUT without it clears it, PATCH null removes it).

export type FieldType = 'string' | 'text' | 'email' | 'int' | 'long';

export interface FieldSpec {
  name: string;
  type: FieldType;
  optional: boolean;
  unique: boolean;
  /** Text types: code points. */
  maxLength?: number;
  minLength?: number;
  /** Integer types: bounds (the column's when not given). */
  min?: number;
  max?: number;
}

export class SpecError extends Error {}

const RESERVED = new Set(['id', 'createdAt', 'updatedAt', 'fields', 'sort', 'offset', 'limit']);
const TYPES: Record<FieldType, { args: string[]; defaultLength?: number }> = {
  string: { args: ['length', 'min', 'unique'] },
  text: { args: ['length', 'min'], defaultLength: 10000 },
  email: { args: ['length', 'unique'], defaultLength: 254 },
  int: { args: ['min', 'max', 'unique'] },
  long: { args: ['min', 'max', 'unique'] },
};
const BOUNDS: Record<'int' | 'long', [number, number]> = {
  int: [-2_147_483_648, 2_147_483_647],
  long: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const MAX_TEXT = 10000;
const FIELD = /^([a-z][A-Za-z0-9]{0,62})(\?)?:([a-z]+)(?:\(([^()]*)\))?$/;

function integer(text: string, what: string): number {
  if (!/^-?\d{1,16}$/.test(text)) throw new SpecError(`${what}: "${text}" is not an integer`);
  return Number(text);
}

function parseOne(token: string): FieldSpec {
  const match = FIELD.exec(token);
  if (!match) {
    throw new SpecError(
      `"${token}": expected name[?]:type[(args)], e.g. name:string(100), priceYen:int(min=0), note?:text`,
    );
  }
  const [, name, optional, typeName, argText] = match;
  if (!(typeName in TYPES)) {
    throw new SpecError(`${name}: unknown type "${typeName}"; use one of ${Object.keys(TYPES).join(', ')}`);
  }
  const type = typeName as FieldType;
  const spec: FieldSpec = { name, type, optional: optional === '?', unique: false };
  const allowed = TYPES[type].args;
  const args = argText === undefined || argText.trim() === '' ? [] : argText.split(',').map((a) => a.trim());
  for (const arg of args) {
    const [key, value] = arg.includes('=') ? arg.split('=', 2).map((s) => s.trim()) : [undefined, arg];
    if (key === undefined && value === 'unique' && allowed.includes('unique')) spec.unique = true;
    else if (key === undefined && allowed.includes('length') && spec.maxLength === undefined)
      spec.maxLength = integer(value, `${name} length`);
    else if ((key === 'min' || key === 'max') && allowed.includes(key)) {
      if (type === 'int' || type === 'long') spec[key] = integer(value, `${name} ${key}`);
      else spec.minLength = integer(value, `${name} min`);
    } else {
      throw new SpecError(`${name}: "${arg}" is not an argument of ${type} (allowed: ${allowed.join(', ')})`);
    }
  }
  if (type === 'string' || type === 'text' || type === 'email') {
    spec.maxLength ??= TYPES[type].defaultLength;
    if (spec.maxLength === undefined) throw new SpecError(`${name}: string needs a maximum length, e.g. string(100)`);
    if (spec.maxLength < 1 || spec.maxLength > MAX_TEXT) {
      throw new SpecError(`${name}: length ${spec.maxLength} is outside 1..${MAX_TEXT}`);
    }
    if (spec.minLength !== undefined && (spec.minLength < 1 || spec.minLength > spec.maxLength)) {
      throw new SpecError(`${name}: min=${spec.minLength} is outside 1..${spec.maxLength}`);
    }
  } else {
    const [lowest, highest] = BOUNDS[type];
    for (const key of ['min', 'max'] as const) {
      const v = spec[key];
      if (v !== undefined && (v < lowest || v > highest)) {
        throw new SpecError(`${name}: ${key}=${v} does not fit a ${type} (${lowest}..${highest})`);
      }
    }
    if ((spec.min ?? lowest) > (spec.max ?? highest)) throw new SpecError(`${name}: min is greater than max`);
  }
  return spec;
}

/** Fields separated by white space; white space inside an argument list belongs to it: `string(40, unique)`. */
function splitFields(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let depth = 0;
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (current) tokens.push(current);
      current = '';
    } else current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

/** The fields of `input`, or a SpecError naming the first problem. `singular`: the resource's id is `<singular>Id`. */
export function parseFields(input: string, singular: string): FieldSpec[] {
  const tokens = splitFields(input);
  if (tokens.length === 0) throw new SpecError('--fields is empty: give at least one field, e.g. "name:string(100)"');
  const fields = tokens.map(parseOne);
  const seen = new Set<string>();
  for (const { name } of fields) {
    if (RESERVED.has(name) || name === `${singular}Id`) {
      throw new SpecError(
        `${name}: reserved (the kit adds id, createdAt, updatedAt; fields/sort/offset/limit are query)`,
      );
    }
    if (seen.has(name)) throw new SpecError(`${name}: declared twice`);
    seen.add(name);
  }
  if (fields.every((f) => f.optional)) throw new SpecError('at least one field must be required');
  return fields;
}

/** `products` → `product`; a plural the rule cannot undo needs `--singular`. */
export function singularOf(plural: string): string | undefined {
  if (/ies$/.test(plural)) return `${plural.slice(0, -3)}y`;
  if (/(s|x|z|ch|sh)es$/.test(plural)) return plural.slice(0, -2);
  if (/[^s]s$/.test(plural)) return plural.slice(0, -1);
  return undefined;
}
