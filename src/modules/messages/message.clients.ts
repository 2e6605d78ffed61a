import { Injectable } from '@nestjs/common';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IntegrationsRegistry } from '../integrations/index.js';

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

/** The email and SMS services through their gateways: both take a message at `POST /v1/messages`. */
@Injectable()
export class MessageClient {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  /** `integration` names the service (message.integrations.ts); `message` is the kind's content. */
  async send(
    integration: string,
    message: object,
    idempotencyKey: string,
    requestId?: string,
  ): Promise<ProviderMessage> {
    const res = await this.integrations.gateway(integration).request({
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
