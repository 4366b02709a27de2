import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisUnreachableError, resolveRedisTarget } from '../../core/index.js';

const log = pino({ level: 'silent' });

describe('Redis for the embedded default', () => {
  it('uses the configured URL when it answers', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    expect(await resolveRedisTarget(url, 2_000, log)).toBe(url);
  });

  it('fails with the URL when nothing answers and no private Redis may be started', async () => {
    await expect(resolveRedisTarget('redis://127.0.0.1:1', 2_000, log)).rejects.toBeInstanceOf(RedisUnreachableError);
  });

  it('starts a private Redis on a Unix socket once, and reuses it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'lora-redis-'));
    const first = await resolveRedisTarget('redis://127.0.0.1:1', 3_000, log, { startPrivate: true, folder });
    expect(first).toBe(join(folder, 'redis.sock'));
    const second = await resolveRedisTarget('redis://127.0.0.1:1', 3_000, log, { startPrivate: true, folder });
    expect(second).toBe(first);
    const client = new Redis(first, { retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await client.shutdown('NOSAVE').catch(() => undefined);
    } finally {
      client.disconnect();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
