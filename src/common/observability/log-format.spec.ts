import { Writable } from 'node:stream';
import { createAccessLogger, createRootLogger, wantsPrettyLogs } from './logger.js';

function collector(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('log format', () => {
  it('is readable only in development on a terminal', () => {
    expect(wantsPrettyLogs('development', true)).toBe(true);
    expect(wantsPrettyLogs('development', false)).toBe(false);
    expect(wantsPrettyLogs('production', true)).toBe(false);
    expect(wantsPrettyLogs('test', true)).toBe(false);
  });

  it('writes JSON lines by default, with secrets redacted', () => {
    const out = collector();
    createRootLogger({ level: 'info', destination: out.stream }).info({ headers: { authorization: 'Bearer x' } }, 'hi');
    const line = JSON.parse(out.lines()[0]) as { level: number; msg: string; headers: { authorization: string } };
    expect(line).toMatchObject({ level: 30, msg: 'hi', headers: { authorization: '[redacted]' } });
  });

  it('writes readable lines when pretty, for the root and the access logger', () => {
    const root = collector();
    createRootLogger({ level: 'info', pretty: true, destination: root.stream }).warn({ context: 'Http' }, 'slow');
    expect(root.lines()[0]).toMatch(/WARN.*slow/);
    expect(() => JSON.parse(root.lines()[0]) as unknown).toThrow();
    const access = collector();
    createAccessLogger({ level: 'info', pretty: true, destination: access.stream }).info({ status: 200 }, 'done');
    expect(access.lines()[0]).toMatch(/INFO.*done/);
  });

  it("keeps NestJS's per-module and per-route start-up lines out at info, and shows them at debug", () => {
    for (const [level, expected] of [
      ['info', ['listening']],
      ['debug', ['InstanceLoader ok', 'Mapped {/api/users, GET}', 'listening']],
    ] as const) {
      const out = collector();
      const logger = createRootLogger({ level, destination: out.stream });
      logger.info({ context: 'InstanceLoader' }, 'InstanceLoader ok');
      logger.info({ context: 'RouterExplorer' }, 'Mapped {/api/users, GET}');
      logger.info({ context: 'Bootstrap' }, 'listening');
      expect(out.lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expected);
    }
  });
});
