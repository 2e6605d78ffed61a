import type { KeyObject } from 'node:crypto';
import {
  fail,
  hmacSha256,
  MAX_EVENT_ID_LENGTH,
  parseJson,
  parseUnixSeconds,
  sameBytes,
  stringProperty,
  withinTolerance,
  type VerifierOptions,
  type VerifyResult,
  type WebhookHeaders,
  type WebhookVerifier,
} from './verifier.js';

/** What a timestamped scheme reads from its headers, before anything is trusted. */
export interface SignedHeaders {
  /** The signed timestamp as sent (checked only once the signature holds). */
  timestamp: string;
  /** What is signed before the raw body, e.g. `${id}.${timestamp}.`. */
  prefix: string;
  /** Every well-formed signature sent (a sender rotating secrets signs with each). */
  signatures: Buffer[];
  /** The event id when a header carries it; otherwise the payload's `id` is the event id. */
  eventId?: string;
}

/**
 * The schemes that sign a timestamp with HMAC-SHA256 over `prefix` + raw body (Standard Webhooks, Stripe):
 * headers, then the signature (constant-time, any configured key against any signature sent), then the
 * timestamp tolerance, then the JSON payload. A scheme says how its headers read and what it signs.
 */
export abstract class TimestampedHmacVerifier implements WebhookVerifier {
  abstract readonly scheme: 'standard' | 'stripe';

  constructor(
    private readonly keys: readonly KeyObject[],
    private readonly options: VerifierOptions,
  ) {}

  /** The signed parts of the headers; undefined when one is missing or malformed. */
  protected abstract signedHeaders(headers: WebhookHeaders): SignedHeaders | undefined;

  verify(headers: WebhookHeaders, body: Buffer): VerifyResult {
    const signed = this.signedHeaders(headers);
    if (!signed) return fail('missing-headers');

    const authentic = this.keys.some((key) => {
      const expected = hmacSha256(key, signed.prefix, body);
      return signed.signatures.some((sig) => sameBytes(expected, sig));
    });
    if (!authentic) return fail('signature');

    const timestamp = parseUnixSeconds(signed.timestamp);
    if (timestamp === undefined || !withinTolerance(timestamp, this.options)) return fail('timestamp');

    const parsed = parseJson(body);
    const eventId = signed.eventId ?? stringProperty(parsed?.value, 'id', MAX_EVENT_ID_LENGTH);
    const type = stringProperty(parsed?.value, 'type');
    if (!parsed || !eventId || !type) return fail('payload');
    return { ok: true, eventId, type, payload: parsed.value, timestamp };
  }
}
