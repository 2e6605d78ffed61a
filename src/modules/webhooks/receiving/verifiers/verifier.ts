import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { WebhookScheme } from '../../../../config/app.config.js';

/** Why a delivery was refused; for logs and metrics only (the receiver answers a uniform 401 / 400). */
export type VerifyFailureReason = 'missing-headers' | 'signature' | 'timestamp' | 'payload';

export type VerifyResult =
  | {
      ok: true;
      /** The dedup key: `webhook-id`, the payload's `id` (stripe) or `X-GitHub-Delivery`. */
      eventId: string;
      type: string;
      /** The body parsed as JSON, or undefined when it is not JSON (only possible for `github`). */
      payload: unknown;
      /** Unix seconds of the signed timestamp, for the schemes that sign one. */
      timestamp?: number;
    }
  | { ok: false; reason: VerifyFailureReason };

/** Request headers as Node and Fastify give them (names lower-cased; lookup is case-insensitive anyway). */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookVerifier {
  readonly scheme: WebhookScheme;
  /** `body` is the request body exactly as received; it is never decoded before the HMAC. */
  verify(headers: WebhookHeaders, body: Buffer): VerifyResult;
}

export interface VerifierOptions {
  /** Accepted clock difference, past or future, in seconds. */
  toleranceS: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

export const MAX_EVENT_ID_LENGTH = 255;

/** Visible ASCII only: header values are latin1 on the wire, so anything else is ambiguous to sign. */
const HEADER_ID = /^[\x21-\x7e]{1,255}$/;

export function fail(reason: VerifyFailureReason): VerifyResult {
  return { ok: false, reason };
}

export function header(headers: WebhookHeaders, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  const first = typeof value === 'string' ? value : value?.[0];
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

export function isHeaderId(value: string): boolean {
  return HEADER_ID.test(value);
}

/** The HMAC keys of a source's secrets (the secret's UTF-8 bytes unless the scheme encodes them). */
export function hmacKeys(
  scheme: WebhookScheme,
  secrets: readonly string[],
  toKey: (secret: string, index: number) => KeyObject = (secret) => createSecretKey(Buffer.from(secret, 'utf8')),
): KeyObject[] {
  if (secrets.length === 0) throw new Error(`${scheme} webhook verifier needs at least one secret`);
  return secrets.map(toKey);
}

/** HMAC-SHA256 over the given parts, fed as bytes: strings as UTF-8, Buffers untouched. */
export function hmacSha256(key: KeyObject, ...parts: (string | Buffer)[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Constant-time comparison; a length difference (public information) is answered early. */
export function sameBytes(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const UNIX_SECONDS = /^\d{1,12}$/;

export function parseUnixSeconds(value: string): number | undefined {
  return UNIX_SECONDS.test(value) ? Number(value) : undefined;
}

export function withinTolerance(timestamp: number, options: VerifierOptions): boolean {
  const nowS = Math.floor((options.now ?? Date.now)() / 1000);
  return Math.abs(nowS - timestamp) <= options.toleranceS;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON from the raw bytes; undefined when they are not UTF-8 or not JSON. */
export function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(body)) };
  } catch {
    return undefined;
  }
}

/** A non-empty string property of a JSON object payload. */
export function stringProperty(payload: unknown, name: string, maxLength = Infinity): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  if (!Object.hasOwn(payload, name)) return undefined;
  const value: unknown = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength ? value : undefined;
}
