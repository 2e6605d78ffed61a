/**
 * Fault injection. A target is `{service}/{instance}` (e.g. `payment/a`) or `token` (the token
 * endpoint). `PUT /_faults/...` replaces the target's fault:
 *
 * - `down: true`: the instance's `/health` answers 503 and every call 503 `instance_down`,
 *   until cleared (not limited by `count`).
 * - `status` (400-599), `retryAfter`, `delayMs`, `drop`: applied to the next `count` calls
 *   (every call when `count` is omitted). `delayMs` waits first; then `drop` destroys the
 *   socket without an answer, or `status` answers that status (with `Retry-After`); with only
 *   `delayMs` the call then proceeds normally.
 * - `when: "after"` runs the call first (a payment is created) and then replaces its answer:
 *   the "processed but the answer was lost" case that idempotency keys exist for.
 *
 * `/health` is never affected by `status`/`delayMs`/`drop` and never consumes `count`.
 */
export interface FaultSpec {
  status?: number;
  count?: number;
  retryAfter?: string;
  delayMs?: number;
  drop?: boolean;
  down?: boolean;
  when?: 'before' | 'after';
}

export interface FaultState extends Omit<FaultSpec, 'count'> {
  /** Calls still to be affected; `null` = every call until cleared. */
  remaining: number | null;
  /** Calls affected so far. */
  applied: number;
}

/** What one call must suffer; taken (and counted) once per call. */
export interface FaultAction {
  status?: number;
  retryAfter?: string;
  delayMs?: number;
  drop?: boolean;
  when: 'before' | 'after';
}

const KEYS = new Set(['status', 'count', 'retryAfter', 'delayMs', 'drop', 'down', 'when']);
export const MAX_FAULT_DELAY_MS = 120_000;

export class FaultSpecError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a `PUT /_faults/...` body. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (!isRecord(body)) throw new FaultSpecError('body must be a JSON object');
  const unknown = Object.keys(body).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new FaultSpecError(`unknown properties: ${unknown.join(', ')}`);
  const spec: FaultSpec = {};
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new FaultSpecError(`${name} must be an integer between ${min} and ${max}`);
    }
    return v;
  };
  const bool = (name: string): boolean | undefined => {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new FaultSpecError(`${name} must be a boolean`);
    return v;
  };
  spec.status = int('status', 400, 599);
  spec.count = int('count', 1, 1_000_000);
  spec.delayMs = int('delayMs', 0, MAX_FAULT_DELAY_MS);
  spec.drop = bool('drop');
  spec.down = bool('down');
  const retryAfter = body.retryAfter;
  if (retryAfter !== undefined) {
    if (typeof retryAfter === 'number' && Number.isInteger(retryAfter) && retryAfter >= 0) {
      spec.retryAfter = String(retryAfter);
    } else if (typeof retryAfter === 'string' && retryAfter.length > 0 && retryAfter.length <= 64) {
      spec.retryAfter = retryAfter;
    } else {
      throw new FaultSpecError('retryAfter must be seconds or an HTTP date');
    }
  }
  if (body.when !== undefined) {
    if (body.when !== 'before' && body.when !== 'after') throw new FaultSpecError('when must be "before" or "after"');
    spec.when = body.when;
  }
  if (spec.status === undefined && spec.delayMs === undefined && !spec.drop && spec.down === undefined) {
    throw new FaultSpecError('give at least one of status, delayMs, drop, down');
  }
  if (spec.status !== undefined && spec.drop) throw new FaultSpecError('status and drop exclude each other');
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as FaultSpec;
}

export class FaultRegistry {
  private readonly faults = new Map<string, FaultState>();

  set(target: string, spec: FaultSpec): FaultState {
    const { count, ...rest } = spec;
    const state: FaultState = { ...rest, remaining: count ?? null, applied: 0 };
    this.faults.set(target, state);
    return state;
  }

  clear(target?: string): void {
    if (target === undefined) this.faults.clear();
    else this.faults.delete(target);
  }

  isDown(target: string): boolean {
    return this.faults.get(target)?.down === true;
  }

  /** The fault this call suffers, consuming one of `count`; `undefined` when none. */
  take(target: string): FaultAction | undefined {
    const state = this.faults.get(target);
    if (!state) return undefined;
    const acts = state.status !== undefined || state.delayMs !== undefined || state.drop === true;
    if (!acts || state.remaining === 0) return undefined;
    if (state.remaining !== null) state.remaining -= 1;
    state.applied += 1;
    return {
      status: state.status,
      retryAfter: state.retryAfter,
      delayMs: state.delayMs,
      drop: state.drop,
      when: state.when ?? 'before',
    };
  }

  snapshot(): Record<string, FaultState> {
    return Object.fromEntries([...this.faults].map(([k, v]) => [k, { ...v }]));
  }
}
