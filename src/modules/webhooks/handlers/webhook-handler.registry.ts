import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { AppConfig } from '../../../config/app.config.js';
import {
  INTERNAL_SOURCE,
  WEBHOOK_HANDLER_METADATA,
  type WebhookHandlerFn,
  type WebhookHandlerKey,
} from './webhook-handler.decorator.js';

const keyOf = (source: string, type: string) => `${source}\u0000${type}`;

/** Every `@WebhookHandler` method of every provider, found once at module init. */
@Injectable()
export class WebhookHandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');
  private readonly handlers = new Map<string, { fn: WebhookHandlerFn; name: string }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onModuleInit(): void {
    const sources = this.config.get('webhooks.sources', { infer: true });
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const keys = Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, method) as WebhookHandlerKey[] | undefined;
        for (const { source, type } of keys ?? []) {
          const name = `${instance.constructor.name}.${methodName}`;
          this.add(source, type, name, (method as WebhookHandlerFn).bind(instance));
          if (!sources[source] && source !== INTERNAL_SOURCE)
            this.logger.warn(`${name} handles ${source} events, but that source is not configured`);
        }
      }
    }
  }

  add(source: string, type: string, name: string, fn: WebhookHandlerFn): void {
    const key = keyOf(source, type);
    const existing = this.handlers.get(key);
    if (existing) {
      throw new Error(`two webhook handlers for ${source} ${type}: ${existing.name} and ${name}`);
    }
    this.handlers.set(key, { fn, name });
  }

  get(source: string, type: string): WebhookHandlerFn | undefined {
    return this.handlers.get(keyOf(source, type))?.fn;
  }

  /** `source type → handler` for /debug. */
  describe(): Record<string, string> {
    return Object.fromEntries(
      [...this.handlers.entries()].map(([key, { name }]) => [key.replace('\u0000', ' '), name]),
    );
  }
}
