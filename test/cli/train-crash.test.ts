import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineClient } from '../../jobs/index.js';
import type { TrainResult } from '../../adapters/index.js';
import { finished, removePrefix, testConnection, testPrefix, waitForRun } from '../support/redis-test.js';
import { runCli, spawnCli } from '../support/cli.js';

/** Starts `lora worker` for the curate and train queues and resolves once it listens. */
async function startWorker(config: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const worker = spawnCli(['--config', config, 'worker', '--queues', 'curate,train'], { ...env, LORA_LOG_LEVEL: 'info' });
  await new Promise<void>((resolve, reject) => {
    worker.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    createInterface({ input: worker.stderr! }).on('line', (line) => {
      if (line.includes('"event":"worker-start"')) resolve();
    });
  });
  return worker;
}

describe('a training worker killed with SIGKILL', () => {
  let folder: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  const prefix = testPrefix();
  const connection = testConnection();
  const client = new PipelineClient({ connection, prefix, attempts: 3, backoffMs: 100 });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-train-crash-'));
    env = { LORA_REDIS_PREFIX: prefix, LORA_STORE: `file://${join(folder, 'store')}`, LORA_BACKEND: 'wasm' };
    config = join(folder, 'lora.config.json');
    // Short locks, so that the dead worker's job is picked up within seconds, yet longer than a
    // training step: a step runs synchronously and the lock is renewed between steps.
    await writeFile(config, JSON.stringify({ worker: { lockDurationMs: 8000, stalledIntervalMs: 2000 } }));
    expect((await runCli(['datasets', 'curate', 'examples/support-triage/data.jsonl', '--name', 'triage'], env)).code).toBe(0);
  });

  afterAll(async () => {
    await client.close();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('is replaced by another worker that resumes from the last checkpoint and follows the uninterrupted loss curve', async () => {
    const training = ['--dataset', 'triage', '--base', 'builtin:tiny', '--max-steps', '10', '--checkpoint-every', '3', '--evaluate-every', '5', '--seed', '7'];
    const whole = await runCli(['train', ...training, '--name', 'whole', '--here', '--json'], env);
    expect(whole.code).toBe(0);
    const uninterrupted = new Map((JSON.parse(whole.stdout) as { metrics: { trainLoss: [number, number][] } }).metrics.trainLoss);

    const doomed = await startWorker(config, env);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => doomed.on('exit', (_code, signal) => resolve(signal)));
    let survivor: ChildProcess | undefined;
    try {
      const submitted = await runCli(['train', ...training, '--name', 'resumed', '--json'], env);
      const { runId } = JSON.parse(submitted.stdout) as { runId: string };
      await waitForRun(client, runId, (status) => ((status.stages[1]?.progress as { step?: number } | null)?.step ?? 0) >= 5, 120_000);
      doomed.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      survivor = await startWorker(config, env);
      const status = await waitForRun(client, runId, finished, 120_000);
      expect(status.state, JSON.stringify(status.stages.map((stage) => [stage.name, stage.state, stage.error]))).toBe('completed');
      const result = status.stages[1]!.result as TrainResult;
      // Killed at step 5 or later, the last checkpoint was step 3 (or 6 if it was reached first).
      expect([3, 6]).toContain(result.metrics.resumedFromStep);
      expect(result.metrics.steps).toBe(10);
      for (const [step, loss] of result.metrics.trainLoss) expect(loss, `step ${step}`).toBeCloseTo(uninterrupted.get(step) as number, 4);
      expect(result.registered?.reference).toBe('resumed@v1');
    } finally {
      doomed.kill('SIGKILL');
      survivor?.kill('SIGTERM');
    }
  }, 300_000);
});
