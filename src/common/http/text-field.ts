import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, isEmail, registerDecorator } from 'class-validator';

/**
 * The string rules of this API, written once: every string property of a body or a query DTO takes them
 * through `@Text`, which both documents them (OpenAPI `pattern`, `minLength`, `maxLength`, `description`)
 * and enforces them with the very same regular expression, so the document and the server cannot disagree.
 *
 * - Lengths count Unicode code points, as JSON Schema's `maxLength` does (not UTF-16 units, not graphemes):
 *   a letter followed by a variation selector or a combining mark counts 2. class-validator's `MaxLength`
 *   is not used: validator.js subtracts variation selectors, so 100 letters + 100 selectors passed 100.
 * - Refused anywhere: C0 and C1 control characters and DEL (TAB, LF and CR only in multi-line text),
 *   lone UTF-16 surrogates (not Unicode text; with the `u` flag only a lone one matches the class),
 *   U+FEFF (byte order mark), the noncharacters U+FFFE/U+FFFF and the bidirectional embedding, override
 *   and isolate controls (they make a value display as another: "Trojan source").
 * - Single-line text also refuses U+2028/U+2029; a required value must contain a non-space character.
 * Values are stored as sent (no normalisation): what a client reads back is what it wrote.
 */
const ALWAYS_FORBIDDEN = '\\u007F-\\u009F\\uD800-\\uDFFF\\uFEFF\\uFFFE\\uFFFF\\u202A-\\u202E\\u2066-\\u2069';
const FORBIDDEN_SINGLE_LINE = `\\u0000-\\u001F${ALWAYS_FORBIDDEN}\\u2028\\u2029`;
const FORBIDDEN_MULTILINE = `\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F${ALWAYS_FORBIDDEN}`;

/** The documented pattern: only allowed characters, and (`notBlank`) at least one that is not a space. */
export function textPattern(multiline: boolean, notBlank: boolean): string {
  const forbidden = multiline ? FORBIDDEN_MULTILINE : FORBIDDEN_SINGLE_LINE;
  return notBlank ? `^[^${forbidden}]*[^\\s${forbidden}][^${forbidden}]*$` : `^[^${forbidden}]*$`;
}

/** A lone surrogate (the `u` flag pairs the others into one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Unicode text (no lone surrogate): what a string must be before any other rule looks at it. */
export const isWellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);

/** Code points, as JSON Schema counts `minLength` and `maxLength`. */
export function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export interface TextOptions {
  maxLength: number;
  /** Code points required (1 by default: a required value is never empty). */
  minLength?: number;
  /** TAB, LF and CR allowed (a message text). */
  multiline?: boolean;
  /** Only spaces is a valid value (a filter that matches nothing, say); refused by default. */
  blankAllowed?: boolean;
  /** Absent is valid (optional body property, query filter). */
  optional?: boolean;
  /** A stricter rule of the field (ids, E.164, ISO codes), documented instead of the generic pattern. */
  pattern?: RegExp;
  /** What the pattern means, for the problem message. */
  patternMessage?: string;
  format?: 'email';
  description?: string;
  example?: string;
}

const RULES_NOTE =
  'Length in Unicode code points; control characters, lone surrogates, U+FEFF and bidirectional controls are refused.';

type Rule = [code: string, holds: (value: string) => boolean, message: string];

/**
 * The rules of one property, each under the constraint code the problem reports (and problem-texts.ts translates):
 * a value breaks the first rule it fails; later rules assume the earlier ones (a length needs Unicode text).
 */
function rules(property: string, options: TextOptions, documented: RegExp): Rule[] {
  const min = options.minLength ?? 1;
  const multiline = options.multiline ?? false;
  const plain = new RegExp(textPattern(multiline, false), 'u');
  const list: Rule[] = [
    ['isWellFormed', isWellFormed, `${property} must be well-formed Unicode (no lone surrogate)`],
    ['minLength', (v) => codePoints(v) >= min, `${property} must be longer than or equal to ${min} characters`],
    [
      'maxLength',
      (v) => codePoints(v) <= options.maxLength,
      `${property} must be shorter than or equal to ${options.maxLength} characters (Unicode code points)`,
    ],
  ];
  if (options.pattern) {
    list.push([
      'matches',
      (v) => documented.test(v),
      options.patternMessage ?? `${property} must match ${documented.source}`,
    ]);
  } else {
    const controls = `${property} must not contain control characters${multiline ? ' other than TAB, LF and CR' : ''}, U+FEFF or bidirectional controls`;
    list.push(['matches', (v) => plain.test(v), controls]);
    list.push(['isNotEmpty', (v) => documented.test(v), `${property} should not be empty`]);
  }
  if (options.format === 'email') list.push(['isEmail', (v) => isEmail(v), `${property} must be an email`]);
  return list;
}

/** Documents and validates one string property of a DTO by the rules above. */
export function Text(options: TextOptions): PropertyDecorator {
  const source = options.pattern?.source ?? textPattern(options.multiline ?? false, !options.blankAllowed);
  // The `u` flag: the class then matches code points, so a lone surrogate is refused by the same pattern.
  const documented = new RegExp(source, 'u');
  return (target, key) => {
    const property = String(key);
    const doc = {
      type: String,
      maxLength: options.maxLength,
      minLength: options.minLength ?? 1,
      pattern: source,
      format: options.format,
      example: options.example,
      description: options.description ? `${options.description}. ${RULES_NOTE}` : RULES_NOTE,
    };
    (options.optional ? ApiPropertyOptional(doc) : ApiProperty(doc))(target, key);
    if (options.optional) IsOptional()(target, key);
    IsString()(target, key);
    const all = rules(property, options, documented);
    all.forEach(([code, holds, message], i) =>
      registerDecorator({
        name: code,
        target: target.constructor,
        propertyName: property,
        options: { message },
        validator: {
          // Only the first rule broken is reported: the later ones judge text that passed the earlier.
          validate: (value: unknown) =>
            typeof value !== 'string' || all.slice(0, i).some(([, before]) => !before(value)) || holds(value),
        },
      }),
    );
  };
}

/** What `quote` escapes: controls, lone surrogates, line separators, U+FEFF and bidirectional controls. */
const UNSAFE_IN_MESSAGES = /[\p{Cc}\uD800-\uDFFF\u2028\u2029\uFEFF\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A client-supplied value as quoted in a problem (a field name, an unknown sort key): unsafe characters as
 * `\u{…}` escapes, at most `max` code points. A problem's `detail` and messages are then one line of bounded
 * length (as documented), and echo nothing that could forge a log line or reorder displayed text.
 */
export function quote(value: string, max = 100): string {
  const escaped = value.replace(UNSAFE_IN_MESSAGES, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
  const points = [...escaped];
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : escaped;
}
