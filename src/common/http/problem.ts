import { HttpException } from '@nestjs/common';

export const PROBLEM_BASE = 'https://nest-integration-gateway.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  field: string;
  message: string;
  code?: string;
  /** Interpolation values for the localised message (not serialised). */
  params?: Record<string, unknown>;
}

export interface ProblemInit {
  /** Slug of the problem type; titles and details are looked up by it (problem-texts.ts). */
  type: string;
  status: number;
  /** Interpolation values for the localised detail. */
  params?: Record<string, unknown>;
  /** A detail that is not localised (e.g. an upstream message). */
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extension members added to the body (e.g. `integration`). */
  extensions?: Record<string, unknown>;
}

/** The one exception type every module throws; the problem filter turns it into RFC 9457. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemInit) {
    super(problem.detail ?? problem.type, problem.status);
  }
}

/** The bounds of a problem body, as the OpenAPI document states them (ProblemDto, FieldErrorDto). */
export const PROBLEM_LIMITS = { errors: 100, field: 200, message: 1000, detail: 10000 } as const;

/** `text` cut to `max` characters, the cut marked with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `detail` within its documented bound: a message may quote what the client sent. */
export const clipDetail = (detail: string | undefined): string | undefined =>
  detail === undefined ? undefined : clip(detail, PROBLEM_LIMITS.detail);

/**
 * A validation problem listing each field (at most PROBLEM_LIMITS.errors, the rest counted in
 * `errorsOmitted`); the detail joins their messages unless given. A client can make a request fail
 * in as many ways as it sends properties, so the answer is bounded here, not by the request.
 */
function invalidFields(errors: FieldError[], detail?: string): ProblemException {
  const listed = errors.slice(0, PROBLEM_LIMITS.errors).map((e) => {
    const field = clip(e.field, PROBLEM_LIMITS.field);
    // The localised message names the property again (from params): the clipped name there too.
    const params = e.params && 'property' in e.params ? { ...e.params, property: field } : e.params;
    return { ...e, field, message: clip(e.message, PROBLEM_LIMITS.message), params };
  });
  const omitted = errors.length - listed.length;
  return new ProblemException({
    type: 'validation-error',
    status: 400,
    detail: clip(detail ?? listed.map((e) => e.message).join('; '), PROBLEM_LIMITS.detail),
    errors: listed,
    ...(omitted > 0 ? { extensions: { errorsOmitted: omitted } } : {}),
  });
}

export const Problems = {
  notFound: (resource: string, id: string) =>
    new ProblemException({ type: 'resource-not-found', status: 404, params: { resource, id } }),
  preconditionFailed: () => new ProblemException({ type: 'precondition-failed', status: 412 }),
  conflict: (detail: string) => new ProblemException({ type: 'conflict', status: 409, detail }),
  badRequest: (detail: string, errors?: FieldError[]) =>
    new ProblemException({ type: errors ? 'validation-error' : 'bad-request', status: 400, detail, errors }),
  invalidFields,
  /** Query parameters or body properties no DTO declares, each named (code `whitelistValidation`). */
  unknownFields: (fields: string[], message: (field: string) => string, detail?: string) =>
    invalidFields(
      fields.map((field) => ({ field, message: message(field), code: 'whitelistValidation' })),
      detail,
    ),
  unauthorized: (headers: Record<string, string>) =>
    new ProblemException({ type: 'unauthorized', status: 401, headers }),
  forbidden: (scope: string, headers?: Record<string, string>) =>
    new ProblemException({ type: 'forbidden', status: 403, params: { scope }, headers }),
  notAcceptable: (types: string[]) =>
    new ProblemException({ type: 'not-acceptable', status: 406, params: { types: types.join(', ') } }),
  unsupportedMediaType: (types: string[]) =>
    new ProblemException({ type: 'unsupported-media-type', status: 415, params: { types: types.join(', ') } }),
};
