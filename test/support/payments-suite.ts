import type { Test } from 'supertest';
import { bearer, createUser, type UserBody } from '../helpers/http.js';
import { startWithSandbox, type SandboxedApp } from './integrations.js';

export interface PaymentBody {
  paymentId: string;
  userId: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  providerPaymentId: string;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
  settledAt: string | null;
  lastEventAt: string | null;
}

export interface PaymentsSuite {
  s: SandboxedApp;
  /** The bootstrap client's token. */
  token: string;
  /** The user the payments are made for. */
  user: UserBody;
  /** POST /api/v1/payments, with an Idempotency-Key when given. */
  pay(body: object, key?: string, auth?: string): Test;
}

/**
 * Registers, in the calling describe, an app with the sandbox (started before its tests, faults cleared after
 * each, closed after all); the two payments suites share it. The fields are set once beforeAll has run.
 */
export function paymentsSuite(): PaymentsSuite {
  const suite = {
    pay: (body: object, key?: string, auth = suite.token) => {
      const req = suite.s.t.http.post('/api/v1/payments').set('authorization', bearer(auth));
      if (key !== undefined) req.set('idempotency-key', key);
      return req.send(body);
    },
  } as PaymentsSuite;
  beforeAll(async () => {
    // Some tests fail every upstream call on purpose; breakers (tested elsewhere) stay out of the way.
    suite.s = await startWithSandbox({ CIRCUIT_MIN_CALLS: '100000' });
    suite.token = await suite.s.t.token();
    suite.user = await createUser(suite.s.t, suite.token, '山田太郎', 'yamada@example.com');
  });
  afterAll(async () => {
    await suite.s.close();
  });
  afterEach(async () => {
    await suite.s.clearFaults();
  });
  return suite;
}
