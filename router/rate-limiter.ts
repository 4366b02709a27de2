import type { Redis } from 'ioredis';

/** What a rate check says: allowed, or how many seconds until the next window. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Requests per minute per API key, counted in Redis in fixed one-minute windows, so that several router processes
 * share one budget per key.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly perMinute: number,
  ) {}

  /** Counts one request of `subject` and says whether it is within the limit. */
  async take(subject: string, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / 60_000);
    const key = `${this.prefix}:lora:rate:${subject}:${window}`;
    const results = await this.redis.multi().incr(key).pexpire(key, 61_000).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    if (count <= this.perMinute) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) };
  }
}
