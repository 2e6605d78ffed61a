import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** ulid's default PRNG asks the OS for one byte per character (16 calls per id); this draws them from a pooled buffer. */
function pooledRandom(): number {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] / 256;
}

/** Our id of a webhook event: a ULID (time-ordered, so it also breaks ties in time sorts). */
export function newEventId(now = Date.now()): string {
  return ulid(now, pooledRandom);
}
