import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { PipelineClient, type StageWorkers } from '../../jobs/index.js';
import { finished, removePrefix, testConnection, testPrefix, testRedisUrl, waitForRun } from '../support/redis-test.js';
import { startTestWorkers, testPlan } from '../support/test-stages.js';

describe('a worker killed mid-job', () => {
  it('leaves its job to another worker, which completes the run', async () => {
    const connection = testConnection();
    const prefix = testPrefix();
    const storeRoot = await mkdtemp(join(tmpdir(), 'lora-crash-'));
    const client = new PipelineClient({ connection, prefix, attempts: 2, backoffMs: 20 });
    const doomed = spawn(process.execPath, ['--import', 'tsx', 'test/support/slow-worker-process.ts'], {
      env: { ...process.env, REDIS_URL: testRedisUrl, LORA_TEST_PREFIX: prefix, LORA_TEST_STORE: storeRoot, LORA_TEST_TRAIN_MS: '600000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => doomed.on('exit', (_code, signal) => resolve(signal)));
    let survivor: StageWorkers | undefined;
    try {
      for await (const line of createInterface({ input: doomed.stdout! })) if (line === 'ready') break;
      const { runId } = await client.submit({ name: 'crash', spec: { label: 'crash' }, plan: testPlan('crash') });
      // The stage turns active before its processor reports progress (BullMQ's default progress is 0): wait for the report too.
      const reported = (progress: unknown) => typeof (progress as { message?: unknown } | null)?.message === 'string';
      const running = await waitForRun(client, runId, (status) => status.stages[1]!.state === 'active' && reported(status.stages[1]!.progress));
      expect((running.stages[1]!.progress as { message: string }).message).toBe(`pid ${doomed.pid} training`);

      doomed.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      let survivorTrained = 0;
      survivor = await startTestWorkers(connection, prefix, storeRoot, { train: async () => void (survivorTrained += 1) });
      const status = await waitForRun(client, runId, finished, 30_000);
      expect(status.state).toBe('completed');
      expect(survivorTrained).toBe(1);
      expect(status.stages.map((stage) => stage.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    } finally {
      doomed.kill('SIGKILL');
      await survivor?.close(true);
      await client.close();
      await removePrefix(connection, prefix);
      connection.disconnect();
      await rm(storeRoot, { recursive: true, force: true });
    }
  });
});
