// Reading /metrics (Prometheus text exposition) in e2e tests.

/** The value of one series (`name{label="value",...}` as exposed), undefined when the series is absent. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** GET /metrics of an app listening at `base`, with a token of scope ops:read. */
export async function scrapeMetrics(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}
