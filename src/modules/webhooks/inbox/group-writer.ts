import { databaseFault } from '../../../database/database-errors.js';

export interface GroupWriterOptions {
  /** Groups written at once: the connections the writes may use (1 on SQLite, one writer). */
  concurrency: number;
  /** The most items one group takes (bounds the statement's size and its parameters). */
  maxGroup: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the webhook inbox: items that arrive while `concurrency` writes are already running
 * wait, and the next free slot writes all of them (up to `maxGroup`) with one statement and one commit,
 * instead of one round trip and one commit each. An item that finds a free slot is written at once, alone:
 * grouping adds no delay, it only takes what would have queued for a pooled connection anyway. Each item's
 * promise settles once its group has committed, so an acknowledgement still means the row is durable.
 *
 * If a group's write fails for a reason other than the database being unavailable (say, one item's value
 * is refused), its items are written again one by one, so one item's error stays its own. When the
 * database is unavailable every item of the group gets that error at once (retrying each would only
 * multiply the wait). Written here because no maintained library batches by free capacity: DataLoader
 * groups the calls of one tick, which under load is mostly one request.
 */
export class GroupWriter<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private running = 0;

  constructor(
    private readonly writeGroup: (items: T[]) => Promise<R[]>,
    private readonly options: GroupWriterOptions,
  ) {}

  write(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Items waiting for a free slot, for /debug. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroup);
      this.running++;
      void this.settle(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async settle(group: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.writeGroup(group.map((w) => w.item));
      group.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      if (group.length === 1 || databaseFault(error) !== undefined) {
        for (const w of group) w.reject(error);
        return;
      }
      for (const w of group) {
        await this.writeGroup([w.item]).then(
          ([result]) => w.resolve(result),
          (itemError: unknown) => w.reject(itemError),
        );
      }
    }
  }
}
