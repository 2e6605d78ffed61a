import type { AxiosRequestConfig } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CONNECT_TIMEOUT_CODE } from './upstream-errors.js';

export class ConnectTimeoutError extends Error {
  readonly code = CONNECT_TIMEOUT_CODE;
  constructor(readonly timeoutMs: number) {
    super(`connect timeout of ${timeoutMs} ms exceeded`);
    this.name = 'ConnectTimeoutError';
  }
}

export interface KeepAliveAgentOptions {
  /** DNS lookup + TCP connect must finish within this, else the socket is destroyed. */
  connectTimeoutMs: number;
  /** Idle pooled sockets are closed after this; below the usual server keep-alive (5 s) to avoid reuse races. */
  freeSocketTimeoutMs?: number;
  maxSockets?: number;
  maxFreeSockets?: number;
}

/**
 * Node's agents have no connect timeout (their `timeout` is an idle timeout and axios' `timeout`
 * is the read timeout), so a fresh socket gets a timer that 'connect' clears. Reused keep-alive
 * sockets are already connected and skip it.
 */
function armConnectTimer(socket: Duplex | null | undefined, timeoutMs: number): void {
  if (!(socket instanceof Socket) || timeoutMs <= 0 || !socket.connecting) return;
  const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(timeoutMs)), timeoutMs);
  const clear = () => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
}

const agentOptions = (o: KeepAliveAgentOptions): http.AgentOptions => ({
  keepAlive: true,
  keepAliveMsecs: 1000,
  timeout: o.freeSocketTimeoutMs ?? 4000,
  maxSockets: o.maxSockets ?? 256,
  maxFreeSockets: o.maxFreeSockets ?? 64,
  scheduling: 'lifo',
});

type AgentClass<A extends http.Agent> = new (options: http.AgentOptions) => A;

/** `Base` (http.Agent or https.Agent) with our pool settings and the connect timer on every new socket. */
function connectTimeoutAgent<A extends http.Agent>(Base: AgentClass<A>): new (options: KeepAliveAgentOptions) => A {
  class ConnectTimeoutAgent extends (Base as AgentClass<http.Agent>) {
    constructor(private readonly connectOptions: KeepAliveAgentOptions) {
      super(agentOptions(connectOptions));
    }

    override createConnection(
      options: http.ClientRequestArgs,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const socket = super.createConnection(options, callback);
      armConnectTimer(socket, this.connectOptions.connectTimeoutMs);
      return socket;
    }
  }
  // It extends `Base`, so its instances are `A`s (TypeScript cannot follow a class extending a type parameter).
  return ConnectTimeoutAgent as unknown as new (options: KeepAliveAgentOptions) => A;
}

export const ConnectTimeoutHttpAgent = connectTimeoutAgent(http.Agent);
export type ConnectTimeoutHttpAgent = http.Agent;
const ConnectTimeoutHttpsAgent = connectTimeoutAgent(https.Agent);

export interface KeepAliveAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** One pair per process is enough; pass it to every gateway (and destroy it on shutdown). */
export function createKeepAliveAgents(options: KeepAliveAgentOptions): KeepAliveAgents {
  return { httpAgent: new ConnectTimeoutHttpAgent(options), httpsAgent: new ConnectTimeoutHttpsAgent(options) };
}

const acceptAll = () => true;

/**
 * The axios settings every outbound request of the gateway shares: our agents (the connect
 * timeout lives there, so no proxy in between), no redirects (plain http transport, and a 3xx is
 * no answer we can use), every status resolved (classified by the gateway, not thrown), and
 * ETIMEDOUT rather than ECONNABORTED for the read timeout.
 */
export function directRequestConfig(agents: KeepAliveAgents | undefined): AxiosRequestConfig {
  return {
    httpAgent: agents?.httpAgent,
    httpsAgent: agents?.httpsAgent,
    proxy: false,
    maxRedirects: 0,
    validateStatus: acceptAll,
    transitional: { clarifyTimeoutError: true },
  };
}
