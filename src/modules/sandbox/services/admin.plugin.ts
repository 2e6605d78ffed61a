import type { FastifyInstance, FastifyReply } from 'fastify';
import { FaultSpecError, parseFaultSpec, type FaultState } from '../faults.js';
import { badRequest } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';
import { SANDBOX_SERVICES } from '../sandbox.options.js';
import type { DeliveryRecord } from '../webhook-dispatcher.js';

type TargetParams = { Params: { service: string; instance: string } };

/** The sandbox's own admin API: fault injection (`/_faults`) and inspection (`/_stats`, `/_outbox`, `/_webhooks`). */
export async function adminPlugin(app: FastifyInstance, { state }: { state: SandboxState }): Promise<void> {
  const { faults } = state;
  const targetOf = (service: string, instance: string): string | null =>
    (SANDBOX_SERVICES as readonly string[]).includes(service) && state.options.instances.includes(instance)
      ? `${service}/${instance}`
      : null;

  const putFault = (target: string | null, body: unknown, reply: FastifyReply) => {
    if (!target) return reply.code(404).send({ error: 'not_found', message: 'unknown service or instance' });
    try {
      const fault: FaultState = faults.set(target, parseFaultSpec(body));
      return reply.code(200).send({ target, fault });
    } catch (err) {
      if (err instanceof FaultSpecError) return badRequest(reply, [err.message]);
      throw err;
    }
  };
  app.put<TargetParams>('/_faults/:service/:instance', async (request, reply) =>
    putFault(targetOf(request.params.service, request.params.instance), request.body, reply),
  );
  app.put('/_faults/token', async (request, reply) => putFault('token', request.body, reply));
  app.get('/_faults', async () => faults.snapshot());
  app.delete('/_faults', async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.delete('/_faults/token', async (_request, reply) => {
    faults.clear('token');
    return reply.code(204).send();
  });
  app.delete<TargetParams>('/_faults/:service/:instance', async (request, reply) => {
    const target = targetOf(request.params.service, request.params.instance);
    if (!target) return reply.code(404).send({ error: 'not_found', message: 'unknown service or instance' });
    faults.clear(target);
    return reply.code(204).send();
  });
  app.get('/_stats', async () => state.snapshotStats());
  app.delete('/_stats', async (_request, reply) => {
    state.resetStats();
    return reply.code(204).send();
  });
  app.get('/_outbox', async () => state.outbox.map((m) => ({ ...m })));
  app.get('/_webhooks', async (): Promise<DeliveryRecord[]> => state.dispatcher?.deliveries() ?? []);
}
