import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ApiProblemResponses } from '../../common/http/rest.decorators.js';

/**
 * 502 / 503 (Retry-After) / 504 problems naming the integration: every route that calls out. `x-integration`
 * says which one it calls (the name of its `defineIntegration`), as those problems' `integration` does.
 */
export const ApiUpstreamProblems = (integration: string): MethodDecorator =>
  applyDecorators(ApiProblemResponses(502, 503, 504), ApiExtension('x-integration', integration));
