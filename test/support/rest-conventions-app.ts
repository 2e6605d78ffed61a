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

export interface SeededApp {
  t: TestApp;
  /** The Authorization header value of an admin token. */
  auth: string;
  /** One user a name of NAMES, in that order; the conventions suites page, sort and filter over them. */
  users: UserBody[];
}

/** An app of its own with the users of NAMES, shared by the two REST conventions suites. */
export async function startSeededApp(): Promise<SeededApp> {
  const t = await startTestApp();
  const token = await t.token();
  const users: UserBody[] = [];
  for (const [i, name] of NAMES.entries()) users.push(await createUser(t, token, name, `${name}.${i}@example.com`));
  return { t, auth: bearer(token), users };
}
