import { DataSource } from 'typeorm';
import { EmailMessagesService } from '../../src/modules/messages/index.js';
import { bearer, envelope, expectProblem, ISO_UTC, list } from '../helpers/http.js';
import { call } from '../support/sandbox-http.js';
import { requestsTo, startWithSandbox, type SandboxedApp } from '../support/integrations.js';

interface EmailBody {
  messageId: string;
  providerMessageId: string;
  status: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

interface SmsBody {
  messageId: string;
  providerMessageId: string;
  status: string;
  to: string;
  body: string;
  createdAt: string;
}

interface OutboxEntry {
  service: 'email' | 'sms';
  id: string;
  to: string;
  subject?: string;
  text?: string;
  body?: string;
}

describe('email and SMS messages (§4, §5 email over API key, SMS over HTTP Basic)', () => {
  let s: SandboxedApp;
  let token: string;

  beforeAll(async () => {
    s = await startWithSandbox();
    token = await s.t.token(['messages:write']);
  });
  afterAll(async () => {
    await s.close();
  });

  const outbox = async () => (await call(s.url, 'GET', '/_outbox')).body as OutboxEntry[];

  describe('POST /api/v1/email-messages', () => {
    it("201 with Location, our messageId and the email service's id and status; the service got the email", async () => {
      const res = await s.t.http
        .post('/api/v1/email-messages')
        .set('authorization', bearer(token))
        .set('x-request-id', 'support-case-4711')
        .send({ to: 'yamada@example.com', subject: 'お支払いが完了しました', text: 'ご利用ありがとうございます。' });
      expect(res.status).toBe(201);
      const message = envelope<EmailBody>(res).data;
      expect(res.headers.location).toBe(`/api/v1/email-messages/${message.messageId}`);
      expect(message).toMatchObject({
        status: 'queued',
        to: 'yamada@example.com',
        subject: 'お支払いが完了しました',
        text: 'ご利用ありがとうございます。',
      });
      expect(message.providerMessageId).toMatch(/^msg_/);
      expect(message.createdAt).toMatch(ISO_UTC);
      expect(await outbox()).toContainEqual(
        expect.objectContaining({
          service: 'email',
          id: message.providerMessageId,
          to: 'yamada@example.com',
          // The caller's request id reached the provider, so one id follows the request across services.
          requestId: 'support-case-4711',
        }),
      );

      const got = await s.t.http.get(res.headers.location).set('authorization', bearer(token)).expect(200);
      expect(envelope<EmailBody>(got).data).toEqual(message);
      const listed = await s.t.http
        .get('/api/v1/email-messages?to=yamada@example.com&fields=messageId,status')
        .set('authorization', bearer(token))
        .expect(200);
      expect(list(listed).data).toContainEqual({ messageId: message.messageId, status: 'queued' });
    });

    it.each([
      ['an invalid address', { to: 'not-an-address', subject: 's', text: 't' }, 'to'],
      ['a two-line subject', { to: 'a@example.com', subject: 'a\r\nBcc: x@example.com', text: 't' }, 'subject'],
      ['a blank text', { to: 'a@example.com', subject: 's', text: '   ' }, 'text'],
      ['a missing subject', { to: 'a@example.com', text: 't' }, 'subject'],
    ])('400 for %s, and nothing is sent', async (_what, body, field) => {
      const before = requestsTo(s.stats(), 'email');
      const res = await s.t.http.post('/api/v1/email-messages').set('authorization', bearer(token)).send(body);
      expect(expectProblem(res, 400, 'validation-error').errors?.map((e) => e.field)).toContain(field);
      expect(requestsTo(s.stats(), 'email')).toBe(before);
    });

    it('404 for an unknown message id; 403 without messages:write', async () => {
      expectProblem(
        await s.t.http.get('/api/v1/email-messages/01JNOSUCHMESSAGE0000000000').set('authorization', bearer(token)),
        404,
      );
      const other = await s.t.token(['payments:read']);
      expectProblem(
        await s.t.http
          .post('/api/v1/email-messages')
          .set('authorization', bearer(other))
          .send({ to: 'a@example.com', subject: 's', text: 't' }),
        403,
      );
    });
  });

  describe('EmailMessagesService.send with an idempotency key', () => {
    it('sends once per key: a second send returns the recorded message without calling the service', async () => {
      const service = s.t.app.get(EmailMessagesService);
      const before = requestsTo(s.stats(), 'email');
      const input = { to: 'notify@example.com', subject: 'Payment succeeded', text: 'Thank you.' };
      const first = await service.send(input, { idempotencyKey: 'webhook:evt_0001' });
      const second = await service.send(input, { idempotencyKey: 'webhook:evt_0001' });
      expect(second).toEqual(first);
      expect(requestsTo(s.stats(), 'email')).toBe(before + 1);
      const third = await service.send(input, { idempotencyKey: 'webhook:evt_0002' });
      expect(third.messageId).not.toBe(first.messageId);
      expect(requestsTo(s.stats(), 'email')).toBe(before + 2);
    });

    it('for a webhook handler: the call outside any transaction, the record in one that may roll back', async () => {
      const service = s.t.app.get(EmailMessagesService);
      const dataSource = s.t.app.get(DataSource);
      const input = { to: 'tx@example.com', subject: 'After the commit', text: 'Body.' };
      const before = requestsTo(s.stats(), 'email');
      const lost = await service.deliverForEvent(input, 'webhook:evt_rolled_back', 'evt_rolled_back');
      await expect(
        dataSource.transaction(async (manager) => {
          await lost(manager);
          throw new Error('marking the event failed');
        }),
      ).rejects.toThrow('marking the event failed');
      expect(await dataSource.transaction((m) => service.findByKey('webhook:evt_rolled_back', m))).toBeNull();
      // The retry of that event calls again with the same key: the provider answers with the first message.
      const retried = await service.deliverForEvent(input, 'webhook:evt_rolled_back', 'evt_rolled_back');
      await dataSource.transaction((m) => retried(m));
      const kept = await dataSource.transaction((m) => service.findByKey('webhook:evt_rolled_back', m));
      expect(kept?.to).toBe('tx@example.com');
      const sent = (await outbox()).filter((m) => m.to === 'tx@example.com');
      expect(sent).toHaveLength(1);
      expect(kept?.providerMessageId).toBe(sent[0].id);
      expect(requestsTo(s.stats(), 'email')).toBe(before + 2);
    });
  });

  describe('POST /api/v1/sms-messages', () => {
    it("201 with the SMS service's id and status; stored and listed", async () => {
      const res = await s.t.http
        .post('/api/v1/sms-messages')
        .set('authorization', bearer(token))
        .send({ to: '+819012345678', body: '認証コード: 123456' });
      expect(res.status).toBe(201);
      const message = envelope<SmsBody>(res).data;
      expect(res.headers.location).toBe(`/api/v1/sms-messages/${message.messageId}`);
      expect(message).toMatchObject({ status: 'queued', to: '+819012345678', body: '認証コード: 123456' });
      expect(message.providerMessageId).toMatch(/^sms_/);
      expect(await outbox()).toContainEqual(
        expect.objectContaining({
          service: 'sms',
          id: message.providerMessageId,
          body: '認証コード: 123456',
          requestId: res.headers['x-request-id'],
        }),
      );
      const got = await s.t.http.get(res.headers.location).set('authorization', bearer(token)).expect(200);
      expect(envelope<SmsBody>(got).data).toEqual(message);
      const listed = await s.t.http
        .get(`/api/v1/sms-messages?to=${encodeURIComponent('+819012345678')}`)
        .set('authorization', bearer(token))
        .expect(200);
      expect(list<SmsBody>(listed).data.map((m) => m.messageId)).toContain(message.messageId);
    });

    it.each([
      ['a national number', { to: '09012345678', body: 'x' }, 'to'],
      ['a number with spaces', { to: '+81 90 1234 5678', body: 'x' }, 'to'],
      ['a body over 1600 characters', { to: '+819012345678', body: 'x'.repeat(1601) }, 'body'],
    ])('400 for %s, and nothing is sent', async (_what, body, field) => {
      const before = requestsTo(s.stats(), 'sms');
      const res = await s.t.http.post('/api/v1/sms-messages').set('authorization', bearer(token)).send(body);
      expect(expectProblem(res, 400, 'validation-error').errors?.map((e) => e.field)).toContain(field);
      expect(requestsTo(s.stats(), 'sms')).toBe(before);
    });
  });
});
