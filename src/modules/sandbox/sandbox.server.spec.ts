import { accessToken, call, CREDENTIALS } from '../../../test/support/sandbox-http.js';
import { createSandboxServer } from './sandbox.server.js';

describe('sandbox server lifecycle', () => {
  it('close() cuts an injected delay short and leaves no timer behind', async () => {
    const s = createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: 60_000 });
    const url = await s.listen();
    const token = await accessToken(url);
    await call(url, 'POST', '/payment/a/v1/payments', {
      headers: { authorization: `Bearer ${token}` },
      json: { amount: 1, currency: 'JPY', reference: 'never settles' },
    });
    await call(url, 'PUT', '/_faults/maps/a', { json: { delayMs: 60_000 } });
    const hanging = call(url, 'GET', '/maps/a/v1/geocode?address=x', { headers: { 'x-api-key': 'maps-key' } }).then(
      (r) => r.status,
      () => 'dropped',
    );
    // The delay has begun once the fault was taken (an explicit condition, not a guessed sleep).
    while (s.stats().services.maps.a.faulted === 0) await new Promise((r) => setImmediate(r));
    await s.close();
    // Uncut, the 60 s delay would outlast the test's timeout: the call ends now, as a 503 or a
    // dropped connection, never with the geocode answer.
    expect([503, 'dropped']).toContain(await hanging);
    expect(s.url).toBeNull();
  });

  it('validates its options', () => {
    expect(() => createSandboxServer({ credentials: CREDENTIALS, instances: [] })).toThrow();
    expect(() => createSandboxServer({ credentials: CREDENTIALS, instances: ['A/B'] })).toThrow();
    expect(() => createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: -1 })).toThrow();
    expect(() =>
      createSandboxServer({ credentials: CREDENTIALS, webhook: { url: 'http://127.0.0.1:1/', secret: 'whsec_' } }),
    ).toThrow();
  });
});

describe('sandbox messages honour Idempotency-Key', () => {
  it('answers a repeated key with the first message and sends nothing again, on any instance', async () => {
    const server = createSandboxServer({ credentials: CREDENTIALS });
    const url = await server.listen(0);
    try {
      const send = (instance: string) =>
        fetch(`${url}/email/${instance}/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': CREDENTIALS.emailApiKey,
            'idempotency-key': 'webhook:evt_1',
          },
          body: JSON.stringify({ to: 'a@example.com', subject: 'hi', text: 'hello' }),
        });
      const first = await send('a');
      const second = await send('b');
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
      expect(server.stats().messages.email).toEqual({ accepted: 1, replayed: 1 });
    } finally {
      await server.close();
    }
  });
});
