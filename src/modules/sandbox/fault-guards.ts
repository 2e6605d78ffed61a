import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultAction } from './faults.js';
import type { SandboxState } from './sandbox-state.js';

/** The hooks that inject faults into a target (a service instance, or the token endpoint). */

const dropConnection = (request: FastifyRequest, reply: FastifyReply) => {
  reply.hijack();
  request.raw.socket?.destroy();
  request.raw.destroy();
};

const sendFault = (reply: FastifyReply, action: FaultAction) => {
  const status = action.status ?? 503;
  if (action.retryAfter !== undefined) void reply.header('retry-after', action.retryAfter);
  return reply.code(status).send({ error: 'injected_fault', message: `injected fault: HTTP ${status}` });
};

/** onRequest guard of a fault target: `down`, then `when: before` faults. */
export function faultGuard(state: SandboxState, target: string, count: () => { requests: number; faulted: number }) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const c = count();
    c.requests += 1;
    if (state.faults.isDown(target)) {
      c.faulted += 1;
      return reply.code(503).send({ error: 'instance_down', message: `${target} is down (injected)` });
    }
    const action = state.faults.take(target);
    if (!action) return;
    c.faulted += 1;
    if (action.when === 'after') {
      state.afterFaults.set(request.raw, action);
      return;
    }
    if (action.delayMs) await state.sleep(action.delayMs);
    if (action.drop) {
      dropConnection(request, reply);
      return reply;
    }
    if (action.status !== undefined) return sendFault(reply, action);
  };
}

/** onSend: `when: after` faults replace the answer the handler produced. */
export function afterFaultGuard(state: SandboxState) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const action = state.afterFaults.get(request.raw);
    if (!action) return payload;
    state.afterFaults.delete(request.raw);
    if (action.delayMs) await state.sleep(action.delayMs);
    if (action.drop) {
      request.raw.socket?.destroy();
      return payload;
    }
    if (action.status === undefined) return payload;
    if (action.retryAfter !== undefined) void reply.header('retry-after', action.retryAfter);
    void reply.code(action.status).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ error: 'injected_fault', message: `injected fault: HTTP ${action.status}` });
  };
}
