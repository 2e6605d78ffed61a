// The baseline: a bare Fastify route answering the given bytes, nothing else.
import Fastify from 'fastify';

const body = process.env.BARE_BODY ?? '{}';
// The app's headers, when given, are sent as they are (the same bytes as the app's answer).
const headers = process.env.BARE_HEADERS ? JSON.parse(process.env.BARE_HEADERS) : undefined;
const app = Fastify({ logger: false });
app.get('/bare', (_req, reply) => {
  if (headers) reply.headers(headers).send(body);
  else reply.type('application/json; charset=utf-8').send(body);
});
app.get('/health/ready', () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
