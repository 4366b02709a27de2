import type { Command } from 'commander';
import type { RunStatus } from '../../jobs/index.js';
import { loadSpec } from '../load-spec.js';
import { submitSpec } from '../submit-run.js';
import { withContext } from './cli-context.js';
import { printRun, runJson } from './jobs-command.js';
import { printJson } from './output.js';
import { tryRouter } from './try-router.js';
import { watchRun } from './watch-run.js';

function trainSummary(result: Record<string, unknown>): string {
  const metrics = result.metrics as { steps: number; bestValidationLoss: number | null; seconds: number; tokensPerSecond: number } | undefined;
  const adapter = result.adapter as { prefix: string } | undefined;
  const baseModel = result.baseModel as { name: string } | undefined;
  if (metrics === undefined || adapter === undefined) return 'done';
  const validation = metrics.bestValidationLoss === null ? 'no validation split' : `best validation loss ${metrics.bestValidationLoss.toFixed(3)}`;
  return `LoRA adapter on ${baseModel?.name ?? '?'} (${String(result.backend)}): ${metrics.steps} steps in ${metrics.seconds.toFixed(0)} s, ${validation}; PEFT folder ${adapter.prefix}`;
}

function evalSummary(result: Record<string, unknown>, storeUrl: string): string {
  const summary = result.summary as { n: number; candidate: Record<string, number>; baseline: Record<string, number>; candidateUsdPer1kRequests: number | null; baselineUsdPer1kRequests: number | null; costRatio: number | null } | null;
  if (summary === null || summary === undefined) return String(result.reason ?? 'done');
  const money = (value: number | null) => (value === null ? 'unknown' : `$${value.toPrecision(3)}`);
  const quality = Object.keys(summary.candidate)
    .map((metric) => `${metric} ${summary.candidate[metric]!.toFixed(3)} vs ${summary.baseline[metric]!.toFixed(3)}`)
    .join(', ');
  const ratio = summary.costRatio === null ? 'unknown' : summary.costRatio.toFixed(3);
  return `${String(result.reason)} — adapter vs ${String(result.baseline)} on ${summary.n} test items: ${quality}; cost per 1,000 requests ${money(summary.candidateUsdPer1kRequests)} vs ${money(summary.baselineUsdPer1kRequests)} (ratio ${ratio}); report ${storeUrl.replace(/\/$/, '')}/${String(result.htmlKey)}`;
}

/** A short account of what a run produced, stage by stage, from the stages' results. */
export function runSummary(status: RunStatus, storeUrl: string): string {
  const lines = [`run ${status.id}: ${status.state}`];
  for (const stage of status.stages) {
    const result = stage.result as Record<string, unknown> | null;
    if (stage.state !== 'completed' || result === null) {
      lines.push(`  ${stage.name}: ${stage.state}${stage.error === null ? '' : ` — ${stage.error.split('\n')[0]}`}`);
      continue;
    }
    const said =
      stage.name === 'curate'
        ? `dataset ${String(result.datasetVersion)}: ${String(result.records)} records kept, ${String(result.rejected)} rejected`
        : stage.name === 'train'
          ? trainSummary(result)
          : stage.name === 'eval'
            ? evalSummary(result, storeUrl)
          : typeof result.reason === 'string'
            ? result.reason
            : 'done';
    lines.push(`  ${stage.name}: ${said}`);
  }
  lines.push(`artifacts: ${storeUrl}/runs/${status.id}/`);
  return lines.join('\n');
}

/** `lora run SPEC`: runs a pipeline here and now, with workers in this process, and prints a summary. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a pipeline spec end to end with workers in this process (the embedded setup), then print a summary')
    .argument('<spec>', 'path of the pipeline spec')
    .option('--force', 'run again even when this spec has run before')
    .option('--json', 'print the finished run as JSON')
    .option('--try-router', 'afterwards, answer one test item through `lora serve` (in this process) with the production adapter')
    .option('--baseline <provider:model>', "compare against this baseline instead of the spec's, e.g. openai:gpt-5.2 (with OPENAI_API_KEY)")
    .action(
      withContext(async (context, specPath: string, options: { force?: boolean; json?: boolean; tryRouter?: boolean; baseline?: string }) => {
        const loaded = await loadSpec(specPath);
        const spec = options.baseline === undefined ? loaded : { ...loaded, eval: { ...loaded.eval, baseline: options.baseline } };
        const runtime = await context.runtime({ persistent: true });
        const workers = await runtime.startWorkers();
        await workers.ready();
        const submitted = await submitSpec(spec, specPath, runtime, options.force);
        if (!options.json) process.stdout.write(`${submitted.created ? 'running' : 'already ran'} ${submitted.runId} with workers in this process\n`);
        const final = await watchRun(runtime.client, submitted.runId, { output: options.json ? process.stderr : process.stdout });
        if (options.json) printJson(runJson(final));
        else {
          printRun(final);
          process.stdout.write(`${runSummary(final, runtime.store.url)}\n`);
          if (options.tryRouter && final.state === 'completed') process.stdout.write(`  ${await tryRouter(final, runtime, await context.config(), await context.log())}\n`);
        }
        process.exitCode = final.state === 'completed' ? 0 : 1;
      }),
    );
}
