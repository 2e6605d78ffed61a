import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { StandardWebhookVerifier } from './standard.verifier.js';
import type { WebhookHeaders } from './verifier.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_' + Buffer.from('another secret of 32 bytes......').toString('base64');
const THIRD_SECRET = 'whsec_' + Buffer.from('a secret nobody configured......').toString('base64');
const NOW_S = 1_700_000_000;
const TOLERANCE_S = 300;
const options = { toleranceS: TOLERANCE_S, now: () => NOW_S * 1000 };

function headers(id: string, timestampS: number, signature: string): WebhookHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': signature };
}

/** Signed by the reference implementation. */
function signed(secret: string, body: string, id = 'msg_1', timestampS = NOW_S) {
  const signature = new Webhook(secret).sign(id, new Date(timestampS * 1000), body);
  return { headers: headers(id, timestampS, signature), body: Buffer.from(body) };
}

/** Independent HMAC over the exact bytes, for bodies the reference library would decode first. */
function signBytes(secret: string, id: string, timestampS: number, body: Buffer): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampS}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

const event = JSON.stringify({ type: 'payment.succeeded', timestamp: '2024-12-17T10:30:00Z', data: { id: 'pay_1' } });

describe('StandardWebhookVerifier', () => {
  const verifier = new StandardWebhookVerifier([SECRET], options);

  it('accepts the published Standard Webhooks test vector (then wants a `type` in the payload)', () => {
    // Vector from the Standard Webhooks / Svix reference libraries.
    const vector = headers(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
    const body = Buffer.from('{"test": 2432232314}');
    const at = new StandardWebhookVerifier([SECRET], { toleranceS: TOLERANCE_S, now: () => 1614265330 * 1000 });
    // Signature and timestamp pass; the payload has no `type`, which this scheme needs.
    expect(at.verify(vector, body)).toEqual({ ok: false, reason: 'payload' });
    expect(at.verify(vector, Buffer.from('{"test": 2432232315}'))).toEqual({ ok: false, reason: 'signature' });
  });

  it('accepts what standardwebhooks signs, with the id, type, payload and timestamp', () => {
    const { headers: h, body } = signed(SECRET, event, 'msg_2Lh9KRb0pzN4LePd3XiA4xE7');
    expect(verifier.verify(h, body)).toEqual({
      ok: true,
      eventId: 'msg_2Lh9KRb0pzN4LePd3XiA4xE7',
      type: 'payment.succeeded',
      payload: JSON.parse(event),
      timestamp: NOW_S,
    });
  });

  it('agrees with the reference verify() on good and tampered deliveries', () => {
    const live = new StandardWebhookVerifier([SECRET], { toleranceS: 300 });
    const nowS = Math.floor(Date.now() / 1000);
    const { headers: h, body } = signed(SECRET, event, 'msg_x', nowS);
    const reference = (b: Buffer) => {
      try {
        new Webhook(SECRET).verify(b, h as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    };
    const tampered = Buffer.from(event.replace('succeeded', 'failed'));
    expect(live.verify(h, body).ok).toBe(true);
    expect(reference(body)).toBe(true);
    expect(live.verify(h, tampered).ok).toBe(false);
    expect(reference(tampered)).toBe(false);
  });

  it('rejects a tampered body, a wrong secret and a changed id or timestamp', () => {
    const { headers: h, body } = signed(SECRET, event);
    expect(verifier.verify(h, Buffer.from(event + ' '))).toEqual({ ok: false, reason: 'signature' });
    expect(verifier.verify({ ...h, 'webhook-id': 'msg_2' }, body)).toEqual({ ok: false, reason: 'signature' });
    expect(verifier.verify({ ...h, 'webhook-timestamp': String(NOW_S + 1) }, body)).toEqual({
      ok: false,
      reason: 'signature',
    });
    const wrong = signed(THIRD_SECRET, event);
    expect(verifier.verify(wrong.headers, wrong.body)).toEqual({ ok: false, reason: 'signature' });
  });

  it('rejects garbage and non-v1 signatures', () => {
    const { headers: h, body } = signed(SECRET, event);
    const mac = String(h['webhook-signature']).slice(3);
    for (const signature of [
      `v1a,${mac}`,
      `v2,${mac}`,
      mac,
      'v1,',
      'v1,AAAA',
      `v1,${mac}AA`,
      `v1,${mac.slice(0, -2)}=`,
    ]) {
      expect(verifier.verify({ ...h, 'webhook-signature': signature }, body)).toEqual({
        ok: false,
        reason: 'signature',
      });
    }
  });

  it('accepts a matching v1 entry anywhere in a space-separated list', () => {
    const { headers: h, body } = signed(SECRET, event);
    const good = String(h['webhook-signature']);
    const bad = signed(THIRD_SECRET, event).headers['webhook-signature'];
    const list = `v1a,ZmFrZQ== ${String(bad)} ${good}`;
    expect(verifier.verify({ ...h, 'webhook-signature': list }, body).ok).toBe(true);
  });

  it('tries every configured secret (rotation): the second one matches', () => {
    const rotating = new StandardWebhookVerifier([OTHER_SECRET, SECRET], options);
    const { headers: h, body } = signed(SECRET, event);
    expect(rotating.verify(h, body).ok).toBe(true);
    const byFirst = signed(OTHER_SECRET, event);
    expect(rotating.verify(byFirst.headers, byFirst.body).ok).toBe(true);
    const byNone = signed(THIRD_SECRET, event);
    expect(rotating.verify(byNone.headers, byNone.body)).toEqual({ ok: false, reason: 'signature' });
  });

  it('reports missing headers', () => {
    const { headers: h, body } = signed(SECRET, event);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      expect(verifier.verify({ ...h, [name]: undefined }, body)).toEqual({ ok: false, reason: 'missing-headers' });
      expect(verifier.verify({ ...h, [name]: '  ' }, body)).toEqual({ ok: false, reason: 'missing-headers' });
    }
    expect(verifier.verify({}, body)).toEqual({ ok: false, reason: 'missing-headers' });
  });

  it('finds headers whatever their case', () => {
    const { headers: h, body } = signed(SECRET, event);
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifier.verify(upper, body).ok).toBe(true);
  });

  it('rejects timestamps more than the tolerance away, past or future, even when authentic', () => {
    for (const offset of [-TOLERANCE_S - 1, TOLERANCE_S + 1, -86_400, 86_400]) {
      const { headers: h, body } = signed(SECRET, event, 'msg_t', NOW_S + offset);
      expect(verifier.verify(h, body)).toEqual({ ok: false, reason: 'timestamp' });
    }
    for (const offset of [-TOLERANCE_S, 0, TOLERANCE_S]) {
      const { headers: h, body } = signed(SECRET, event, 'msg_t', NOW_S + offset);
      expect(verifier.verify(h, body).ok).toBe(true);
    }
  });

  it('rejects an authentic but non-numeric timestamp', () => {
    const body = Buffer.from(event);
    const h = { 'webhook-id': 'msg_n', 'webhook-timestamp': '1700000000abc' };
    const key = Buffer.from(SECRET.slice(6), 'base64');
    const mac = createHmac('sha256', key).update(`msg_n.1700000000abc.`).update(body).digest('base64');
    expect(verifier.verify({ ...h, 'webhook-signature': `v1,${mac}` }, body)).toEqual({
      ok: false,
      reason: 'timestamp',
    });
  });

  it('checks the signature over the raw bytes of a non-UTF-8 body, then refuses it as a payload', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0x80, 0x00, 0xc3, 0x28, 0x7d]);
    const copy = Buffer.from(bytes);
    const h = headers('msg_bin', NOW_S, signBytes(SECRET, 'msg_bin', NOW_S, bytes));
    expect(verifier.verify(h, bytes)).toEqual({ ok: false, reason: 'payload' });
    expect(bytes.equals(copy)).toBe(true);
    // One flipped bit is a bad signature, so the bytes themselves were authenticated.
    const flipped = Buffer.from(bytes);
    flipped[0] ^= 1;
    expect(verifier.verify(h, flipped)).toEqual({ ok: false, reason: 'signature' });
    // A signature over the decoded string (U+FFFD replacements) is not a signature over these bytes.
    const lossy = new Webhook(SECRET).sign('msg_bin', new Date(NOW_S * 1000), bytes);
    expect(verifier.verify({ ...h, 'webhook-signature': lossy }, bytes)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses authentic bodies that are not JSON objects with a string type', () => {
    for (const body of ['not json', '', '[]', 'null', '{"type": 1}', '{"type": ""}', '{"data": {}}']) {
      const h = headers('msg_p', NOW_S, signBytes(SECRET, 'msg_p', NOW_S, Buffer.from(body)));
      expect(verifier.verify(h, Buffer.from(body))).toEqual({ ok: false, reason: 'payload' });
    }
  });

  it('refuses ids that are not visible ASCII or are too long', () => {
    for (const id of ['msg 1', 'msg_\u00e9', 'x'.repeat(256)]) {
      const h = headers(id, NOW_S, signBytes(SECRET, id, NOW_S, Buffer.from(event)));
      expect(verifier.verify(h, Buffer.from(event))).toEqual({ ok: false, reason: 'missing-headers' });
    }
  });

  it('refuses a secret that is not whsec_ + base64 at construction, without echoing it', () => {
    expect(() => new StandardWebhookVerifier(['whsec_not base64!'], options)).toThrow(
      'standard webhook secret #1 is not "whsec_" followed by base64',
    );
    expect(() => new StandardWebhookVerifier([SECRET, 'whsec_'], options)).toThrow(/secret #2/);
    expect(() => new StandardWebhookVerifier([], options)).toThrow(/at least one secret/);
    const thrown = (() => {
      try {
        new StandardWebhookVerifier(['whsec_s3cr3t!!'], options);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(thrown?.message).toMatch(/secret #1/);
    expect(thrown?.message).not.toContain('s3cr3t');
  });
});
