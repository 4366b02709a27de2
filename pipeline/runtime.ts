import type { Redis } from 'ioredis';
import {
  createRedisConnection,
  createSourceOpener,
  resolveRedisTarget,
  openStore,
  type ArtifactStore,
  type LoraConfig,
  type Logger,
} from '../core/index.js';
import { PipelineClient, startStageWorkers, type StageWorkers } from '../jobs/index.js';
import type { StageName } from '../core/index.js';
import { createPipelineRegistry } from './stages.js';
import { AdapterRegistry } from '../adapters/index.js';

/** Everything a command talks to: Redis, the store and the pipeline client. Close it when done. */
export interface Runtime {
  config: LoraConfig;
  log: Logger;
  connection: Redis;
  store: ArtifactStore;
  client: PipelineClient;
  /** The adapter registry: versions and ledger in the store, aliases and version numbers in Redis. */
  adapters: AdapterRegistry;
  /** Starts workers for the pipeline's stages in this process. */
  startWorkers(options?: { queues?: StageName[]; concurrency?: number }): Promise<StageWorkers>;
  close(): Promise<void>;
}

/**
 * Connects to Redis (a private one for the embedded default; else failing within the timeout, naming
 * the URL) and opens the store. `persistent` runtimes (workers) reconnect forever; others give up.
 */
export async function openRuntime(config: LoraConfig, log: Logger, options: { persistent?: boolean } = {}): Promise<Runtime> {
  const target = await resolveRedisTarget(config.redis.url, config.redis.connectTimeoutMs, log);
  const connection = createRedisConnection(target, { persistent: options.persistent ?? false, giveUpAfterMs: config.redis.connectTimeoutMs });
  connection.on('error', (error) => log.warn({ err: error }, `Redis connection error: ${error.message}`));
  const store = openStore(config.store);
  const adapters = new AdapterRegistry(connection, config.redis.prefix, store);
  const client = new PipelineClient({ connection, prefix: config.redis.prefix, attempts: config.jobs.attempts, backoffMs: config.jobs.backoffMs });
  const workers: StageWorkers[] = [];
  return {
    config,
    log,
    connection,
    store,
    client,
    adapters,
    async startWorkers(options = {}) {
      const started = await startStageWorkers({
        connection,
        prefix: config.redis.prefix,
        registry: createPipelineRegistry(config.model, { registry: adapters, providers: config.evals.providers }),
        store,
        openSource: createSourceOpener(store, config.store.s3),
        log,
        logLevel: config.log.level,
        queues: options.queues,
        concurrency: options.concurrency ?? config.worker.concurrency,
        lockDurationMs: config.worker.lockDurationMs,
        stalledIntervalMs: config.worker.stalledIntervalMs,
        maxStalledCount: config.worker.maxStalledCount,
      });
      workers.push(started);
      return started;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await client.close();
      await store.close();
      connection.disconnect();
    },
  };
}
