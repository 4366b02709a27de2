import { Redis, type RedisOptions } from 'ioredis';
import { LoraError } from './errors.js';

/** Hides a password in a Redis URL so that it can be printed. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The Redis we cannot reach, named, with what to do about it. Exit code 1. */
export class RedisUnreachableError extends LoraError {
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach Redis at ${redactRedisUrl(url)}: ${reason}; start redis-server or set REDIS_URL`, {
      code: 'redis-unreachable',
      retryable: true,
      cause,
    });
  }
}

/**
 * Checks within `timeoutMs` that Redis answers PING, trying once: a CLI command must fail
 * fast with the URL rather than retry forever.
 */
export async function assertRedisReachable(url: string, timeoutMs: number): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    disconnectTimeout: 0,
  });
  let lastError: NodeJS.ErrnoException | undefined;
  probe.on('error', (error: NodeJS.ErrnoException) => (lastError = error));
  const timer = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  try {
    await Promise.race([probe.connect().then(() => probe.ping()), timer]);
  } catch (error) {
    const reason = lastError?.code ?? (error as NodeJS.ErrnoException).code ?? lastError?.message ?? (error as Error).message;
    throw new RedisUnreachableError(url, reason, error);
  } finally {
    probe.disconnect();
  }
}

/**
 * A connection for BullMQ. Workers (`persistent`) reconnect for as long as it takes, as blocking
 * commands need; a command that a person waits for gives up after `giveUpAfterMs` without Redis.
 */
export function createRedisConnection(url: string, options: { persistent?: boolean; giveUpAfterMs?: number } & RedisOptions = {}): Redis {
  const { persistent = true, giveUpAfterMs = 5_000, ...rest } = options;
  if (persistent) return new Redis(url, { maxRetriesPerRequest: null, ...rest });
  let since: number | undefined;
  const connection = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: () => {
      since ??= Date.now();
      return Date.now() - since > giveUpAfterMs ? null : 200;
    },
    ...rest,
  });
  connection.on('ready', () => (since = undefined));
  return connection;
}

/** True for the errors ioredis raises when Redis went away in the middle of a command. */
export function isRedisConnectionLoss(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  const message = (error as Error | undefined)?.message ?? '';
  return name === 'MaxRetriesPerRequestError' || message === 'Connection is closed.' || /ECONNREFUSED|ECONNRESET/.test(message);
}
