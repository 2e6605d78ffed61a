import { Injectable, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { WebhookHandler, type InboxEvent } from './webhook-handler.decorator.js';
import { WebhookHandlerRegistry } from './webhook-handler.registry.js';

const seen: string[] = [];

@Injectable()
class PaymentHandlers {
  private readonly prefix = 'payments';

  @WebhookHandler('payment-service', 'payment.succeeded')
  @WebhookHandler('payment-service', 'payment.failed')
  async settle(event: InboxEvent): Promise<void> {
    seen.push(`${this.prefix}:${event.type}`);
  }

  notAHandler(): void {}
}

@Injectable()
class Clash {
  @WebhookHandler('payment-service', 'payment.failed')
  async again(): Promise<void> {}
}

@Module({ providers: [PaymentHandlers] })
class FeatureModule {}

const config = ConfigModule.forRoot({
  ignoreEnvFile: true,
  load: [() => ({ webhooks: { sources: { 'payment-service': {} } } })],
});

describe('WebhookHandlerRegistry', () => {
  it('finds decorated methods of providers in any module, bound to their instance', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [config, DiscoveryModule, FeatureModule],
      providers: [WebhookHandlerRegistry],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(WebhookHandlerRegistry);
    expect(registry.describe()).toEqual({
      'payment-service payment.succeeded': 'PaymentHandlers.settle',
      'payment-service payment.failed': 'PaymentHandlers.settle',
    });
    await registry.get('payment-service', 'payment.failed')!({ type: 'payment.failed' } as InboxEvent, {} as never);
    expect(seen).toEqual(['payments:payment.failed']);
    expect(registry.get('payment-service', 'payment.refunded')).toBeUndefined();
    expect(registry.get('other', 'payment.failed')).toBeUndefined();
    await moduleRef.close();
  });

  it('refuses two handlers for one source and type at bootstrap', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [config, DiscoveryModule, FeatureModule],
      providers: [WebhookHandlerRegistry, Clash],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      /two webhook handlers for payment-service payment.failed: (PaymentHandlers.settle and Clash.again|Clash.again and PaymentHandlers.settle)/,
    );
  });

  it('decorates methods only, and needs a source and a type', () => {
    expect(() => WebhookHandler('', 'x')).toThrow(/needs a source and a type/);
    expect(() => WebhookHandler('s', 'x')({}, 'p', { value: 42 } as TypedPropertyDescriptor<unknown>)).toThrow(
      /decorates methods only/,
    );
  });
});
