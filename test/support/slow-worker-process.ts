// A worker process for the crash test: its train stage works slowly until it is killed.
// Env: REDIS_URL, LORA_TEST_PREFIX, LORA_TEST_STORE, LORA_TEST_TRAIN_MS.
import pino from 'pino';
import { FileStore, createRedisConnection } from '../../core/index.js';
import { StageRegistry, startStageWorkers } from '../../jobs/index.js';
import { testStages } from './test-stages.js';

const trainMs = Number(process.env.LORA_TEST_TRAIN_MS ?? 60_000);
const connection = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const workers = await startStageWorkers({
  connection,
  prefix: process.env.LORA_TEST_PREFIX!,
  registry: new StageRegistry(
    testStages({
      train: async (_input, context) => {
        await context.progress({ message: `pid ${process.pid} training` });
        await new Promise((resolve) => setTimeout(resolve, trainMs));
      },
    }),
  ),
  store: new FileStore(process.env.LORA_TEST_STORE!),
  log: pino({ level: 'silent' }),
  logLevel: 'silent',
  concurrency: 1,
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  maxStalledCount: 1,
});
await workers.ready();
process.stdout.write('ready\n');
