// The one polling helper of the tests: a bounded wait that says what it waited for when it gives up.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the timeout message ("the event processed"). */
  what: string;
  /** Upper bound; the wait ends as soon as the check passes, so a generous bound costs nothing. */
  timeoutMs?: number;
  /** Pause between checks. */
  intervalMs?: number;
}

/** A check's "not yet": undefined, null or false; anything else is the awaited value. */
type Pending = undefined | null | false;

/**
 * Runs `check` until it returns something other than undefined, null or false, and returns that. A check
 * that throws counts as "not yet" (a server still starting refuses connections); the last error and the
 * last value seen are part of the timeout message.
 */
export async function waitFor<T>(
  check: () => T | Pending | Promise<T | Pending>,
  { what, timeoutMs = 10_000, intervalMs = 20 }: WaitOptions,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const last = lastError === undefined ? `last check: ${String(lastValue)}` : `last error: ${String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await delay(intervalMs);
  }
}
