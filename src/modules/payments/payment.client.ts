import { Injectable } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { IntegrationsRegistry } from '../integrations/index.js';
import { PAYMENT_INTEGRATION } from './payment.integration.js';

/** The payment service's payment object (contract §5), validated before anyone reads it. */
export class ProviderPayment {
  @IsString()
  @MaxLength(64)
  @Matches(/^pay_[A-Za-z0-9_-]+$/)
  id!: string;

  @IsIn(['pending', 'succeeded', 'failed'])
  status!: 'pending' | 'succeeded' | 'failed';

  @IsInt()
  @Min(1)
  amount!: number;

  @IsString()
  @Matches(/^[A-Z]{3}$/)
  currency!: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  reference?: string;
}

export interface CreateProviderPayment {
  amount: number;
  currency: string;
  /** Our payment id, echoed back in the service's webhooks. */
  reference: string;
}

/** The payment service (OAuth 2.0 client credentials) through its gateway. */
@Injectable()
export class PaymentClient {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  /** `POST /v1/payments`; `idempotencyKey` goes on every attempt, so a retried POST pays once. */
  async createPayment(
    input: CreateProviderPayment,
    idempotencyKey: string,
    requestId?: string,
  ): Promise<ProviderPayment> {
    const res = await this.integrations.gateway(PAYMENT_INTEGRATION.name).request({
      method: 'POST',
      path: '/v1/payments',
      body: input,
      idempotencyKey,
      requestId,
      responseType: ProviderPayment,
    });
    return res.data;
  }

  /** `GET /v1/payments/{id}`: the payment's state at the service now (the reconciler's lookup). */
  async getPayment(id: string, requestId?: string): Promise<ProviderPayment> {
    const res = await this.integrations.gateway(PAYMENT_INTEGRATION.name).request({
      method: 'GET',
      path: `/v1/payments/${encodeURIComponent(id)}`,
      requestId,
      responseType: ProviderPayment,
    });
    return res.data;
  }
}
