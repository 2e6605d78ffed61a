import type { FastifyInstance } from 'fastify';
import { geocode } from '../gazetteer.js';
import { badRequest } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';
import type { ErrorBody } from '../sandbox.types.js';

/** One maps-service instance: `X-API-Key`, geocoding from the built-in gazetteer. */
export async function mapsPlugin(api: FastifyInstance, { state }: { state: SandboxState }): Promise<void> {
  api.get<{ Querystring: Record<string, string | string[] | undefined> }>('/v1/geocode', async (request, reply) => {
    if (!state.apiKeyOk(request, reply, state.options.credentials.mapsApiKey)) return reply;
    const address = request.query.address;
    if (typeof address !== 'string' || address.trim() === '' || address.length > 500) {
      return badRequest(reply, ['address is required once (a non-empty string of at most 500 characters)']);
    }
    const hit = geocode(address);
    if (!hit) return reply.code(404).send({ error: 'not_found', message: 'address not found' } satisfies ErrorBody);
    return reply.code(200).send(hit);
  });
}
