import { CREDENTIALS, call } from './sandbox-http.js';
import { createSandboxServer, type SandboxServer } from '../../src/modules/sandbox/sandbox.server.js';

export const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

export interface Payment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  reference: string;
}

/** One sandbox per spec file, listening on 127.0.0.1 with a settable clock; reset after each test. */
export function useSandbox() {
  const fixture = {
    clock: Date.now(),
    sandbox: undefined as unknown as SandboxServer,
    base: '',
    pay: (token: string, body: unknown, headers: Record<string, string> = {}, instance = 'a') =>
      call(fixture.base, 'POST', `/payment/${instance}/v1/payments`, {
        headers: { authorization: `Bearer ${token}`, ...headers },
        json: body,
      }),
  };
  beforeAll(async () => {
    fixture.sandbox = createSandboxServer({
      credentials: CREDENTIALS,
      settleDelayMs: 20,
      tokenTtlS: 60,
      scopes: ['payments', 'payments:read'],
      now: () => fixture.clock,
    });
    fixture.base = await fixture.sandbox.listen(0, '127.0.0.1');
  });
  afterAll(() => fixture.sandbox.close());
  afterEach(() => fixture.sandbox.reset());
  return fixture;
}
