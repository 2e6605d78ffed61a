import type { KeyObject } from 'node:crypto';
import {
  fail,
  header,
  hmacKeys,
  hmacSha256,
  isHeaderId,
  parseJson,
  sameBytes,
  type VerifyResult,
  type WebhookHeaders,
  type WebhookVerifier,
} from './verifier.js';

const SHA256_SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. GitHub signs no timestamp and
 * not the `X-GitHub-Delivery` / `X-GitHub-Event` headers, so there is no tolerance check and replay
 * protection rests on deduplication by delivery id.
 */
export class GithubWebhookVerifier implements WebhookVerifier {
  readonly scheme = 'github' as const;
  private readonly keys: KeyObject[];

  constructor(secrets: readonly string[]) {
    this.keys = hmacKeys('github', secrets);
  }

  verify(headers: WebhookHeaders, body: Buffer): VerifyResult {
    const signatureHeader = header(headers, 'x-hub-signature-256');
    const eventId = header(headers, 'x-github-delivery');
    const type = header(headers, 'x-github-event');
    if (!signatureHeader || !eventId || !type || !isHeaderId(eventId) || !isHeaderId(type)) {
      return fail('missing-headers');
    }
    const hex = SHA256_SIGNATURE.exec(signatureHeader)?.[1];
    if (!hex) return fail('signature');
    const given = Buffer.from(hex, 'hex');
    if (!this.keys.some((key) => sameBytes(hmacSha256(key, body), given))) return fail('signature');

    // Form-encoded deliveries (`payload=...`) are authentic but not JSON; the headers carry id and type.
    return { ok: true, eventId, type, payload: parseJson(body)?.value };
  }
}
