// The generated client (openapi-typescript types + openapi-fetch) against the webhook receiver and the stored
// webhook events, and the kit's resources found in the document: every answer goes through the suite's
// OpenApiContract (status documented, Content-Type declared, body valid against the documented schema). The
// operations this file calls are claimed in test/support/openapi-client-claims.ts; its last test checks the
// claim.
import { exerciseResource, sampleOf } from './support/kit-resources.js';
import { claimOf, missedClaims, unclaimedKitResources } from './support/openapi-client-claims.js';
import { openApiClientSuite } from './support/openapi-client-suite.js';
import { STANDARD_UNKNOWN_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';

describe('generated OpenAPI client: webhooks, webhook events and the resources of the kit', () => {
  const api = openApiClientSuite();

  describe('webhooks and webhook-events', () => {
    let eventId: string;

    /** POST /api/v1/webhooks/{source} with a Standard Webhooks delivery, its raw body sent byte for byte. */
    const deliver = (source: string, delivery: ReturnType<typeof standardDelivery>) =>
      api.anonymous.POST('/api/v1/webhooks/{source}', {
        params: {
          path: { source },
          header: {
            'webhook-id': delivery.headers['webhook-id'],
            'webhook-timestamp': delivery.headers['webhook-timestamp'],
          },
        },
        body: delivery.body.toString('utf8'),
        bodySerializer: (body) => body,
        headers: { 'content-type': 'application/json', 'webhook-signature': delivery.headers['webhook-signature'] },
      });

    it('receiver: 200 stored, 200 duplicate, 401 for a bad signature, 404 for an unknown source', async () => {
      const delivery = standardDelivery({ type: 'order.created', data: { orderId: 'o-1' } });
      const stored = await deliver('acme', delivery);
      expect(stored.response.status).toBe(200);
      expect(stored.data?.data.duplicate).toBe(false);
      eventId = stored.data?.data.eventId ?? '';

      const duplicate = await deliver('acme', delivery);
      expect(duplicate.data?.data).toEqual({ eventId, duplicate: true });

      const forged = await deliver('acme', standardDelivery({ type: 'x' }, { secret: STANDARD_UNKNOWN_SECRET }));
      expect(forged.response.status).toBe(401);
      const unknown = await deliver('nobody', standardDelivery({ type: 'x' }));
      expect(unknown.response.status).toBe(404);
    });

    it('GET list and one: 200; POST replay: 202 once settled; 404 for an unknown event', async () => {
      const settled = await waitFor(
        async () => {
          const { data } = await api.admin.GET('/api/v1/webhook-events/{eventId}', { params: { path: { eventId } } });
          // Typed "the event or its `fields` projection": without `fields` every property is there.
          return data && ['processed', 'ignored', 'dead'].includes(data.data.status ?? '') ? data.data : undefined;
        },
        { what: 'the event settled' },
      );
      expect(settled.status).toBe('ignored');
      expect(JSON.parse(settled.body ?? '')).toEqual({ type: 'order.created', data: { orderId: 'o-1' } });

      const list = await api.admin.GET('/api/v1/webhook-events', { params: { query: { source: 'acme', limit: 10 } } });
      expect(list.data?.data.map((e) => e.eventId)).toEqual([eventId]);

      const replayed = await api.admin.POST('/api/v1/webhook-events/{eventId}/replay', {
        params: { path: { eventId } },
      });
      expect(replayed.response.status).toBe(202);
      expect(replayed.data?.data.eventId).toBe(eventId);

      const missing = await api.admin.GET('/api/v1/webhook-events/{eventId}', {
        params: { path: { eventId: 'NOPE' } },
      });
      expect(missing.response.status).toBe(404);
      const noReplay = await api.admin.POST('/api/v1/webhook-events/{eventId}/replay', {
        params: { path: { eventId: 'NOPE' } },
      });
      expect(noReplay.response.status).toBe(404);
      // The replayed event settles again before the app stops.
      await waitFor(
        async () => {
          const { data } = await api.admin.GET('/api/v1/webhook-events/{eventId}', { params: { path: { eventId } } });
          return data?.data.status === 'ignored';
        },
        { what: 'the replayed event settled' },
      );
    });
  });

  describe('resources of the kit (document-driven)', () => {
    // A resource made by `npm run generate` is found in the served document (`x-resource`) and called here
    // without a hand-written call: each answer goes through the same contract check. Resources the typed
    // calls of the other files claim (users) are left to them.
    it('each resource no typed call claims: create, list, get, 304, PUT, merge patch, 412, 404, DELETE', async () => {
      const { contract, baseUrl, adminToken } = api;
      const check = (template: string, method: string, response: Response) =>
        contract.check(template, method, response);
      for (const resource of unclaimedKitResources(contract.document)) {
        await exerciseResource(resource, sampleOf(contract.document, resource), { baseUrl, token: adminToken, check });
      }
    });
  });

  describe('claimed coverage', () => {
    it('called every operation it claims in test/support/openapi-client-claims.ts, with an error answer of each claimed tag', () => {
      expect(missedClaims(api.contract, claimOf('openapi-client-webhooks-kit', api.contract.document))).toEqual({
        operations: [],
        errorTags: [],
      });
    });
  });
});
