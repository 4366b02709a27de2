// A worker process for the crash test: its train stage works slowly until it is killed.
// Env: REDIS_URL, LORA_TEST_PREFIX, LORA_TEST_STORE, LORA_TEST_TRAIN_MS.
import { createRedisConnection } from '../../core/index.js';
import { startTestWorkers } from './test-stages.js';

const trainMs = Number(process.env.LORA_TEST_TRAIN_MS ?? 60_000);
const connection = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await startTestWorkers(connection, process.env.LORA_TEST_PREFIX!, process.env.LORA_TEST_STORE!, {
  train: async (_input, context) => {
    await context.progress({ message: `pid ${process.pid} training` });
    await new Promise((resolve) => setTimeout(resolve, trainMs));
  },
});
process.stdout.write('ready\n');
