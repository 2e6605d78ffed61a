// npm run bench: each suite measures its case beside a baseline in the same run and prints ratios.
// The servers run pinned to one core (BENCH_SERVER_CORE, default 0), the load generator on the other.
import { writeFileSync, mkdirSync } from 'node:fs';

const suites = (process.env.BENCH_SUITES ?? 'rest,gateway,webhooks').split(',');
const out = [`# Benchmark ${new Date().toISOString()} (node ${process.version})`, ''];
let failed = false;
for (const name of suites) {
  const { run } = await import(`./bench/${name}.js`);
  const result = await run();
  out.push(`## ${result.title}`, '', result.markdown, '');
  for (const t of result.targets) {
    out.push(`- ${t.met ? 'met' : 'NOT met'}: ${t.what}`);
    if (!t.met) failed = true;
  }
  out.push('');
  console.log(out.slice(-result.targets.length - 5).join('\n'));
}
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/latest.md', out.join('\n'));
console.log(out.join('\n'));
process.exitCode = failed ? 1 : 0;
