import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { adapterName, linearModuleNames, loraHyperparameters, trainingSettings, type TrainResult } from '../../adapters/index.js';
import { curatedSourcePrefix, resolveDataset } from '../../datasets/index.js';
import { withContext } from './cli-context.js';
import { exitCodeOf, printRun } from './jobs-command.js';
import { printJson } from './output.js';
import { watchRun } from './watch-run.js';

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`must be a positive number, got "${value}"`);
  return parsed;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`must be a non-negative integer, got "${value}"`);
  return parsed;
}

function targets(value: string): string[] | 'all-linear' {
  if (value === 'all-linear') return value;
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(linearModuleNames as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`must be all-linear or a comma-separated list of ${linearModuleNames.join('|')}, got "${unknown.join(',')}"`);
  return names;
}

interface TrainOptions {
  dataset: string;
  base: string;
  name: string;
  r?: number;
  alpha?: number;
  dropout?: number;
  targets?: string[] | 'all-linear';
  epochs?: number;
  maxSteps?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  checkpointEvery?: number;
  evaluateEvery?: number;
  force?: boolean;
  here?: boolean;
  wait?: boolean;
  json?: boolean;
}

/** `lora train`: trains an adapter on a curated dataset version, as a run of its own, and registers it as a candidate. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a LoRA adapter on a curated dataset version; the result becomes NAME@vN, a candidate in the registry')
    .requiredOption('--dataset <dataset>', 'curated dataset: NAME (its newest version) or NAME@ID')
    .requiredOption('--base <model>', 'base model: builtin:tiny, a pulled ORG/NAME, or a local model folder')
    .requiredOption('--name <adapter>', 'adapter name in the registry')
    .option('--r <n>', 'LoRA rank', positive)
    .option('--alpha <n>', 'LoRA alpha', positive)
    .option('--dropout <p>', 'LoRA dropout', Number)
    .option('--targets <modules>', 'q_proj,v_proj,... or all-linear', targets)
    .option('--epochs <n>', 'epochs (default: auto from the dataset size)', integer)
    .option('--max-steps <n>', 'stop after this many optimiser steps', integer)
    .option('--learning-rate <rate>', 'peak learning rate', positive)
    .option('--batch-size <n>', 'rows per step', integer)
    .option('--seed <n>', 'seed of initialisation, data order and dropout', integer)
    .option('--checkpoint-every <n>', 'steps between resumable checkpoints', integer)
    .option('--evaluate-every <n>', 'steps between validation losses', integer)
    .option('--force', 'train again even when the same request has run before')
    .option('--wait', 'wait for training to finish; exit 0 when it completes, 1 when it fails')
    .option('--here', 'train with a worker in this process (implies --wait), as `lora run` does')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: TrainOptions) => {
        const name = adapterName.safeParse(options.name);
        if (!name.success) throw new UsageError(`--name must be lowercase letters, digits and "-", got ${JSON.stringify(options.name)}`);
        const lora = loraHyperparameters.safeParse({ r: options.r, alpha: options.alpha, dropout: options.dropout, targetModules: options.targets });
        const training = trainingSettings.safeParse({ epochs: options.epochs, maxSteps: options.maxSteps, learningRate: options.learningRate, batchSize: options.batchSize, seed: options.seed, checkpointEvery: options.checkpointEvery, evaluateEvery: options.evaluateEvery });
        if (!lora.success || !training.success) throw new UsageError(`invalid training settings: ${(lora.error ?? training.error)?.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
        const runtime = await context.runtime({ persistent: options.here === true });
        if (options.here) {
          options.wait = true;
          await (await runtime.startWorkers({ queues: ['curate', 'train'] })).ready();
        }
        const manifest = await resolveDataset(runtime.store, options.dataset);
        const request = { kind: 'train', dataset: `${manifest.name}@${manifest.id}`, baseModel: options.base, adapterName: name.data, lora: lora.data, training: training.data };
        const submitted = await runtime.client.submit({
          name: name.data,
          spec: request,
          plan: [
            { stage: 'curate', params: { source: `${curatedSourcePrefix}${request.dataset}`, name: manifest.name } },
            { stage: 'train', params: { baseModel: options.base, adapterName: name.data, lora: lora.data, training: training.data } },
          ],
          force: options.force,
          scope: runtime.store.url,
        });
        if (!options.wait) {
          if (options.json) return printJson({ runId: submitted.runId, state: submitted.state, created: submitted.created });
          process.stdout.write(submitted.created ? `submitted training run ${submitted.runId}\n` : `run ${submitted.runId} already exists (${submitted.state}); use --force to train again\n`);
          return;
        }
        const final = await watchRun(runtime.client, submitted.runId, { output: options.json ? process.stderr : process.stdout });
        process.exitCode = exitCodeOf(final.state);
        const result = final.stages.find((stage) => stage.name === 'train')?.result as TrainResult | null | undefined;
        if (options.json) {
          return printJson({
            runId: final.id,
            state: final.state,
            adapter: result?.registered?.reference ?? null,
            backend: result?.backend ?? null,
            metrics: result === null || result === undefined ? null : { trainLoss: result.metrics.trainLoss, validationLoss: result.metrics.validationLoss, bestValidationLoss: result.metrics.bestValidationLoss, steps: result.metrics.steps },
            artifact: result?.adapter.prefix ?? null,
          });
        }
        printRun(final);
        if (result?.registered) process.stdout.write(`registered ${result.registered.reference} (candidate)\n`);
      }),
    );
}
