import Fastify from 'fastify';
import { createWebhookGate, registerWebhookIntake, WEBHOOK_PREFIX } from './webhook-intake.js';
import { MAX_BYTES, SOURCES } from '../../../../test/support/webhook-intake-harness.js';

describe('createWebhookGate / registerWebhookIntake configuration', () => {
  it('throws at start-up on an invalid CIDR, naming the source', () => {
    const bad = { gh: { name: 'gh', scheme: 'github' as const, secrets: ['s'], allowedIps: ['10.0.0.0/40'] } };
    expect(() => createWebhookGate(bad)).toThrow('webhook source "gh" allowed IPs: "10.0.0.0/40" is not a CIDR');
    const app = Fastify();
    expect(() => registerWebhookIntake(app, { sources: bad, maxBytes: 10, handle: () => 'ok' })).toThrow(/"gh"/);
    expect(() => registerWebhookIntake(app, { sources: {}, maxBytes: 0, handle: () => 'ok' })).toThrow(/maxBytes/);
  });
});

describe('registerWebhookIntake onReject', () => {
  it('reports each refusal made before the handler with its reason and configured source (none when unknown)', async () => {
    const app = Fastify();
    const rejected: [string, string | undefined][] = [];
    registerWebhookIntake(app, {
      sources: SOURCES,
      maxBytes: MAX_BYTES,
      logger: { error: () => undefined },
      handle: () => ({ ok: true }),
      onReject: (reason, source) => rejected.push([reason, source?.name]),
    });
    await app.ready();
    try {
      const post = (source: string, payload: Buffer | string) =>
        app.inject({
          method: 'POST',
          url: `${WEBHOOK_PREFIX}/${source}`,
          headers: { 'content-type': 'application/json' },
          payload,
        });
      expect((await post('nope', '{}')).statusCode).toBe(404);
      expect((await post('remote', '{}')).statusCode).toBe(403);
      expect((await post('open', Buffer.alloc(MAX_BYTES + 1, 0x61))).statusCode).toBe(413);
      expect((await post('open', '{}')).statusCode).toBe(200);
      expect(rejected).toEqual([
        ['unknown-source', undefined],
        ['ip', 'remote'],
        ['size', 'open'],
      ]);
    } finally {
      await app.close();
    }
  });
});
