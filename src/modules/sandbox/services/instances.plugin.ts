import type { FastifyInstance } from 'fastify';
import { afterFaultGuard, faultGuard } from '../fault-guards.js';
import type { SandboxState } from '../sandbox-state.js';
import { SANDBOX_SERVICES, type SandboxServiceName } from '../sandbox.options.js';
import { emailPlugin, smsPlugin } from './messages.plugin.js';
import { mapsPlugin } from './maps.plugin.js';
import { paymentPlugin } from './payment.plugin.js';

/**
 * Every instance of every fake service under `/{service}/{instance}`: a `/health` route, then the
 * service's API behind the fault guards, counting answers by status.
 */
export async function instancesPlugin(app: FastifyInstance, { state }: { state: SandboxState }): Promise<void> {
  for (const service of SANDBOX_SERVICES) {
    for (const instance of state.options.instances) {
      const target = `${service}/${instance}`;
      const count = () => state.counters.services[service][instance];
      await app.register(
        async (inst) => {
          inst.get('/health', async (_request, reply) => {
            count().healthChecks += 1;
            if (state.faults.isDown(target)) return reply.code(503).send({ status: 'down' });
            return reply.code(200).send({ status: 'ok' });
          });
          await inst.register(async (api) => {
            api.addHook('onRequest', faultGuard(state, target, count));
            api.addHook('onSend', afterFaultGuard(state));
            api.addHook('onResponse', async (_request, reply) => {
              const byStatus = count().byStatus;
              byStatus[reply.statusCode] = (byStatus[reply.statusCode] ?? 0) + 1;
            });
            await registerService(api, service, state, instance, `/${target}`);
          });
        },
        { prefix: `/${target}` },
      );
    }
  }
}

async function registerService(
  api: FastifyInstance,
  service: SandboxServiceName,
  state: SandboxState,
  instance: string,
  prefix: string,
): Promise<void> {
  switch (service) {
    case 'payment':
      // Not `prefix`: Fastify reads that register option as a route prefix.
      return api.register(paymentPlugin, { state, basePath: prefix });
    case 'email':
      return api.register(emailPlugin, { state, instance });
    case 'sms':
      return api.register(smsPlugin, { state, instance });
    case 'maps':
      return api.register(mapsPlugin, { state });
  }
}
