import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PreparedBatch } from './curation/prepared-batch.js';
import type { LineBlock } from './formats/index.js';
import type { BlockSettings } from './prepare-block.js';

type Reply = { id: number; batch: PreparedBatch } | { id: number; error: { message: string; stack?: string } };

/** How many curation workers `auto` starts: one per core, since the main thread mostly waits on them. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * Starts a worker thread running `datasets/curate-worker`. From compiled JavaScript the module runs
 * as it is; from TypeScript sources (tests, `tsx`) the worker first registers tsx's loader.
 */
function startWorker(settings: BlockSettings): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const module = new URL(fromSources ? './curate-worker.ts' : './curate-worker.js', import.meta.url);
  if (!fromSources) return new Worker(module, { workerData: settings });
  const loader = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

/**
 * A pool of curation worker threads that prepare blocks of input in parallel. Blocks go to the
 * workers in turn; each `prepare` resolves with its batch, and a worker that fails or exits
 * rejects every block it held.
 */
export class CurationWorkers {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { worker: Worker; resolve(batch: PreparedBatch): void; reject(error: Error): void }>();
  private nextId = 0;
  private closed = false;
  /** The first failure of any worker: curation stops at it, so later blocks are refused with it. */
  private failure: Error | undefined;

  constructor(count: number, settings: BlockSettings) {
    this.workers = Array.from({ length: count }, () => {
      const worker = startWorker(settings);
      worker.on('message', (reply: Reply) => this.settle(reply));
      worker.on('error', (error) => this.failWorker(worker, error));
      worker.on('exit', (code) => {
        if (!this.closed) this.failWorker(worker, new Error(`a curation worker exited with code ${code} while preparing input`));
      });
      return worker;
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Prepares one block in the next worker; the block's bytes are transferred, so the caller must not use them again. */
  prepare(block: LineBlock): Promise<PreparedBatch> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the curation workers are closed'));
    const id = this.nextId;
    this.nextId += 1;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<PreparedBatch>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, block }, block.kind === 'block' ? [block.bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** Stops every worker; blocks still being prepared are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      entry.reject(new Error('the curation workers were closed'));
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(reply: Reply): void {
    const entry = this.pending.get(reply.id);
    if (entry === undefined) return;
    this.pending.delete(reply.id);
    if ('batch' in reply) entry.resolve(reply.batch);
    else entry.reject(Object.assign(new Error(`a curation worker failed: ${reply.error.message}`), { stack: reply.error.stack }));
  }

  private failWorker(worker: Worker, error: Error): void {
    this.failure ??= error;
    for (const [id, entry] of this.pending) {
      if (entry.worker !== worker) continue;
      this.pending.delete(id);
      entry.reject(error);
    }
  }
}
