import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem.js';

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
 * Query DTOs here have only optional properties, so an empty query string is always valid and
 * becomes the DTO with its defaults; skipping class-validator for it keeps GET-by-id cheap.
 */
class RestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
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
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new ProblemException({
        type: 'validation-error',
        status: 400,
        errors: fieldErrors,
        detail: fieldErrors.map((e) => e.message).join('; '),
      });
    },
  });
}
