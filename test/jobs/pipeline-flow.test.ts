import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore, InputError } from '../../core/index.js';
import { PipelineClient, type StageWorkers } from '../../jobs/index.js';
import { finished, removePrefix, testConnection, testPrefix, waitForRun } from '../support/redis-test.js';
import { startTestWorkers, testPlan, type TestBehaviour } from '../support/test-stages.js';

describe('pipeline runs on BullMQ', () => {
  let connection: Redis;
  let prefix: string;
  let client: PipelineClient;
  let storeRoot: string;
  let workers: StageWorkers | undefined;

  beforeEach(async () => {
    connection = testConnection();
    prefix = testPrefix();
    client = new PipelineClient({ connection, prefix, attempts: 3, backoffMs: 20 });
    storeRoot = await mkdtemp(join(tmpdir(), 'lora-flow-'));
  });

  afterEach(async () => {
    await workers?.close(true);
    workers = undefined;
    await client.close();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(storeRoot, { recursive: true, force: true });
  });

  async function startWorkers(behaviours: Parameters<typeof startTestWorkers>[3] = {}) {
    workers = await startTestWorkers(connection, prefix, storeRoot, behaviours, { concurrency: 2, lockDurationMs: 5_000, stalledIntervalMs: 5_000 });
  }

  it('runs the four stages in order and hands each result to the next', async () => {
    await startWorkers();
    const submitted = await client.submit({ name: 'ordered', spec: { label: 'ordered' }, plan: testPlan('ordered') });
    expect(submitted).toMatchObject({ created: true, state: 'waiting' });
    const status = await waitForRun(client, submitted.runId, finished);
    expect(status.state).toBe('completed');
    expect(status.stages.map((stage) => [stage.name, stage.state])).toEqual([
      ['curate', 'completed'],
      ['train', 'completed'],
      ['eval', 'completed'],
      ['register', 'completed'],
    ]);
    const results = status.stages.map((stage) => stage.result as { stage: string; finishedAt: number; received: unknown });
    for (let index = 1; index < results.length; index += 1) {
      expect(results[index]!.received).toEqual(results[index - 1]);
      expect(results[index]!.finishedAt).toBeGreaterThanOrEqual(results[index - 1]!.finishedAt);
    }
    expect(results[0]!.received).toBeNull();
    const stored = await new FileStore(storeRoot).readJson(`runs/${submitted.runId}/stages/eval.json`);
    expect(stored).toEqual(results[2]);
  });

  it('retries a transient failure with backoff, then shows the error on the failed run', async () => {
    let calls = 0;
    await startWorkers({
      train: async () => {
        calls += 1;
        throw new Error(`disk hiccup ${calls}`);
      },
    });
    const { runId } = await client.submit({ name: 'flaky', spec: { label: 'flaky' }, plan: testPlan('flaky') });
    const status = await waitForRun(client, runId, finished);
    expect(status.state).toBe('failed');
    const train = status.stages.find((stage) => stage.name === 'train')!;
    expect(train).toMatchObject({ state: 'failed', attempts: 3, error: 'disk hiccup 3' });
    expect(calls).toBe(3);
    expect(status.stages.find((stage) => stage.name === 'eval')!.state).toBe('waiting');
  });

  it('fails bad input at once, without retrying, and keeps the reason', async () => {
    let calls = 0;
    await startWorkers({
      curate: async () => {
        calls += 1;
        throw new InputError('dataset line 3: "messages[0].role" must be one of system|user|assistant|tool, got "bot"');
      },
    });
    const { runId } = await client.submit({ name: 'bad-input', spec: { label: 'bad' }, plan: testPlan('bad') });
    const status = await waitForRun(client, runId, finished);
    expect(status.stages[0]).toMatchObject({ state: 'failed', attempts: 1, error: expect.stringContaining('got "bot"') });
    expect(calls).toBe(1);
  });

  it('fails a job whose parameters do not match the stage schema at once, naming the field', async () => {
    await startWorkers();
    const plan = testPlan('typo').map((entry) => (entry.stage === 'curate' ? { ...entry, params: { lable: 'x' } } : entry));
    const { runId } = await client.submit({ name: 'typo', spec: { label: 'typo' }, plan });
    const status = await waitForRun(client, runId, finished);
    expect(status.stages[0]!.attempts).toBe(1);
    expect(status.stages[0]!.error).toContain('"label" must be a string, got nothing');
    expect(status.stages[0]!.error).toContain('"lable" is not a known key');
  });

  it('does not run the same spec twice, unless forced', async () => {
    await startWorkers();
    const first = await client.submit({ name: 'once', spec: { label: 'once' }, plan: testPlan('once') });
    const again = await client.submit({ name: 'once', spec: { label: 'once' }, plan: testPlan('once') });
    expect(again).toMatchObject({ runId: first.runId, created: false });
    await waitForRun(client, first.runId, finished);
    const forced = await client.submit({ name: 'once', spec: { label: 'once' }, plan: testPlan('once'), force: true });
    expect(forced.created).toBe(true);
    expect(forced.runId).not.toBe(first.runId);
    expect((await waitForRun(client, forced.runId, finished)).state).toBe('completed');
    expect((await client.list()).map((run) => run.id).sort()).toEqual([first.runId, forced.runId].sort());
  });

  it('aborts the running processor when the run is cancelled, and never starts later stages', async () => {
    let sawAbort = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const train: TestBehaviour = (_input, context) =>
      new Promise((_resolve, reject) => {
        started();
        context.signal.addEventListener('abort', () => {
          sawAbort = true;
          reject(new Error('aborted'));
        });
      });
    let evalRan = false;
    await startWorkers({ train, eval: async () => void (evalRan = true) });
    const { runId } = await client.submit({ name: 'cancel-me', spec: { label: 'cancel' }, plan: testPlan('cancel') });
    await running;
    await client.cancel(runId);
    const status = await waitForRun(client, runId, finished);
    expect(status.state).toBe('cancelled');
    expect(status.stages[1]).toMatchObject({ name: 'train', state: 'cancelled', attempts: 1 });
    expect(sawAbort).toBe(true);
    expect(evalRan).toBe(false);
  });

  it('waits for a processor that ignores the cancel signal before failing its job, so its slot is not reused early', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let stoppedAt = 0;
    await startWorkers({
      train: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 400));
        stoppedAt = Date.now();
      },
    });
    const { runId } = await client.submit({ name: 'stubborn', spec: { label: 'stubborn' }, plan: testPlan('stubborn') });
    await running;
    await client.cancel(runId);
    const status = await waitForRun(client, runId, finished);
    expect(status.stages[1]).toMatchObject({ state: 'cancelled' });
    expect(stoppedAt).toBeGreaterThan(0);
    expect(status.stages[1]!.finishedAt!).toBeGreaterThanOrEqual(stoppedAt);
  });

  it('retries a failed run from the stage that failed, keeping earlier results', async () => {
    let failTrain = true;
    let curateRuns = 0;
    await startWorkers({
      curate: async () => void (curateRuns += 1),
      train: async () => {
        if (failTrain) throw new InputError('model folder missing');
      },
    });
    const { runId } = await client.submit({ name: 'retry-me', spec: { label: 'retry' }, plan: testPlan('retry') });
    expect((await waitForRun(client, runId, finished)).state).toBe('failed');
    failTrain = false;
    await client.retry(runId);
    const status = await waitForRun(client, runId, (run) => run.state === 'completed');
    expect(status.stages.every((stage) => stage.state === 'completed')).toBe(true);
    expect(curateRuns).toBe(1);
  });
});
