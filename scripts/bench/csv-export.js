// Issue 12: a CSV export of the whole collection (GET /api/v1/users, Accept: text/csv, no limit)
// streams: time to the first byte, time to the last, and how far the server's resident memory
// rises above where it stood before the request (sampled from /proc every 10 ms while it streams).
import { request } from 'node:http';
import { readFileSync } from 'node:fs';

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** One export of `url` from the server process `server`; counts the CSV's lines (header + rows). */
export async function measureExport(name, url, headers, server) {
  const before = rssMb(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 10);
  const started = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  try {
    return await new Promise((resolve, reject) => {
      const req = request(url, { headers: { ...headers, accept: 'text/csv' } }, (res) => {
        let firstByteMs;
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk) => {
          firstByteMs ??= ms();
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () =>
          resolve({
            name,
            status: res.statusCode,
            total: Number(res.headers['x-total-count']),
            lines,
            mb: bytes / 1024 / 1024,
            firstByteMs,
            totalMs: ms(),
            rssBefore: before,
            rssGrowth: peak - before,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    clearInterval(sampler);
  }
}

export function exportTable(rows) {
  const fmt = (n, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : '–');
  return [
    '| CSV export (one request) | status | rows (X-Total-Count) | lines | MB | first byte ms | last byte ms | server RSS before MB | RSS growth MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.status} | ${r.total} | ${r.lines} | ${fmt(r.mb, 1)} | ${fmt(r.firstByteMs)} | ${fmt(r.totalMs)} | ${fmt(r.rssBefore)} | ${fmt(r.rssGrowth, 1)} |`,
    ),
  ].join('\n');
}
