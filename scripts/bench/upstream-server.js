// A tiny upstream for the gateway benchmark: node:http on each of PORTS, a fixed geocode answer,
// 503 for a FAIL_RATE share of API calls (at random), and a count of the API calls it got.
// RESET=1: every API call's connection is destroyed unanswered (a dead upstream), still counted.
import http from 'node:http';

const ports = (process.env.PORTS ?? '').split(',').map(Number);
const failRate = Number(process.env.FAIL_RATE ?? 0);
const reset = process.env.RESET === '1';
const body = JSON.stringify({ address: '東京都千代田区丸の内1丁目', lat: 35.681236, lng: 139.767125 });
const unavailable = JSON.stringify({ error: 'unavailable' });
let calls = 0;
let failed = 0;

const servers = ports.map((port) =>
  http
    .createServer((req, res) => {
      if (req.url === '/health') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (req.url === '/_count') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ calls, failed }));
      }
      if (req.url === '/_reset') {
        calls = failed = 0;
        return res.writeHead(204).end();
      }
      calls++;
      if (reset) {
        failed++;
        return req.socket.destroy();
      }
      if (failRate > 0 && Math.random() < failRate) {
        failed++;
        return res.writeHead(503, { 'content-type': 'application/json' }).end(unavailable);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    })
    .listen(port, '127.0.0.1'),
);
process.on('SIGTERM', () => {
  for (const s of servers) s.closeAllConnections();
  Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => process.exit(0));
});
