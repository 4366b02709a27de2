import type { Command } from 'commander';
import { UsageError, stageNames, type StageName } from '../../core/index.js';
import { withContext } from './cli-context.js';

/** Parses `--queues curate,train`. */
export function parseQueues(text: string): StageName[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(stageNames as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(`--queues must be a comma-separated list of ${stageNames.join('|')}, got ${JSON.stringify(text)}`);
  }
  return names as StageName[];
}

/** Resolves when the process gets SIGINT or SIGTERM; a second signal calls `onSecond`. */
function untilSignal(onSecond: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) return onSecond();
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** `lora worker`: runs stage jobs until SIGINT/SIGTERM, then finishes the running ones and exits. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run pipeline stage jobs; SIGINT/SIGTERM finishes running jobs and exits, a second signal exits at once')
    .option('--queues <names>', `stages to work on (${stageNames.join(',')})`, stageNames.join(','))
    .option('--concurrency <n>', 'jobs run at once per queue')
    .action(
      withContext(
        async (context, options: { queues: string; concurrency?: string }) => {
          const queues = parseQueues(options.queues);
          const runtime = await context.runtime({ persistent: true });
          const log = runtime.log;
          const workers = await runtime.startWorkers({ queues });
          await workers.ready();
          log.info({ event: 'worker-start', queues, concurrency: runtime.config.worker.concurrency, store: runtime.store.url, pid: process.pid }, `worker ready on ${queues.join(', ')}`);
          const signal = await untilSignal(() => {
            log.warn('second signal: exiting now; running jobs will be picked up by another worker');
            void workers.close(true).finally(() => process.exit(130));
          });
          log.info({ event: 'worker-stop', signal }, 'shutting down: waiting for running jobs to finish');
          await workers.close();
          log.info({ event: 'worker-end' }, 'worker stopped');
        },
        (options: { concurrency?: string }) =>
          options.concurrency === undefined ? [] : [{ name: '--concurrency', values: { worker: { concurrency: Number(options.concurrency) } } }],
      ),
    );
}
