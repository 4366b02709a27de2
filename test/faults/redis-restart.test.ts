// Fault: Redis restarts (SIGTERM, then started again on the same port and data folder) while a pipeline trains.
// What is lost: nothing. Redis keeps its data in its append-only file; the worker and the client reconnect; training
// goes on in the same job, without a retry and without resuming from a checkpoint; all four stages complete.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../core/index.js';
import { PipelineClient } from '../../jobs/index.js';
import type { TrainResult } from '../../adapters/index.js';
import { finished, testPrefix, waitForRun } from '../support/redis-test.js';
import { RedisServerProcess, redisServerOnPath } from '../support/redis-server-process.js';
import { runCli, spawnCli } from '../support/cli.js';

/** Copies the example spec and trains it for 6 steps with a checkpoint every 2, so that a restart lands mid-training. */
async function shortSpec(folder: string): Promise<string> {
  await cp('examples/support-triage', join(folder, 'spec'), { recursive: true });
  const path = join(folder, 'spec', 'pipeline.yaml');
  const text = await readFile(path, 'utf8');
  const patched = text.replace('  seed: 42', '  seed: 42\n  maxSteps: 6').replace('  checkpointEvery: 8', '  checkpointEvery: 2');
  expect(patched.match(/maxSteps: 6|checkpointEvery: 2/g)).toHaveLength(2);
  await writeFile(path, patched);
  return path;
}

/** Starts `lora worker` and resolves once it listens; its log lines are kept for a failing test's message. */
async function startWorker(env: NodeJS.ProcessEnv, lines: string[]): Promise<ChildProcess> {
  const worker = spawnCli(['worker'], { ...env, LORA_LOG_LEVEL: 'info' });
  await new Promise<void>((resolve, reject) => {
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${lines.join('\n')}`)));
    createInterface({ input: worker.stderr! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"event":"worker-start"')) resolve();
    });
  });
  return worker;
}

async function serverRunId(connection: Redis): Promise<string> {
  return /run_id:(\w+)/.exec(await connection.info('server'))![1]!;
}

describe('a pipeline across a restart of its Redis (nothing lost)', () => {
  const command = redisServerOnPath();
  const cleanups: Array<() => Promise<unknown>> = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('completes all four stages in their first attempt when Redis restarts during training', async (context) => {
    if (command === undefined) return context.skip('redis-server is not on the PATH: this test starts and restarts a Redis of its own');
    const folder = await mkdtemp(join(tmpdir(), 'lora-redis-restart-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const redis = await RedisServerProcess.start(command, folder);
    cleanups.push(() => redis.stop());
    const env = { REDIS_URL: redis.url, LORA_REDIS_PREFIX: testPrefix(), LORA_STORE: `file://${join(folder, 'store')}` };
    const spec = await shortSpec(folder);
    const workerLog: string[] = [];
    const worker = await startWorker(env, workerLog);
    const workerExit = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    cleanups.push(async () => worker.kill('SIGKILL'));
    const connection = createRedisConnection(redis.url);
    connection.on('error', () => undefined); // refused while Redis is down; the connection retries
    const client = new PipelineClient({ connection, prefix: env.LORA_REDIS_PREFIX, attempts: 3, backoffMs: 100 });
    cleanups.push(async () => (await client.close(), connection.disconnect()));

    const submitted = await runCli(['jobs', 'submit', spec, '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { runId } = JSON.parse(submitted.stdout) as { runId: string };
    const training = await waitForRun(client, runId, (status) => status.stages[1]?.state === 'active' && ((status.stages[1].progress as { step?: number } | null)?.step ?? 0) >= 1, 30_000);
    const stepAtRestart = (training.stages[1]!.progress as { step: number }).step;
    const before = await serverRunId(connection);

    const stoppedAt = Date.now();
    expect(await redis.stop()).toBe(0);
    // Down for a while: training steps go on, and progress and lock renewals wait for Redis.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await redis.start();
    expect(await serverRunId(connection)).not.toBe(before);

    const status = await waitForRun(client, runId, finished, 50_000);
    const summary = JSON.stringify(status.stages.map((stage) => [stage.name, stage.state, stage.attempts, stage.error]));
    expect(status.state, `${summary}\n${workerLog.slice(-20).join('\n')}`).toBe('completed');
    expect(status.stages.map((stage) => [stage.name, stage.state, stage.attempts])).toEqual([
      ['curate', 'completed', 1],
      ['train', 'completed', 1],
      ['eval', 'completed', 1],
      ['register', 'completed', 1],
    ]);
    const train = status.stages[1]!;
    expect(stepAtRestart).toBeLessThan(6);
    expect(train.finishedAt).toBeGreaterThan(stoppedAt);
    const trained = train.result as TrainResult;
    expect(trained.metrics).toMatchObject({ steps: 6, resumedFromStep: null });
    expect(trained.metrics.trainLoss.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(trained.registered?.reference).toBe('support-triage@v1');
    expect(status.stages[0]!.result).toMatchObject({ records: 239, rejected: 2 });
    expect(status.stages[3]!.result).toMatchObject({ registered: true, version: 'support-triage@v1' });

    // The same worker did it all, and still stops cleanly.
    expect(worker.exitCode).toBeNull();
    worker.kill('SIGTERM');
    expect(await workerExit).toBe(0);
  }, 60_000);
});
