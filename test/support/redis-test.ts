// Real Redis for the tests, each under a random key prefix that is removed afterwards.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '../../core/index.js';
import type { PipelineClient, RunStatus } from '../../jobs/index.js';

/** The Redis the tests use: REDIS_URL or the local default. */
export const testRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix, so that tests never see each other's queues. */
export function testPrefix(): string {
  return `lora-test-${randomBytes(6).toString('hex')}`;
}

/** A BullMQ-ready connection to the test Redis. */
export function testConnection(): Redis {
  return createRedisConnection(testRedisUrl);
}

/** Deletes every key under `prefix`. */
export async function removePrefix(connection: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await connection.del(...keys);
  } while (cursor !== '0');
}

/** Polls a run until `done` says so, failing after `timeoutMs`. */
export async function waitForRun(client: PipelineClient, runId: string, done: (status: RunStatus) => boolean, timeoutMs = 30_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.status(runId);
    if (status !== undefined && done(status)) return status;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A run that has stopped: completed, failed or cancelled. */
export const finished = (status: RunStatus): boolean => ['completed', 'failed', 'cancelled'].includes(status.state);
