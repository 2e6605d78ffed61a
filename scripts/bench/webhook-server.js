// The built app as main.ts starts it (createApp from dist), plus one webhook handler for `bench bench.handled`
// that makes a business write in the event's transaction, so the suite can measure events that workers
// process beside events of a type without a handler.
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { createApp } from '../../dist/src/app.setup.js';
import { loadConfig, processEnv } from '../../dist/src/config/app.config.js';
import { WebhookHandler } from '../../dist/src/modules/webhooks/index.js';

class BenchHandlers {
  /** One indexed UPDATE (of no row) in the transaction that marks the event processed. */
  async handle(event, manager) {
    const placeholder = manager.connection.options.type === 'postgres' ? '$1' : '?';
    await manager.query(`UPDATE users SET updated_at = updated_at WHERE id = ${placeholder}`, [event.externalEventId]);
  }
}
Injectable()(BenchHandlers);
WebhookHandler('bench', 'bench.handled')(
  BenchHandlers.prototype,
  'handle',
  Object.getOwnPropertyDescriptor(BenchHandlers.prototype, 'handle'),
);

const config = loadConfig(processEnv());
const app = await createApp(config, { providers: [BenchHandlers] });
await app.listen(config.app.port, config.app.host);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
