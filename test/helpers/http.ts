import type { Response } from 'supertest';
import type { TestApp } from './test-app.js';

/** Response bodies as the contract (§1) describes them. */
export interface Meta {
  requestId: string;
  timestamp: string;
}

export interface PageLinks {
  self: string;
  next: string | null;
  prev: string | null;
}

export interface ListMeta extends Meta {
  offset: number;
  limit: number;
  links: PageLinks;
}

export interface Envelope<T> {
  status: 'success';
  data: T;
  metadata: Meta;
}

export interface ListEnvelope<T> {
  status: 'success';
  data: T[];
  total: number;
  metadata: ListMeta;
}

export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId: string;
  timestamp: string;
  errors?: FieldError[];
}

export interface UserBody {
  userId: string;
  name: string;
  email: string;
  createdAt: string;
  updatedAt: string;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const PROBLEM_BASE = 'https://nest-integration-gateway.dev/problems/';

export const bearer = (token: string): string => `Bearer ${token}`;

export function envelope<T>(res: Response): Envelope<T> {
  return res.body as Envelope<T>;
}

export function list<T>(res: Response): ListEnvelope<T> {
  return res.body as ListEnvelope<T>;
}

/**
 * Asserts an RFC 9457 problem (§1): the media type, the status in the body, the type slug, the
 * instance path, the request id of the header, an ISO timestamp and no stack trace.
 */
export function expectProblem(res: Response, status: number, slug?: string, instance?: string): Problem {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Problem;
  expect(body.status).toBe(status);
  expect(body.type.startsWith(PROBLEM_BASE)).toBe(true);
  if (slug) expect(body.type).toBe(PROBLEM_BASE + slug);
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  if (instance) expect(body.instance).toBe(instance);
  expect(body.requestId).toBe(res.headers['x-request-id']);
  expect(body.timestamp).toMatch(ISO_UTC);
  expect(res.text).not.toMatch(/"stack"|\n\s+at |\.ts:\d+/);
  return body;
}

/** Creates a user through the API and returns its representation. */
export async function createUser(t: TestApp, token: string, name: string, email: string): Promise<UserBody> {
  const res = await t.http.post('/api/v1/users').set('authorization', bearer(token)).send({ name, email });
  if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${res.text}`);
  return envelope<UserBody>(res).data;
}
