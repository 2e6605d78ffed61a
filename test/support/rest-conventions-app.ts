import type { Test } from 'supertest';
import { bearer, createUser, type UserBody } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** Lowercase letters and digits only, so SQLite and PostgreSQL collations agree on the order. */
export const NAMES = [
  ...Array.from({ length: 22 }, (_, i) => `user${String(i).padStart(2, '0')}`),
  'alpha',
  'alpha',
  'alpha',
];

/** The body of an OPTIONS listing (the negotiation and CORS suites both read it). */
export interface OptionsBody {
  status: 'success';
  data: { path: string; methods: { method: string; parameters: { name: string; in: string }[] }[] };
}

export interface SeededSuite {
  t: TestApp;
  /** The Authorization header value of an admin token. */
  auth: string;
  /** One user a name of NAMES, in that order; the conventions suites page, sort and filter over them. */
  users: UserBody[];
  /** GET with the admin token. */
  get(path: string): Test;
}

/**
 * Registers, in the calling describe, an app of its own with the users of NAMES (started before its tests,
 * closed after them); the two REST conventions suites share it. The fields are set once beforeAll has run.
 */
export function seededSuite(): SeededSuite {
  const suite = {
    users: [] as UserBody[],
    get: (path: string) => suite.t.http.get(path).set('authorization', suite.auth),
  } as SeededSuite;
  beforeAll(async () => {
    suite.t = await startTestApp();
    const token = await suite.t.token();
    suite.auth = bearer(token);
    for (const [i, name] of NAMES.entries())
      suite.users.push(await createUser(suite.t, token, name, `${name}.${i}@example.com`));
  });
  afterAll(async () => {
    await suite.t.close();
  });
  return suite;
}
