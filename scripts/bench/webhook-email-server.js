// The built app (createApp from dist) plus one webhook handler for `bench bench.email` that emails like the
// payment notification does: the handler's transaction checks for a recorded email, the call to the email
// service goes out after the commit (event.afterCommit) and its outcome is recorded in a second transaction.
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { createApp } from '../../dist/src/app.setup.js';
import { loadConfig, processEnv } from '../../dist/src/config/app.config.js';
import { EmailMessagesService } from '../../dist/src/modules/messages/index.js';
import { WebhookHandler } from '../../dist/src/modules/webhooks/index.js';

class BenchEmailHandlers {
  constructor(emails) {
    this.emails = emails;
  }

  async handle(event, manager) {
    const key = `webhook:${event.eventId}`;
    if (await this.emails.findByKey(key, manager)) return;
    const email = { to: 'bench@example.com', subject: `Event ${event.eventId}`, text: 'bench' };
    event.afterCommit(() => this.emails.deliverForEvent(email, key, event.eventId));
  }
}
Reflect.defineMetadata('design:paramtypes', [EmailMessagesService], BenchEmailHandlers);
Injectable()(BenchEmailHandlers);
WebhookHandler('bench', 'bench.email')(
  BenchEmailHandlers.prototype,
  'handle',
  Object.getOwnPropertyDescriptor(BenchEmailHandlers.prototype, 'handle'),
);

const config = loadConfig(processEnv());
const app = await createApp(config, { providers: [BenchEmailHandlers] });
await app.listen(config.app.port, config.app.host);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
