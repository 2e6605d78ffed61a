import type { Redis } from 'ioredis';

interface PauseMessage {
  service: string;
  untilMs: number;
}

/**
 * Shares "service X answered 429: pause until T" across instances: the pause is stored (so an
 * instance that starts later still honours it) and published (so running ones apply it at once).
 * Each instance keeps deciding locally and synchronously; Redis only carries the news.
 */
export class RedisPauseBus {
  private readonly appliers = new Map<string, (untilMs: number) => void>();
  private readonly channel: string;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}upstream-pause`;
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      try {
        const message = JSON.parse(raw) as PauseMessage;
        this.appliers.get(message.service)?.(message.untilMs);
      } catch {
        // a malformed message is ignored; the stored key still carries the pause
      }
    });
  }

  private key(service: string): string {
    return `${this.prefix}upstream-pause:${service}`;
  }

  /** Registers how to apply a remote pause to `service`, and applies one already in force. */
  async register(service: string, apply: (untilMs: number) => void): Promise<void> {
    this.appliers.set(service, apply);
    this.subscribed ??= this.subscriber.subscribe(this.channel);
    await this.subscribed;
    const stored = Number(await this.redis.get(this.key(service)));
    if (stored > Date.now()) apply(stored);
  }

  /** Announces a pause this instance decided. Fire and forget: a Redis hiccup must not fail calls. */
  publish(service: string, untilMs: number): void {
    const ttl = untilMs - Date.now();
    if (ttl <= 0) return;
    const message: PauseMessage = { service, untilMs };
    void this.redis
      .multi()
      .set(this.key(service), String(untilMs), 'PX', ttl)
      .publish(this.channel, JSON.stringify(message))
      .exec()
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
