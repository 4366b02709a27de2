import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LevelWithSilent, Logger } from 'pino';
import {
  LoraError,
  createTeeLogger,
  formatIssues,
  fromZodIssues,
  type AnyStageDefinition,
  createSourceOpener,
  loraConfig,
  type ArtifactStore,
  type SourceOpener,
  type StageContext,
  type StageName,
  type StageProgress,
} from '../core/index.js';
import { runKeys } from './run-keys.js';
import { runRecord, stageJobData, type StageJobData } from './run-contracts.js';
import type { StageRegistry } from './stage-registry.js';

/** What a worker process needs: Redis, the stages it runs, the store they write to, and BullMQ's lock settings. */
export interface StageWorkerOptions {
  connection: Redis;
  prefix: string;
  registry: StageRegistry;
  store: ArtifactStore;
  /** Opens stage inputs by URI; by default only `store:KEY`. */
  openSource?: SourceOpener;
  log: Logger;
  logLevel: LevelWithSilent;
  /** Queues to take jobs from; all registered stages by default. */
  queues?: StageName[];
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/** A running set of workers, one per queue. */
export interface StageWorkers {
  readonly queues: StageName[];
  /** Waits for every worker to be connected and listening. */
  ready(): Promise<void>;
  /** Stops taking jobs; waits for running ones unless `force`, which leaves them for another worker to pick up once their locks lapse. */
  close(force?: boolean): Promise<void>;
}

/** How long a cancelled processor gets to stop before its job is failed as cancelled. */
const cancelGraceMs = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function unrecoverable(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

/** Checks a job's payload, its parameters and the previous stage's result; any mismatch fails the job at once. */
async function stageInputOf(job: Job, registry: StageRegistry): Promise<{ data: StageJobData; stage: AnyStageDefinition; params: unknown; previous: unknown }> {
  const parsed = stageJobData.safeParse(job.data);
  if (!parsed.success) throw unrecoverable(`invalid job payload:\n${formatIssues('job', fromZodIssues(parsed.error.issues, job.data))}`);
  const data = parsed.data;
  const stage = registry.get(data.stage);
  const params = stage.params.safeParse(data.params);
  if (!params.success) throw unrecoverable(`invalid ${stage.name} parameters:\n${formatIssues('spec', fromZodIssues(params.error.issues, data.params))}`);
  const before = registry.previous(stage.name);
  let previous: unknown;
  if (before !== undefined) {
    const values = Object.values(await job.getChildrenValues());
    const result = before.result.safeParse(values[0]);
    if (values.length !== 1 || !result.success) {
      throw unrecoverable(`the ${before.name} stage's result is missing or not what ${stage.name} expects (schema mismatch between worker versions?)`);
    }
    previous = result.data;
  }
  return { data, stage, params: params.data, previous };
}

/** Starts one thin BullMQ worker per queue; each job runs its stage's plain async processor. */
export async function startStageWorkers(options: StageWorkerOptions): Promise<StageWorkers> {
  const keys = runKeys(options.prefix);
  const queues = options.queues ?? options.registry.names();
  const activeRuns = new Map<string, { runId: string; worker: Worker }>();
  const openSource = options.openSource ?? createSourceOpener(options.store, loraConfig.parse({}).store.s3);

  const isCancelled = async (runId: string): Promise<boolean> => {
    const text = await options.connection.get(keys.run(runId));
    return text !== null && runRecord.parse(JSON.parse(text)).cancelledAt !== undefined;
  };

  const processJob = async (job: Job, workerRef: () => Worker, signal?: AbortSignal): Promise<unknown> => {
    const { data, stage, params, previous } = await stageInputOf(job, options.registry);
    if (await isCancelled(data.runId)) throw unrecoverable('cancelled: the run was cancelled before this stage started');
    const controller = new AbortController();
    const abortFromWorker = () => controller.abort(signal?.reason ?? 'cancelled');
    signal?.addEventListener('abort', abortFromWorker, { once: true });
    activeRuns.set(job.id!, { runId: data.runId, worker: workerRef() });
    const log = createTeeLogger(options.logLevel, { runId: data.runId, stage: stage.name, jobId: job.id }, (line) => void job.log(line).catch(() => undefined));
    let lastCancelCheck = Date.now();
    const context: StageContext = {
      signal: controller.signal,
      log,
      // Progress doubles as a cancel check, in case the cancel message was published while this worker was reconnecting.
      progress: async (update: StageProgress) => {
        await job.updateProgress({ ...update, at: Date.now() });
        if (Date.now() - lastCancelCheck > 2_000) {
          lastCancelCheck = Date.now();
          if (await isCancelled(data.runId)) controller.abort('cancelled');
        }
      },
      store: options.store,
      openSource,
      runId: data.runId,
      attempt: job.attemptsMade + 1,
    };
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(unrecoverable('cancelled: the run was cancelled while this stage ran')), { once: true });
    });
    let work: Promise<unknown> | undefined;
    try {
      log.info({ event: 'stage-start', attempt: context.attempt }, `${stage.name} started`);
      work = stage.process({ runId: data.runId, params, previous }, context);
      const result = await Promise.race([work, aborted]);
      const checked = stage.result.safeParse(result);
      if (!checked.success) throw unrecoverable(`the ${stage.name} stage returned a result that does not match its schema`);
      await options.store.writeJson(`runs/${data.runId}/stages/${stage.name}.json`, checked.data);
      log.info({ event: 'stage-end' }, `${stage.name} completed`);
      return checked.data;
    } catch (error) {
      if (controller.signal.aborted) {
        // Give the processor time to stop, so that its slot is not reused while it still runs.
        await Promise.race([work?.catch(() => undefined), delay(cancelGraceMs)]);
        throw unrecoverable('cancelled: the run was cancelled while this stage ran');
      }
      if (error instanceof UnrecoverableError) throw error;
      if (error instanceof LoraError && !error.retryable) {
        log.error({ event: 'stage-error', code: error.code }, error.message);
        throw unrecoverable(error.message);
      }
      log.warn({ event: 'stage-error', err: error }, `${stage.name} failed, will retry if attempts remain: ${(error as Error).message}`);
      throw error;
    } finally {
      signal?.removeEventListener('abort', abortFromWorker);
      activeRuns.delete(job.id!);
      aborted.catch(() => undefined);
    }
  };

  const workers = queues.map((queue) => {
    options.registry.get(queue);
    const worker: Worker = new Worker(queue, (job, _token, signal) => processJob(job, () => worker, signal), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      autorun: true,
    });
    worker.on('error', (error) => options.log.error({ err: error, queue }, `worker error on queue ${queue}`));
    worker.on('failed', (job, error) => options.log.warn({ jobId: job?.id, queue, attemptsMade: job?.attemptsMade }, `job failed: ${error.message}`));
    return worker;
  });

  const subscriber = options.connection.duplicate();
  subscriber.on('error', (error) => options.log.warn({ err: error }, 'cancel subscription error'));
  subscriber.on('message', (_channel: string, runId: string) => {
    for (const [jobId, active] of activeRuns) {
      if (active.runId === runId) active.worker.cancelJob(jobId, 'cancelled');
    }
  });
  await subscriber.subscribe(keys.cancelChannel);

  return {
    queues,
    async ready() {
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    async close(force = false) {
      await Promise.all(workers.map((worker) => worker.close(force)));
      subscriber.disconnect();
    },
  };
}
