import { Writable } from 'node:stream';
import { createAccessLog, type AccessRecord } from './access-log.js';
import { createAccessLogger } from './logger.js';

function collector() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const record: AccessRecord = {
  requestId: 'req_1',
  method: 'GET',
  url: '/api/v1/users?name=%22a%22&x=\u2028"\\',
  route: '/api/v1/users',
  status: 200,
  ms: 1.25,
  client: 'cli "quoted"',
  ip: '::1',
};

describe('access log line', () => {
  it("is the line pino's access logger writes for the same record, field for field and in order", () => {
    const pinoOut = collector();
    createAccessLogger({ level: 'info', destination: pinoOut.stream }).info(record, 'request completed');
    const ownOut = collector();
    const log = createAccessLog({ level: 'info', destination: ownOut.stream });
    log.write(record);
    log.write({ ...record, client: undefined });
    const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');
    expect(log.enabled).toBe(true);
    expect(withoutTime(ownOut.lines()[0])).toBe(withoutTime(pinoOut.lines()[0]));
    const anonymous = JSON.parse(ownOut.lines()[1]) as Record<string, unknown>;
    expect(Object.keys(anonymous)).not.toContain('client');
    expect(anonymous).toMatchObject({ context: 'access', status: 200, msg: 'request completed' });
  });

  it('is off above info, and readable when pretty', () => {
    expect(createAccessLog({ level: 'warn', destination: collector().stream }).enabled).toBe(false);
    expect(createAccessLog({ level: 'silent', destination: collector().stream }).enabled).toBe(false);
    const pretty = collector();
    createAccessLog({ level: 'info', pretty: true, destination: pretty.stream }).write(record);
    expect(pretty.lines()[0]).toMatch(/INFO.*request completed/);
  });
});
