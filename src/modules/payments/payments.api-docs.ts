import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiProblemParams } from '../../common/http/openapi-examples.js';
import { EnvelopeMetaDto, ProblemDto } from '../../common/http/rest.dto.js';

/** A 422 problem, with what makes the request unprocessable; its example names the user that does not exist. */
export function ApiUnprocessableProblem(description: string): MethodDecorator {
  return applyDecorators(
    ApiProblemParams({ 422: { resource: 'user' } }),
    ApiExtraModels(ProblemDto),
    ApiResponse({
      status: 422,
      description,
      content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
    }),
  );
}

/** 200 for a POST repeated with the same Idempotency-Key: the resource the first one created. */
export function ApiReplayedEnvelope(model: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model, EnvelopeMetaDto),
    ApiResponse({
      status: 200,
      description:
        'replay: the Idempotency-Key was used before with the same body; the payment that request created, nothing new',
      schema: {
        type: 'object',
        required: ['status', 'data', 'metadata'],
        properties: {
          status: { type: 'string', enum: ['success'] },
          data: { $ref: getSchemaPath(model) },
          metadata: { $ref: getSchemaPath(EnvelopeMetaDto) },
        },
      },
      headers: {
        'Idempotent-Replayed': { description: 'always `true` on a replay', schema: { type: 'string', enum: ['true'] } },
        'Content-Location': { description: 'URL of the payment', schema: { type: 'string', format: 'uri-reference' } },
      },
    }),
  );
}
