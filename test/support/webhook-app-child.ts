// A whole app in a child process (test/webhooks-crash.e2e-spec.ts, test/webhooks-instances.e2e-spec.ts):
// configured by its environment, with a handler for `acme order.crash` that records each start and end in
// MARKER_FILE, takes CHILD_HANDLER_MS and writes a business row; it then blocks forever when CHILD_BLOCK=1
// (the parent kills the process there).
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/app.config.js';
import { WebhookHandler, type InboxEvent } from '../../src/modules/webhooks/handlers/webhook-handler.decorator.js';

const marker = process.env.MARKER_FILE!;
const block = process.env.CHILD_BLOCK === '1';
const handlerMs = Number(process.env.CHILD_HANDLER_MS ?? 0);

@Injectable()
class CrashHandlers {
  @WebhookHandler('acme', 'order.crash')
  async crash(event: InboxEvent, manager: EntityManager): Promise<void> {
    appendFileSync(marker, `start ${process.pid} ${event.eventId} ${event.attempt} ${Date.now()}\n`);
    // Before the first write: on SQLite the write lock is held from then until the commit.
    if (handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, handlerMs));
    const now = new Date();
    await manager.insert('users', {
      id: `${event.eventId.slice(0, 30)}-${event.attempt}`,
      name: event.eventId,
      email: `${event.eventId.toLowerCase()}-${event.attempt}@example.com`,
      createdAt: now,
      updatedAt: now,
    });
    if (block) await new Promise<never>(() => undefined);
    appendFileSync(marker, `done ${process.pid} ${event.eventId} ${event.attempt} ${Date.now()}\n`);
  }
}

const app = await createApp(loadConfig(process.env), { providers: [CrashHandlers] });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: (app.getHttpServer().address() as AddressInfo).port })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
