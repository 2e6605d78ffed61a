import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { badRequest, checkUnknown, header, isRecord, setBounded, validString } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';
import type { ErrorBody, SandboxPayment } from '../sandbox.types.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_AMOUNT = 99_999_999_999;

function paymentInput(body: unknown): { value?: Omit<SandboxPayment, 'id' | 'status'>; errors: string[] } {
  const errors: string[] = [];
  if (!isRecord(body)) return { errors: ['body must be a JSON object'] };
  checkUnknown(body, ['amount', 'currency', 'reference'], errors);
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    errors.push(`amount must be an integer between 1 and ${MAX_AMOUNT} (minor units)`);
  }
  const currency = validString(body, 'currency', 3, errors, CURRENCY);
  const reference = validString(body, 'reference', 255, errors);
  if (errors.length > 0) return { errors };
  return { value: { amount: amount as number, currency, reference }, errors };
}

/** One payment-service instance: create (bearer token, `Idempotency-Key`) and look up payments. */
export async function paymentPlugin(
  api: FastifyInstance,
  { state, basePath }: { state: SandboxState; basePath: string },
): Promise<void> {
  const { maxEntries } = state.options;
  api.post('/v1/payments', async (request, reply) => {
    const client = state.bearerClient(request, reply);
    if (!client) return reply;
    const key = header(request, 'idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      return badRequest(reply, ['Idempotency-Key must be 1-255 visible ASCII characters']);
    }
    const { value, errors } = paymentInput(request.body);
    if (!value) return badRequest(reply, errors);
    const fingerprint = JSON.stringify([value.amount, value.currency, value.reference]);
    const scopedKey = key === undefined ? undefined : `${client.clientId}\n${key}`;
    if (scopedKey !== undefined) {
      const seen = state.idempotency.get(scopedKey);
      const existing = seen && state.payments.get(seen.paymentId);
      if (seen && existing) {
        if (seen.fingerprint !== fingerprint) {
          return reply.code(422).send({
            error: 'idempotency_key_reused',
            message: 'this Idempotency-Key was used with a different request body',
          } satisfies ErrorBody);
        }
        state.counters.payments.replayed += 1;
        return reply
          .code(201)
          .header('location', `${basePath}/v1/payments/${existing.id}`)
          .header('idempotent-replayed', 'true')
          .send(existing);
      }
    }
    const payment: SandboxPayment = { id: `pay_${ulid()}`, status: 'pending', ...value };
    setBounded(state.payments, payment.id, payment, maxEntries);
    if (scopedKey !== undefined)
      setBounded(state.idempotency, scopedKey, { fingerprint, paymentId: payment.id }, maxEntries);
    state.counters.payments.created += 1;
    state.counters.payments.pending += 1;
    state.settle(payment);
    return reply.code(201).header('location', `${basePath}/v1/payments/${payment.id}`).send(payment);
  });
  api.get<{ Params: { id: string } }>('/v1/payments/:id', async (request, reply) => {
    if (!state.bearerClient(request, reply)) return reply;
    const payment = state.payments.get(request.params.id);
    if (!payment) {
      return reply
        .code(404)
        .send({ error: 'not_found', message: `no payment ${request.params.id}` } satisfies ErrorBody);
    }
    return reply.code(200).send(payment);
  });
}
