import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { badRequest, checkUnknown, header, isRecord, parseBasic, safeEqual, validString } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';
import type { ErrorBody } from '../sandbox.types.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;

type Channel = 'email' | 'sms';

/** A repeated `Idempotency-Key` gets the first message back (202) and sends nothing again. */
function replayed(state: SandboxState, service: Channel, request: FastifyRequest, reply: FastifyReply): boolean {
  const key = header(request, 'idempotency-key');
  const id = key ? state.messageKeys.get(`${service}:${key}`) : undefined;
  if (!id) return false;
  state.counters.messages[service].replayed += 1;
  void reply.code(202).header('idempotent-replayed', 'true').send({ id, status: 'queued' });
  return true;
}

function accept(state: SandboxState, service: Channel, request: FastifyRequest, id: string): void {
  state.counters.messages[service].accepted += 1;
  const key = header(request, 'idempotency-key');
  if (!key) return;
  if (state.messageKeys.size >= state.options.maxEntries)
    state.messageKeys.delete(state.messageKeys.keys().next().value!);
  state.messageKeys.set(`${service}:${key}`, id);
}

/** One email-service instance: `X-API-Key`, 202 queued, recorded in the outbox. */
export async function emailPlugin(
  api: FastifyInstance,
  { state, instance }: { state: SandboxState; instance: string },
): Promise<void> {
  api.post('/v1/messages', async (request, reply) => {
    if (!state.apiKeyOk(request, reply, state.options.credentials.emailApiKey)) return reply;
    const errors: string[] = [];
    const body = request.body;
    if (!isRecord(body)) return badRequest(reply, ['body must be a JSON object']);
    checkUnknown(body, ['to', 'subject', 'text'], errors);
    const to = validString(body, 'to', 254, errors, EMAIL);
    const subject = validString(body, 'subject', 998, errors, /^[^\r\n]*$/);
    const text = validString(body, 'text', 100_000, errors);
    if (errors.length > 0) return badRequest(reply, errors);
    if (replayed(state, 'email', request, reply)) return reply;
    const id = `msg_${ulid()}`;
    accept(state, 'email', request, id);
    state.recordOutbox({
      service: 'email',
      instance,
      id,
      to,
      subject,
      text,
      requestId: header(request, 'x-request-id') ?? null,
      receivedAt: new Date().toISOString(),
    });
    return reply.code(202).send({ id, status: 'queued' });
  });
}

/** One SMS-service instance: Basic credentials, E.164 numbers, 202 queued, recorded in the outbox. */
export async function smsPlugin(
  api: FastifyInstance,
  { state, instance }: { state: SandboxState; instance: string },
): Promise<void> {
  const { sms } = state.options.credentials;
  api.post('/v1/messages', async (request, reply) => {
    const basic = parseBasic(header(request, 'authorization'));
    if (!basic || !safeEqual(basic.user, sms.username) || !safeEqual(basic.pass, sms.password)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="sandbox-sms", charset="UTF-8"')
        .send({ error: 'unauthorized', message: 'valid Basic credentials are required' } satisfies ErrorBody);
    }
    const errors: string[] = [];
    const body = request.body;
    if (!isRecord(body)) return badRequest(reply, ['body must be a JSON object']);
    checkUnknown(body, ['to', 'body'], errors);
    const to = validString(body, 'to', 16, errors, E164);
    const text = validString(body, 'body', 1600, errors);
    if (errors.length > 0) return badRequest(reply, errors);
    if (replayed(state, 'sms', request, reply)) return reply;
    const id = `sms_${ulid()}`;
    accept(state, 'sms', request, id);
    state.recordOutbox({
      service: 'sms',
      instance,
      id,
      to,
      body: text,
      requestId: header(request, 'x-request-id') ?? null,
      receivedAt: new Date().toISOString(),
    });
    return reply.code(202).send({ id, status: 'queued' });
  });
}
