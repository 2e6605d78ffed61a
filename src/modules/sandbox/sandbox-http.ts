import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Small request helpers shared by the fake services (each plugin validates like a real provider). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Constant-time string equality (hashing first evens out lengths). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `undefined`: no Basic credentials sent; `null`: malformed. */
export function parseBasic(value: string | undefined): { user: string; pass: string } | null | undefined {
  if (value === undefined || !/^basic\s/i.test(value)) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const idx = decoded.indexOf(':');
  if (idx < 0) return null;
  return { user: decoded.slice(0, idx), pass: decoded.slice(idx + 1) };
}

/** RFC 6749 §2.3.1 form-encodes id and secret before Basic; accept both encoded and raw. */
export function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Sets `key` as the newest entry and drops the oldest beyond `max` (a bounded LRU-ish store). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

export function checkUnknown(body: Record<string, unknown>, allowed: string[], errors: string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) errors.push(`unknown properties: ${unknown.join(', ')}`);
}

export function validString(
  body: Record<string, unknown>,
  name: string,
  max: number,
  errors: string[],
  pattern?: RegExp,
): string {
  const v = body[name];
  if (typeof v !== 'string' || v.trim() === '') {
    errors.push(`${name} is required (a non-empty string)`);
    return '';
  }
  if (v.length > max) errors.push(`${name} must be at most ${max} characters`);
  else if (pattern && !pattern.test(v)) errors.push(`${name} is not valid`);
  return v;
}

export const badRequest = (reply: FastifyReply, errors: string[]) =>
  reply.code(400).send({ error: 'invalid_request', message: errors.join('; '), errors });
