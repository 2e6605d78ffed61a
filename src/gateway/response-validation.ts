import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { AttemptError } from './upstream-errors.js';

/** An upstream body becomes a DTO only if it validates; otherwise the attempt is a bad answer (502). */
export async function validBody<T extends object>(type: ClassConstructor<T>, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AttemptError('invalid-response', 'response body is not a JSON object');
  }
  const dto = plainToInstance(type, body);
  const errors = await validate(dto, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new AttemptError('invalid-response', `response failed validation: ${describe(errors)}`);
  }
  return dto;
}

function describe(errors: ValidationError[], prefix = ''): string {
  const parts: string[] = [];
  for (const e of errors) {
    const path = prefix + e.property;
    if (e.constraints) parts.push(...Object.values(e.constraints).map((m) => m.replace(e.property, path)));
    if (e.children?.length) parts.push(describe(e.children, `${path}.`));
  }
  return parts.slice(0, 5).join('; ');
}
