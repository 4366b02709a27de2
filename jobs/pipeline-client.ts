import { FlowProducer, Queue, type FlowJob, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { UsageError, canonicalJson, sha256Hex, type StageName } from '../core/index.js';
import { runKeys } from './run-keys.js';
import {
  runRecord,
  stageJobId,
  type RunRecord,
  type RunState,
  type RunStatus,
  type StageJobData,
  type StageStatus,
} from './run-contracts.js';

/** One stage of a planned run and the parameters it will get. */
export interface StagePlanEntry {
  stage: StageName;
  params: unknown;
}

/** A run to submit: its validated spec and the stages it runs. */
export interface SubmitRequest {
  name: string;
  /** The resolved spec; the run id is derived from it. */
  spec: unknown;
  plan: StagePlanEntry[];
  /** Run again even when the same spec has run before. */
  force?: boolean;
  /** What else sets a run apart besides its spec, such as the store it writes to. */
  scope?: string;
}

/** What `submit` did: the run id, its state, and whether a new run was created. */
export interface SubmitResult {
  runId: string;
  state: RunState;
  created: boolean;
}

/** How runs are submitted: the shared Redis connection, key prefix and retry policy. */
export interface PipelineClientOptions {
  connection: Redis;
  prefix: string;
  attempts: number;
  backoffMs: number;
}

/** The run id of a spec (and scope): the same spec always gets the same id. */
export function runIdOf(spec: unknown, scope = ''): string {
  return `run-${sha256Hex(canonicalJson({ spec, scope })).slice(0, 16)}`;
}

function stageStateOf(bullState: string, failedReason: string | undefined, cancelled: boolean): RunState {
  switch (bullState) {
    case 'completed':
      return 'completed';
    case 'failed':
      return cancelled && failedReason?.startsWith('cancelled') ? 'cancelled' : 'failed';
    case 'active':
      return 'active';
    default:
      return 'waiting';
  }
}

/** A run's state from its stages': failed or cancelled wins, then active, then completed when all are. */
export function runStateOf(stages: readonly StageStatus[], cancelled: boolean): RunState {
  if (stages.some((stage) => stage.state === 'failed')) return 'failed';
  if (stages.some((stage) => stage.state === 'active')) return 'active';
  if (stages.some((stage) => stage.state === 'cancelled') || cancelled) return 'cancelled';
  if (stages.length > 0 && stages.every((stage) => stage.state === 'completed')) return 'completed';
  return 'waiting';
}

/** Submits, inspects and controls pipeline runs: one BullMQ flow per run, one queue per stage. */
export class PipelineClient {
  private readonly queues = new Map<string, Queue>();
  private readonly flow: FlowProducer;
  private readonly keys: ReturnType<typeof runKeys>;

  constructor(private readonly options: PipelineClientOptions) {
    this.flow = new FlowProducer({ connection: options.connection, prefix: options.prefix });
    this.flow.on('error', () => undefined); // the shared connection reports its own errors
    this.keys = runKeys(options.prefix);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.options.connection, prefix: this.options.prefix });
      queue.on('error', () => undefined); // the shared connection reports its own errors
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Submits a run as a flow in which each stage waits for the one before; a spec already run is not run again unless forced. */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const redis = this.options.connection;
    const baseId = runIdOf(request.spec, request.scope);
    const runId = request.force ? `${baseId}-r${(await redis.incr(this.keys.forceCounter(baseId))) + 1}` : baseId;
    const record: RunRecord = {
      schemaVersion: 1,
      runId,
      specHash: baseId.slice('run-'.length),
      name: request.name,
      spec: request.spec,
      createdAt: Date.now(),
      stages: request.plan.map((entry) => ({ name: entry.stage, jobId: stageJobId(runId, entry.stage) })),
    };
    const claimed = await redis.set(this.keys.run(runId), JSON.stringify(record), 'NX');
    if (claimed !== 'OK') {
      // A submitter that died between claiming the id and adding the flow left a record without jobs:
      // add the flow now (job ids make this idempotent) rather than leave the run waiting forever.
      const last = request.plan[request.plan.length - 1];
      if (last !== undefined && (await this.queue(last.stage).getJobState(stageJobId(runId, last.stage))) === 'unknown') {
        await this.flow.add(this.flowOf(runId, request.plan));
        await redis.zadd(this.keys.index, record.createdAt, runId);
      }
      const existing = await this.status(runId);
      return { runId, state: existing?.state ?? 'waiting', created: false };
    }
    try {
      await this.flow.add(this.flowOf(runId, request.plan));
      await redis.zadd(this.keys.index, record.createdAt, runId);
    } catch (error) {
      await redis.del(this.keys.run(runId));
      throw error;
    }
    return { runId, state: 'waiting', created: true };
  }

  private flowOf(runId: string, plan: readonly StagePlanEntry[]): FlowJob {
    let node: FlowJob | undefined;
    for (const entry of plan) {
      const data: StageJobData = { schemaVersion: 1, runId, stage: entry.stage, params: entry.params };
      node = {
        name: entry.stage,
        queueName: entry.stage,
        data,
        opts: {
          jobId: stageJobId(runId, entry.stage),
          attempts: this.options.attempts,
          backoff: { type: 'exponential', delay: this.options.backoffMs },
        },
        ...(node === undefined ? {} : { children: [node] }),
      };
    }
    if (node === undefined) throw new UsageError('a run needs at least one stage');
    return node;
  }

  /** The run's record, or undefined when no such run exists. */
  async record(runId: string): Promise<RunRecord | undefined> {
    const text = await this.options.connection.get(this.keys.run(runId));
    return text === null ? undefined : runRecord.parse(JSON.parse(text));
  }

  private async requireRecord(runId: string): Promise<RunRecord> {
    const record = await this.record(runId);
    if (record === undefined) throw new UsageError(`run "${runId}" does not exist; see \`lora jobs list\``, { code: 'run-not-found' });
    return record;
  }

  private async stageJob(stage: { name: string; jobId: string }): Promise<Job | undefined> {
    return this.queue(stage.name).getJob(stage.jobId);
  }

  /** The run and each of its stages, or undefined when no such run exists. */
  async status(runId: string): Promise<RunStatus | undefined> {
    const record = await this.record(runId);
    return record === undefined ? undefined : this.statusOf(record);
  }

  private async statusOf(record: RunRecord): Promise<RunStatus> {
    const cancelled = record.cancelledAt !== undefined;
    const stages = await Promise.all(
      record.stages.map(async (stage): Promise<StageStatus> => {
        // State first: a job's finish is atomic in Redis, so data read after a final state is complete.
        const bullState = await this.queue(stage.name).getJobState(stage.jobId);
        const job = await this.stageJob(stage);
        return {
          name: stage.name,
          jobId: stage.jobId,
          state: stageStateOf(bullState, job?.failedReason, cancelled),
          progress: job?.progress ?? null,
          result: job?.returnvalue ?? null,
          error: job?.failedReason ? job.failedReason : null,
          attempts: job?.attemptsMade ?? 0,
          startedAt: job?.processedOn ?? null,
          finishedAt: job?.finishedOn ?? null,
        };
      }),
    );
    return { id: record.runId, name: record.name, state: runStateOf(stages, cancelled), createdAt: record.createdAt, stages };
  }

  /** The newest runs first, optionally only those in `state`. */
  async list(options: { state?: RunState; limit?: number } = {}): Promise<RunStatus[]> {
    const limit = options.limit ?? 50;
    const runs: RunStatus[] = [];
    const batch = 100;
    for (let start = 0; runs.length < limit; start += batch) {
      const ids = await this.options.connection.zrevrange(this.keys.index, start, start + batch - 1);
      if (ids.length === 0) break;
      for (const id of ids) {
        const status = await this.status(id);
        if (status !== undefined && (options.state === undefined || status.state === options.state)) runs.push(status);
        if (runs.length >= limit) break;
      }
    }
    return runs;
  }

  /** Cancels a run: the running stage's processor is aborted and later stages never start. */
  async cancel(runId: string): Promise<RunStatus> {
    const record = await this.requireRecord(runId);
    const before = await this.statusOf(record);
    if (before.state === 'completed') throw new UsageError(`run "${runId}" has already completed; there is nothing to cancel`, { code: 'run-finished' });
    record.cancelledAt = Date.now();
    await this.options.connection.set(this.keys.run(runId), JSON.stringify(record));
    await this.options.connection.publish(this.keys.cancelChannel, runId);
    return this.statusOf(record);
  }

  /** Retries a failed or cancelled run from the stage that stopped it; completed stages keep their results. */
  async retry(runId: string): Promise<RunStatus> {
    const record = await this.requireRecord(runId);
    const before = await this.statusOf(record);
    if (before.state !== 'failed' && before.state !== 'cancelled') {
      throw new UsageError(`run "${runId}" is ${before.state}; only failed or cancelled runs can be retried`, { code: 'run-not-retryable' });
    }
    delete record.cancelledAt;
    await this.options.connection.set(this.keys.run(runId), JSON.stringify(record));
    for (const stage of record.stages) {
      const job = await this.stageJob(stage);
      if (job !== undefined && (await job.getState()) === 'failed') await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    return this.statusOf(record);
  }

  /** Each stage's log lines, in pipeline order. */
  async logs(runId: string): Promise<Array<{ stage: string; lines: string[] }>> {
    const record = await this.requireRecord(runId);
    return Promise.all(
      record.stages.map(async (stage) => ({ stage: stage.name, lines: (await this.queue(stage.name).getJobLogs(stage.jobId, 0, -1)).logs })),
    );
  }

  /** Closes queues and the flow producer; the shared connection stays open for its owner. */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.flow.close();
  }
}
