import { Option, type Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { runStates, type RunState, type RunStatus } from '../../jobs/index.js';
import { loadSpec } from '../load-spec.js';
import { submitSpec } from '../submit-run.js';
import { withContext } from './cli-context.js';
import { formatTime, printJson, printTable } from './output.js';
import { stageDetail, watchRun } from './watch-run.js';

/** Prints a run for people: its state and a row per stage. */
export function printRun(status: RunStatus): void {
  process.stdout.write(`run ${status.id} (${status.name}): ${status.state}, created ${formatTime(status.createdAt)}\n`);
  printTable(
    ['STAGE', 'STATE', 'ATTEMPTS', 'STARTED', 'FINISHED', 'DETAIL'],
    status.stages.map((stage) => [stage.name, stage.state, String(stage.attempts), formatTime(stage.startedAt), formatTime(stage.finishedAt), stageDetail(stage)]),
  );
}

/** `lora jobs show --json`: the contract scripts rely on. */
export function runJson(status: RunStatus): unknown {
  return {
    id: status.id,
    name: status.name,
    state: status.state,
    createdAt: status.createdAt,
    stages: status.stages.map((stage) => ({
      name: stage.name,
      state: stage.state,
      progress: stage.progress,
      result: stage.result,
      error: stage.error,
      attempts: stage.attempts,
      jobId: stage.jobId,
    })),
  };
}

export function exitCodeOf(state: RunState): number {
  return state === 'completed' ? 0 : 1;
}

/** `lora jobs …`: submit, list, show, watch, logs, cancel and retry pipeline runs. */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('submit and follow pipeline runs');

  jobs
    .command('submit')
    .description('submit a pipeline spec (YAML or JSON) as a run; the same spec is not run twice unless --force')
    .argument('<spec>', 'path of the pipeline spec')
    .option('--wait', 'wait for the run to finish; exit 0 when it completes, 1 when it fails')
    .option('--force', 'run again even when this spec has run before')
    .option('--json', 'print {"runId", "state"} as JSON')
    .action(
      withContext(async (context, specPath: string, options: { wait?: boolean; force?: boolean; json?: boolean }) => {
        const spec = await loadSpec(specPath);
        const runtime = await context.runtime();
        const submitted = await submitSpec(spec, specPath, runtime, options.force);
        let state = submitted.state;
        if (!options.json) {
          process.stdout.write(submitted.created ? `submitted run ${submitted.runId}\n` : `run ${submitted.runId} already exists (${state}); use --force to run it again\n`);
        }
        if (options.wait) {
          const final = await watchRun(runtime.client, submitted.runId, { output: options.json ? process.stderr : process.stdout });
          state = final.state;
          if (!options.json) printRun(final);
          process.exitCode = exitCodeOf(state);
        }
        if (options.json) printJson({ runId: submitted.runId, state, created: submitted.created });
      }),
    );

  jobs
    .command('list')
    .description('list runs, newest first')
    .addOption(new Option('--state <state>', 'only runs in this state').choices(runStates))
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { state?: RunState; limit: string; json?: boolean }) => {
        const limit = Number.parseInt(options.limit, 10);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(options.limit)}`);
        const runs = await (await context.runtime()).client.list({ state: options.state, limit });
        if (options.json) return printJson(runs.map(runJson));
        if (runs.length === 0) return void process.stdout.write('no runs\n');
        printTable(
          ['RUN', 'NAME', 'STATE', 'CREATED', 'STAGES'],
          runs.map((run) => [run.id, run.name, run.state, formatTime(run.createdAt), run.stages.map((stage) => `${stage.name}:${stage.state}`).join(' ')]),
        );
      }),
    );

  const requireRun = async (client: { status(id: string): Promise<RunStatus | undefined> }, id: string): Promise<RunStatus> => {
    const status = await client.status(id);
    if (status === undefined) throw new UsageError(`run "${id}" does not exist; see \`lora jobs list\``, { code: 'run-not-found' });
    return status;
  };

  jobs
    .command('show')
    .description('show a run and its stages')
    .argument('<id>', 'run id')
    .option('--json', 'print {"id", "state", "stages": [{"name", "state", "progress", "result", "error"}]}')
    .action(
      withContext(async (context, id: string, options: { json?: boolean }) => {
        const status = await requireRun((await context.runtime()).client, id);
        if (options.json) printJson(runJson(status));
        else printRun(status);
      }),
    );

  jobs
    .command('watch')
    .description('follow a run live: a progress bar per stage (plain lines when not a terminal)')
    .argument('<id>', 'run id')
    .action(
      withContext(async (context, id: string) => {
        const { client } = await context.runtime();
        await requireRun(client, id);
        const final = await watchRun(client, id);
        printRun(final);
        process.exitCode = exitCodeOf(final.state);
      }),
    );

  jobs
    .command('logs')
    .description("print each stage's log")
    .argument('<id>', 'run id')
    .action(
      withContext(async (context, id: string) => {
        for (const { stage, lines } of await (await context.runtime()).client.logs(id)) {
          for (const line of lines) process.stdout.write(`[${stage}] ${line}\n`);
        }
      }),
    );

  const controls = [
    { name: 'cancel', description: 'cancel a run: the running stage is aborted and later stages never start', done: 'cancelled' },
    { name: 'retry', description: 'retry a failed or cancelled run from the stage that stopped it', done: 'retrying' },
  ] as const;
  for (const control of controls) {
    jobs
      .command(control.name)
      .description(control.description)
      .argument('<id>', 'run id')
      .option('--json', 'print the run as JSON')
      .action(
        withContext(async (context, id: string, options: { json?: boolean }) => {
          const status = await (await context.runtime()).client[control.name](id);
          if (options.json) printJson(runJson(status));
          else process.stdout.write(`${control.done} run ${id}\n`);
        }),
      );
  }
}
