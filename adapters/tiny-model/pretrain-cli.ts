// `npm run pretrain:tiny`: pretrains the built-in tiny model, compares LoRA fine-tunes from it and
// from random weights, and writes the model folder with its model card.
import { Command, InvalidArgumentError } from 'commander';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../core/index.js';
import { compareLoraStarts } from './lora-comparison.js';
import { writeTinyModelCard } from './model-card.js';
import { pretrainTinyModel, type PretrainReport } from './pretrain.js';
import { tinyModelFolder } from './tiny-model-config.js';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`must be a positive integer, got "${value}"`);
  return parsed;
}

const program = new Command('pretrain-tiny')
  .description('Pretrain the built-in tiny Llama model on the generated corpus and write its model folder')
  .option('--out <dir>', 'model folder to write', tinyModelFolder)
  .option('--steps <n>', 'optimisation steps', positiveInteger, 1_200)
  .option('--documents <n>', 'generated corpus documents', positiveInteger, 40_000)
  .option('--seed <n>', 'seed of corpus, weights and order', positiveInteger, 1)
  .option('--compare-steps <n>', 'LoRA steps in the pretrained-vs-random comparison', positiveInteger, 60)
  .option('--backend <name>', 'auto | wasm | cpu | tensorflow', 'auto')
  .action(async (options: { out: string; steps: number; documents: number; seed: number; compareSteps: number; backend: 'auto' }) => {
    const log = createLogger({ level: 'info' });
    const report: PretrainReport = await pretrainTinyModel({
      outDir: options.out,
      steps: options.steps,
      documents: options.documents,
      seed: options.seed,
      backend: options.backend,
      log,
      onStep: ({ step, steps, loss, tokensPerSecond }) => {
        if (step % 25 === 0 || step === steps) process.stderr.write(`step ${step}/${steps}  loss ${loss.toFixed(3)}  ${tokensPerSecond.toFixed(0)} tokens/s\n`);
      },
    });
    await writeFile(join(options.out, 'pretrain-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    const comparison = await compareLoraStarts({ modelFolder: options.out, steps: options.compareSteps, seed: options.seed, log });
    await writeFile(join(options.out, 'lora-comparison.json'), `${JSON.stringify(comparison, null, 2)}\n`);
    await writeTinyModelCard(options.out, report, comparison);
    process.stdout.write(`${JSON.stringify({ pretrain: report, comparison }, null, 2)}\n`);
  });

await program.parseAsync(process.argv);
