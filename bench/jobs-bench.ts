// Orchestration cost of pipeline runs on loopback Redis: flows per second, and the time each stage spends
// outside its processor (queueing, locks, payload and result checks, the result written to the store).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import pino from 'pino';
import { z } from 'zod';
import { FileStore, createRedisConnection, stageNames, type AnyStageDefinition } from '../core/index.js';
import { PipelineClient, StageRegistry, startStageWorkers, stageJobId } from '../jobs/index.js';
import { quantile } from './stats.js';
import { removePrefix } from '../test/support/redis-test.js';

const processorResult = z.object({ schemaVersion: z.literal(1), processorMs: z.number() });

/** Stages that do nothing but time themselves, so that whatever else a stage costs is orchestration. */
const noopStages: AnyStageDefinition[] = stageNames.map((name) => ({
  name,
  params: z.object({ index: z.number() }),
  result: processorResult,
  async process() {
    const started = performance.now();
    return { schemaVersion: 1 as const, processorMs: performance.now() - started };
  },
}));

interface StageTiming {
  stage: string;
  overheadMs: number;
}

async function timingsOf(prefix: string, connection: ReturnType<typeof createRedisConnection>, runIds: readonly string[]): Promise<StageTiming[]> {
  const queues = new Map(stageNames.map((name) => [name, new Queue(name, { connection, prefix })]));
  const timings: StageTiming[] = [];
  for (const runId of runIds) {
    let ready: number | undefined;
    for (const stage of stageNames) {
      const job = await queues.get(stage)!.getJob(stageJobId(runId, stage));
      if (job?.finishedOn === undefined) throw new Error(`stage ${stage} of ${runId} did not finish`);
      const start = ready ?? job.timestamp;
      const { processorMs } = processorResult.parse(job.returnvalue);
      timings.push({ stage, overheadMs: job.finishedOn - start - processorMs });
      ready = job.finishedOn;
    }
  }
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  return timings;
}

function printOverheads(title: string, timings: readonly StageTiming[]): void {
  process.stdout.write(`${title}\n  stage      p50 ms  p95 ms  max ms\n`);
  for (const stage of stageNames) {
    const values = timings.filter((timing) => timing.stage === stage).map((timing) => timing.overheadMs);
    process.stdout.write(
      `  ${stage.padEnd(9)} ${quantile(values, 0.5).toFixed(1).padStart(6)}  ${quantile(values, 0.95).toFixed(1).padStart(6)}  ${Math.max(...values).toFixed(1).padStart(6)}\n`,
    );
  }
}

/** `npm run bench -- jobs [--flows 1000] [--serial 200] [--concurrency 16]` */
export async function benchJobs(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { flows: { type: 'string', default: '1000' }, serial: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '16' } },
  });
  const flows = Number(values.flows);
  const serial = Number(values.serial);
  const concurrency = Number(values.concurrency);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `lora-bench-${randomBytes(4).toString('hex')}`;
  const connection = createRedisConnection(redisUrl);
  const storeRoot = await mkdtemp(join(tmpdir(), 'lora-bench-'));
  const client = new PipelineClient({ connection, prefix, attempts: 1, backoffMs: 0 });
  const workers = await startStageWorkers({
    connection,
    prefix,
    registry: new StageRegistry(noopStages),
    store: new FileStore(storeRoot),
    log: pino({ level: 'silent' }),
    logLevel: 'silent',
    concurrency,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    maxStalledCount: 1,
  });
  await workers.ready();
  const eventsConnection = connection.duplicate();
  const events = new QueueEvents('register', { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const plan = (index: number) => stageNames.map((stage) => ({ stage, params: { index } }));
  process.stdout.write(`jobs benchmark: Redis ${redisUrl}, file store, ${concurrency} jobs at once per queue, node ${process.version}\n`);

  try {
    // Serial: one run in flight, so each stage's overhead is the cost of orchestration alone.
    const serialIds: string[] = [];
    for (let index = 0; index < serial; index += 1) {
      const { runId } = await client.submit({ name: 'bench', spec: { serial: index, prefix }, plan: plan(index) });
      const root = await new Queue('register', { connection, prefix }).getJob(stageJobId(runId, 'register'));
      await root!.waitUntilFinished(events, 30_000);
      serialIds.push(runId);
    }
    printOverheads(`serial: ${serial} runs, one at a time — overhead per stage (time not spent in the processor)`, await timingsOf(prefix, connection, serialIds));

    // Throughput: all runs submitted at once.
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      events.on('completed', () => {
        completed += 1;
        if (completed === flows) resolve();
      });
    });
    const started = performance.now();
    const runIds: string[] = [];
    for (let batch = 0; batch < flows; batch += 50) {
      const submitted = await Promise.all(
        Array.from({ length: Math.min(50, flows - batch) }, (_, offset) => client.submit({ name: 'bench', spec: { burst: batch + offset, prefix }, plan: plan(batch + offset) })),
      );
      runIds.push(...submitted.map((run) => run.runId));
    }
    const submittedMs = performance.now() - started;
    await allDone;
    const elapsedMs = performance.now() - started;
    process.stdout.write(
      `burst: ${flows} runs (${flows * 4} stage jobs) submitted in ${(submittedMs / 1000).toFixed(2)} s, all completed in ${(elapsedMs / 1000).toFixed(2)} s: ${(flows / (elapsedMs / 1000)).toFixed(1)} runs/s, ${((flows * 4) / (elapsedMs / 1000)).toFixed(0)} stage jobs/s\n`,
    );
    printOverheads(`burst: overhead per stage under load (includes waiting behind other runs)`, await timingsOf(prefix, connection, runIds));
    process.stdout.write(`memory: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
  } finally {
    // QueueEvents.close() waits on its blocking read of a shared connection; end that connection first.
    eventsConnection.disconnect();
    await events.close();
    await workers.close();
    await client.close();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(storeRoot, { recursive: true, force: true });
  }
}
