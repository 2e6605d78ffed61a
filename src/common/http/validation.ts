import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { Problems, type FieldError } from './problem.js';
import { isWellFormed } from './text-field.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [code, message] of Object.entries(error.constraints ?? {})) {
      const limit = /(-?\d+(?:\.\d+)?)/.exec(message)?.[1];
      out.push({ field, message, code, params: { property: field, c0: limit } });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/**
 * Own keys named like `Object.prototype` members (`constructor`, `toString`, `__proto__`, ...):
 * class-validator's whitelist looks property names up in a plain object, finds these on its
 * prototype and lets them through as if a DTO declared them. No DTO here does, so they are unknown.
 */
function prototypeNamedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => key in Object.prototype);
}

/**
 * The first string (value or property name) of `value` that is not well-formed Unicode, by its path. Checked
 * for every body, query and path parameter before class-validator and the handlers see them: a lone surrogate
 * made validator.js's isEmail (and any `encodeURIComponent`) throw a URIError, a 500. Iterative, so a deep
 * body cannot overflow the stack here.
 */
function illFormedString(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isWellFormed(node)) return path;
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = path ? `${path}.${key}` : key;
        if (!isWellFormed(key)) return path || '(property name)';
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/**
 * Query DTOs here have only optional properties, so an empty query string is always valid and
 * becomes the DTO with its defaults; skipping class-validator for it keeps GET-by-id cheap.
 */
class RestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' || metadata.type === 'body' || metadata.type === 'param') {
      const field = illFormedString(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (field !== undefined) {
        const message = `${field || metadata.type} must be well-formed Unicode (no lone surrogate)`;
        throw Problems.invalidFields([{ field: field || metadata.type, message, code: 'isWellFormed' }]);
      }
    }
    // A path parameter is an identifier: no id here holds a control character (%00, %0A decoded by the router).
    if (metadata.type === 'param' && typeof value === 'string' && /\p{Cc}/u.test(value)) {
      const field = metadata.data ?? 'path';
      throw Problems.invalidFields([
        { field, message: `${field} must not contain control characters`, code: 'matches' },
      ]);
    }
    if ((metadata.type === 'query' || metadata.type === 'body') && value && typeof value === 'object') {
      const suspicious = prototypeNamedKeys(value);
      if (suspicious.length > 0)
        throw Problems.unknownFields(suspicious, (field) => `property ${field} should not exist`);
    }
    if (
      metadata.type === 'query' &&
      metadata.metatype &&
      value &&
      typeof value === 'object' &&
      Object.keys(value).length === 0
    ) {
      return new (metadata.metatype as new () => unknown)();
    }
    return super.transform(value, metadata);
  }
}

/** Whitelist, reject unknown properties, transform; every failure is a 400 problem listing each field. */
export function createValidationPipe(): ValidationPipe {
  return new RestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => Problems.invalidFields(flatten(errors)),
  });
}
