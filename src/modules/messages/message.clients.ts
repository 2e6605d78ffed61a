import { Injectable } from '@nestjs/common';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IntegrationsRegistry } from '../integrations/index.js';
import { EMAIL_INTEGRATION, SMS_INTEGRATION } from './message.integrations.js';

/** The email and SMS services' answer to a message: 202 `{id, status}` (contract §5). */
export class ProviderMessage {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(32)
  status!: string;
}

/** The email service (API key) through its gateway. */
@Injectable()
export class EmailClient {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  async send(
    message: { to: string; subject: string; text: string },
    idempotencyKey: string,
    requestId?: string,
  ): Promise<ProviderMessage> {
    const res = await this.integrations.gateway(EMAIL_INTEGRATION.name).request({
      method: 'POST',
      path: '/v1/messages',
      body: message,
      idempotencyKey,
      requestId,
      responseType: ProviderMessage,
    });
    return res.data;
  }
}

/** The SMS service (HTTP Basic) through its gateway. */
@Injectable()
export class SmsClient {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  async send(
    message: { to: string; body: string },
    idempotencyKey: string,
    requestId?: string,
  ): Promise<ProviderMessage> {
    const res = await this.integrations.gateway(SMS_INTEGRATION.name).request({
      method: 'POST',
      path: '/v1/messages',
      body: message,
      idempotencyKey,
      requestId,
      responseType: ProviderMessage,
    });
    return res.data;
  }
}
