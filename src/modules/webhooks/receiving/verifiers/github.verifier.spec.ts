import { createHmac } from 'node:crypto';
import { sign, verify } from '@octokit/webhooks-methods';
import { GithubWebhookVerifier } from './github.verifier.js';
import type { WebhookHeaders } from './verifier.js';

const SECRET = "It's a Secret to Everybody";
const OTHER_SECRET = 'the previous secret';
const THIRD_SECRET = 'a secret nobody configured';
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

const event = JSON.stringify({ action: 'opened', issue: { number: 1 }, repository: { full_name: 'o/r' } });

function headers(signature: string | undefined, extra: WebhookHeaders = {}): WebhookHeaders {
  return { 'x-hub-signature-256': signature, 'x-github-delivery': DELIVERY, 'x-github-event': 'issues', ...extra };
}

describe('GithubWebhookVerifier', () => {
  const verifier = new GithubWebhookVerifier([SECRET]);

  it("accepts GitHub's documented example (not JSON, so no payload)", () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifier.verify(headers(signature), Buffer.from('Hello, World!'))).toEqual({
      ok: true,
      eventId: DELIVERY,
      type: 'issues',
      payload: undefined,
    });
    expect(verifier.verify(headers(signature), Buffer.from('Hello, World?'))).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('accepts what @octokit/webhooks-methods signs, and agrees with its verify()', async () => {
    const signature = await sign(SECRET, event);
    const result = verifier.verify(headers(signature), Buffer.from(event));
    expect(result).toEqual({ ok: true, eventId: DELIVERY, type: 'issues', payload: JSON.parse(event) });
    expect(await verify(SECRET, event, signature)).toBe(true);
    const tampered = event.replace('opened', 'closed');
    expect(verifier.verify(headers(signature), Buffer.from(tampered)).ok).toBe(false);
    expect(await verify(SECRET, tampered, signature)).toBe(false);
  });

  it('rejects a wrong secret, a sha1-only delivery and malformed signatures', async () => {
    const body = Buffer.from(event);
    expect(verifier.verify(headers(await sign(THIRD_SECRET, event)), body)).toEqual({ ok: false, reason: 'signature' });
    const good = await sign(SECRET, event);
    for (const bad of [
      good.slice(7),
      `sha1=${good.slice(7)}`,
      good.slice(0, -1),
      `${good}0`,
      `${good.slice(0, -1)}z`,
    ]) {
      expect(verifier.verify(headers(bad), body)).toEqual({ ok: false, reason: 'signature' });
    }
    const sha1 = createHmac('sha1', SECRET).update(body).digest('hex');
    expect(verifier.verify({ ...headers(undefined), 'x-hub-signature': `sha1=${sha1}` }, body)).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
  });

  it('tries every configured secret (rotation): the second one matches', async () => {
    const rotating = new GithubWebhookVerifier([OTHER_SECRET, SECRET]);
    expect(rotating.verify(headers(await sign(SECRET, event)), Buffer.from(event)).ok).toBe(true);
    expect(rotating.verify(headers(await sign(OTHER_SECRET, event)), Buffer.from(event)).ok).toBe(true);
    expect(rotating.verify(headers(await sign(THIRD_SECRET, event)), Buffer.from(event))).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('reports missing headers, including the delivery id and event name it takes from them', async () => {
    const signature = await sign(SECRET, event);
    const body = Buffer.from(event);
    for (const name of ['x-hub-signature-256', 'x-github-delivery', 'x-github-event']) {
      expect(verifier.verify({ ...headers(signature), [name]: undefined }, body)).toEqual({
        ok: false,
        reason: 'missing-headers',
      });
    }
    expect(verifier.verify(headers(signature, { 'x-github-delivery': 'a b' }), body)).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
  });

  it('needs no timestamp: a delivery signed long ago still verifies (dedup is the replay defence)', async () => {
    const signature = await sign(SECRET, event);
    expect(verifier.verify(headers(signature, { date: 'Thu, 01 Jan 1970 00:00:00 GMT' }), Buffer.from(event)).ok).toBe(
      true,
    );
  });

  it('checks the signature over the raw bytes of a non-UTF-8 body and keeps them', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x41]);
    const copy = Buffer.from(bytes);
    const signature = `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`;
    expect(verifier.verify(headers(signature), bytes)).toEqual({
      ok: true,
      eventId: DELIVERY,
      type: 'issues',
      payload: undefined,
    });
    expect(bytes.equals(copy)).toBe(true);
    // The signature of the same bytes decoded to a string (U+FFFD replacements) does not match.
    const lossy = `sha256=${createHmac('sha256', SECRET).update(bytes.toString('utf8')).digest('hex')}`;
    expect(lossy).not.toBe(signature);
    expect(verifier.verify(headers(lossy), bytes)).toEqual({ ok: false, reason: 'signature' });
  });

  it('accepts an authentic form-encoded delivery, with id and type from the headers', async () => {
    const form = `payload=${encodeURIComponent(event)}`;
    expect(verifier.verify(headers(await sign(SECRET, form)), Buffer.from(form))).toEqual({
      ok: true,
      eventId: DELIVERY,
      type: 'issues',
      payload: undefined,
    });
  });
});
