import { bearer } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

export interface UsersSuite {
  t: TestApp;
  /** The Authorization header value of an admin token. */
  auth: string;
  /** A fresh email per test, so no test depends on another's rows. */
  email(tag: string): string;
  /** The current ETag of a user, read through GET. */
  etagOf(id: string): Promise<string>;
}

/**
 * Registers, in the calling describe, an app of its own (started before its tests, closed after them); the
 * two users suites share it. `t` and `auth` are set once beforeAll has run.
 */
export function usersSuite(): UsersSuite {
  let seq = 0;
  const suite = {
    email: (tag: string) => `${tag}-${++seq}@example.com`,
    async etagOf(id: string): Promise<string> {
      const res = await suite.t.http.get(`/api/v1/users/${id}`).set('authorization', suite.auth).expect(200);
      const etag = res.headers.etag;
      expect(typeof etag).toBe('string');
      return etag as string;
    },
  } as UsersSuite;
  beforeAll(async () => {
    suite.t = await startTestApp();
    suite.auth = bearer(await suite.t.token());
  });
  afterAll(async () => {
    await suite.t.close();
  });
  return suite;
}
