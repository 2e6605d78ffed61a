import { ApiProblemResponses } from '../../common/http/rest.decorators.js';

/** 502 / 503 (Retry-After) / 504 problems naming the integration: every route that calls out. */
export const ApiUpstreamProblems = (): MethodDecorator => ApiProblemResponses(502, 503, 504);
