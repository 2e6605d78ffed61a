import type { Payment } from '../../src/modules/payments/entities/payment.entity.js';

/**
 * A confirmed payment row to insert straight into `payments` (no provider call), for suites about how
 * collections are read; `fields` sets what the suite sorts on.
 */
export function paymentRow(
  id: string,
  fields: Pick<Payment, 'amount' | 'createdAt' | 'settledAt'> & Partial<Pick<Payment, 'lastEventId'>>,
): Omit<Payment, 'updatedAt'> & { updatedAt: Date } {
  return {
    id,
    userId: 'u',
    currency: 'JPY',
    status: 'succeeded',
    providerPaymentId: `p-${id}`,
    clientId: 'c',
    idempotencyKey: null,
    requestHash: 'h',
    updatedAt: fields.createdAt,
    lastEventAt: null,
    lastEventId: null,
    reconcileAfter: null,
    ...fields,
  };
}
