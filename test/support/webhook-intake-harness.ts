import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { WebhookSourceConfig } from '../../src/config/app.config.js';
import { registerWebhookIntake, type WebhookDelivery } from '../../src/modules/webhooks/receiving/webhook-intake.js';

// The Fastify app the webhook-intake specs (src/modules/webhooks/receiving/webhook-intake*.spec.ts) drive.

export const MAX_BYTES = 1024;

export const SOURCES: Record<string, WebhookSourceConfig> = {
  open: { name: 'open', scheme: 'github', secrets: ['s'], allowedIps: [] },
  local: { name: 'local', scheme: 'standard', secrets: ['whsec_c2VjcmV0'], allowedIps: ['127.0.0.1/32', '::1/128'] },
  remote: { name: 'remote', scheme: 'stripe', secrets: ['whsec_x'], allowedIps: ['203.0.113.0/24', '2001:db8::/32'] },
};

export interface Harness {
  app: FastifyInstance;
  deliveries: WebhookDelivery[];
  /** Requests that got as far as reading a body (a parent `preParsing` hook, inherited by the webhook scope). */
  parsing: string[];
}

export async function buildIntake(
  serverOptions: FastifyServerOptions = {},
  handle?: (d: WebhookDelivery) => unknown,
): Promise<Harness> {
  const app = Fastify({ bodyLimit: 64, ...serverOptions });
  const deliveries: WebhookDelivery[] = [];
  const parsing: string[] = [];
  app.addHook('preParsing', async (request, _reply, payload) => {
    parsing.push(request.url);
    return payload;
  });
  registerWebhookIntake(app, {
    sources: SOURCES,
    maxBytes: MAX_BYTES,
    logger: { error: () => undefined },
    handle: (delivery) => {
      deliveries.push(delivery);
      if (handle) return handle(delivery);
      return {
        source: delivery.source.name,
        bytes: delivery.body.length,
        sha256: createHash('sha256').update(delivery.body).digest('hex'),
      };
    },
  });
  // A route outside the webhook scope, registered after it, as Nest's controllers are.
  app.post('/api/v1/other', async (request) => ({ body: request.body as unknown }));
  await app.ready();
  return { app, deliveries, parsing };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as { status: number; type: string; title: string; instance: string };
  expect(body.status).toBe(status);
  return body;
}
