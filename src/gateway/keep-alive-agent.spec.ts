import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { json, startUpstream, type FakeUpstream } from '../../test/gateway/fake-upstream.js';
import { ConnectTimeoutError, ConnectTimeoutHttpAgent } from './keep-alive-agent.js';
import { CONNECT_TIMEOUT_CODE } from './upstream-errors.js';

function get(agent: http.Agent, url: string, extra: http.RequestOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, ...extra }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('ConnectTimeoutHttpAgent', () => {
  let upstream: FakeUpstream;
  let agent: ConnectTimeoutHttpAgent;

  beforeEach(async () => {
    upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
    agent = new ConnectTimeoutHttpAgent({ connectTimeoutMs: 50 });
  });
  afterEach(async () => {
    agent.destroy();
    await upstream.close();
  });

  it('destroys a socket that has not connected in time', async () => {
    // A lookup that never answers keeps the socket connecting forever; nothing is ever dialled.
    const stalled: http.RequestOptions['lookup'] = () => undefined;
    const started = performance.now();
    // The signal only bounds this test should the agent's timer never fire.
    const error = await get(agent, 'http://localhost:1/', { lookup: stalled, signal: AbortSignal.timeout(2000) }).catch(
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect((error as ConnectTimeoutError).code).toBe(CONNECT_TIMEOUT_CODE);
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
  });

  it('keeps connections alive across requests', async () => {
    expect(await get(agent, upstream.url)).toBe(200);
    expect(await get(agent, upstream.url)).toBe(200);
    expect(await get(agent, upstream.url)).toBe(200);
    expect(upstream.count()).toBe(3);
    expect(upstream.connections).toBe(1);
  });

  it('does not time out a connected socket that is slow to answer', async () => {
    upstream.handler = (_req, res) => void setTimeout(() => json(res, 200, {}), 150);
    expect(await get(agent, upstream.url)).toBe(200);
  });
});
