/**
 * Lets a repeating failure (a dead Redis, a database outage) log its first occurrence at once and then
 * at most one line per interval with the count it held back, so an outage of minutes writes a few lines,
 * not thousands. Hand-written because pino has no sampling of its own and this is a dozen lines.
 */
export class RateLimitedLog {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `write` with the number of occurrences of `key` held back since its last line, or holds it back. */
  run(key: string, write: (suppressed: number) => void): void {
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    // Keys are a handful of client or error names; the bound only guards against a caller that varies them.
    if (!entry && this.seen.size >= 1000) this.seen.clear();
    this.seen.set(key, { at: now, suppressed: 0 });
    write(entry?.suppressed ?? 0);
  }
}
