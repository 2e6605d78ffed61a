// The baseline: a bare Fastify route answering the given bytes, nothing else. With BARE_PG_URL, also
// `/bare-pg`: the same answer after the read the app's PostgreSQL case makes (one row by key through
// node-postgres' pool, as a named prepared statement, pool size 10 like the app's default), the floor
// under which no framework on this driver can go.
import Fastify from 'fastify';
import pg from 'pg';

const body = process.env.BARE_BODY ?? '{}';
// The app's headers, when given, are sent as they are (the same bytes as the app's answer).
const headers = process.env.BARE_HEADERS ? JSON.parse(process.env.BARE_HEADERS) : undefined;
const app = Fastify({ logger: false });
const answer = (reply) => {
  if (headers) reply.headers(headers).send(body);
  else reply.type('application/json; charset=utf-8').send(body);
};
app.get('/bare', (_req, reply) => answer(reply));
if (process.env.BARE_PG_URL) {
  const pool = new pg.Pool({ connectionString: process.env.BARE_PG_URL, max: 10 });
  const read = { name: 'bare_pk', text: process.env.BARE_PG_SQL, values: [process.env.BARE_PG_ID] };
  app.get('/bare-pg', async (_req, reply) => {
    const { rows } = await pool.query(read);
    if (rows.length !== 1) throw new Error('the row to read is missing');
    answer(reply);
    return reply;
  });
  app.addHook('onClose', () => pool.end());
}
app.get('/health/ready', () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
