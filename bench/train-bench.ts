// LoRA training speed on each available backend: tokens/s, step time, achieved GFLOP/s next to the
// backend's own 2-D matmul rate, and peak RSS, for the built-in tiny model and a 125M-parameter
// Llama-shaped config with random weights; then numpy's float32 matmul rate as the machine's ceiling.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import pino from 'pino';
import {
  LlamaDecoder,
  LoraAdapter,
  disposeDecoderParameters,
  linearModuleNames,
  linearModuleShape,
  randomHostWeights,
  parameterCount,
  targetModules,
  toDecoderParameters,
  type BackendPreference,
  type DecoderConfig,
  type LoraSettings,
} from '../adapters/index.js';
import { AdamW } from '../adapters/model/adamw.js';
import { trainStep } from '../adapters/lora/lora-steps.js';
import { packExamples, type PackedRow } from '../adapters/model/sequence-packing.js';
import { loadTinyModel, selectedBackends } from './bench-backends.js';
import { printTable } from './print-table.js';
import { mean } from './stats.js';
import { llama125m, matmulRate } from './model-bench.js';

const benchLora: LoraSettings = {
  r: 16,
  lora_alpha: 32,
  lora_dropout: 0.05,
  target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  use_rslora: false,
  bias: 'none',
};

/** Rows per step, tokens per row, and measured steps after the uncounted warm-up step. */
interface RunShape {
  batch: number;
  length: number;
  steps: number;
}

// The pure-JS cpu backend runs about 1 GFLOP/s, so it gets much smaller batches to stay within minutes.
// wasm's heap stops at 4 GiB and a 125M step peaks near 0.9 GiB + 0.9 GiB per 128-token row (logits
// and their softmax, one-hot and gradient copies are 32000 floats a token), so 4 × 128 aborts there.
function runShapes(backend: BackendPreference): { tiny: RunShape; large: RunShape } {
  if (backend === 'cpu') return { tiny: { batch: 2, length: 64, steps: 3 }, large: { batch: 1, length: 32, steps: 2 } };
  if (backend === 'wasm') return { tiny: { batch: 8, length: 128, steps: 10 }, large: { batch: 2, length: 128, steps: 3 } };
  return { tiny: { batch: 8, length: 128, steps: 10 }, large: { batch: 4, length: 128, steps: 3 } };
}

/**
 * FLOPs of one LoRA training step over `batch` rows of `length` tokens. Per token, with P the base
 * model's linear weights across all layers, T the row length, L layers, H hidden, V vocabulary:
 *   frozen base linears  2·P forward + 2·P backward (input gradient only; frozen weights get none)
 *   LoRA, each targeted  2·r·(in+out) forward + 4·r·(in+out) backward (input gradient and both A, B gradients)
 *   attention            4·L·heads·headDim·T forward (QK^T and weights·V over the full T×T square, as computed)
 *                        + 8·L·heads·headDim·T backward (two matmuls per forward matmul)
 *   lm_head              2·H·V forward + 2·H·V backward (input gradient only; the tied embedding is frozen)
 * Norms, rotary, softmax, SwiGLU, dropout, the loss and the AdamW update are elementwise and left out.
 */
function trainingFlops(config: DecoderConfig, settings: LoraSettings, batch: number, length: number): number {
  let baseLinear = 0;
  for (const module of linearModuleNames) {
    const { inFeatures, outFeatures } = linearModuleShape(config, module);
    baseLinear += inFeatures * outFeatures * config.numLayers;
  }
  let lora = 0;
  for (const module of targetModules(settings)) {
    const { inFeatures, outFeatures } = linearModuleShape(config, module);
    lora += settings.r * (inFeatures + outFeatures) * config.numLayers;
  }
  const attention = config.numLayers * config.numHeads * config.headDim * length;
  const lmHead = config.hiddenSize * config.vocabSize;
  const perToken = 4 * baseLinear + 6 * lora + 12 * attention + 4 * lmHead;
  return perToken * batch * length;
}

/** Full rows of deterministic pseudo-random tokens, every position but the last a target. */
function syntheticRows(config: DecoderConfig, batch: number, length: number): PackedRow[] {
  const examples = Array.from({ length: batch }, (_, row) => ({
    tokens: Array.from({ length }, (_, index) => ((row * length + index) * 7919 + 3) % config.vocabSize),
    lossMask: new Uint8Array(length).fill(1),
  }));
  return packExamples(examples, length, 0, false);
}

async function measureTraining(model: string, backend: string, decoder: LlamaDecoder, shape: RunShape, matmul: number): Promise<string[]> {
  const adapter = new LoraAdapter(decoder.config, benchLora, 1);
  const optimizer = new AdamW();
  const parts = { variables: () => adapter.variables(), setTrainingStep: (step: number | undefined) => adapter.setTrainingStep(step), adapter };
  const settings = { learningRate: 1e-4, maxGradientNorm: 1 };
  const rows = syntheticRows(decoder.config, shape.batch, shape.length);
  const lastVariable = adapter.variables().at(-1);
  // Waiting on the last updated variable makes a step's time include its optimizer update on async backends.
  const step = async (index: number): Promise<void> => {
    trainStep(decoder, parts, optimizer, rows, index, settings);
    await lastVariable?.data();
  };
  let peakRss = process.memoryUsage().rss;
  // Warm-up, not counted: kernels initialise and frozen weights make their transposed copies for the backward pass.
  await step(0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const milliseconds: number[] = [];
  for (let index = 1; index <= shape.steps; index += 1) {
    const started = performance.now();
    await step(index);
    milliseconds.push(performance.now() - started);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  optimizer.dispose();
  adapter.dispose();
  const stepSeconds = mean(milliseconds) / 1000;
  const tokens = shape.batch * shape.length;
  return [
    model,
    backend,
    `${shape.batch}×${shape.length}`,
    `${shape.steps}`,
    (tokens / stepSeconds).toFixed(1),
    (stepSeconds * 1000).toFixed(0),
    (trainingFlops(decoder.config, benchLora, shape.batch, shape.length) / stepSeconds / 1e9).toFixed(2),
    matmul.toFixed(1),
    (peakRss / 2 ** 20).toFixed(0),
  ];
}

const numpyMatmul = `
import time, numpy as np
a = np.random.rand(1024, 1024).astype(np.float32)
b = np.random.rand(1024, 1024).astype(np.float32)
a @ b
best = float('inf')
for _ in range(5):
    started = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - started)
print(2 * 1024 ** 3 / best / 1e9)
`;

/** numpy's float32 1024² matmul GFLOP/s with its BLAS's default threads and with one thread, or why not. */
function numpyCeiling(): string {
  if (spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status !== 0) return 'numpy not installed: no float32 matmul ceiling measured';
  const rate = (threads: Record<string, string>): string => {
    const result = spawnSync('python3', ['-c', numpyMatmul], { encoding: 'utf8', env: { ...process.env, ...threads } });
    return result.status === 0 ? Number(result.stdout.trim()).toFixed(1) : `failed (${result.stderr.trim().split('\n').at(-1) ?? 'no output'})`;
  };
  const oneThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  return `numpy float32 matmul 1024×1024 @ 1024×1024: ${rate({})} GFLOP/s with default BLAS threads, ${rate(oneThread)} GFLOP/s on one thread`;
}

/** `npm run bench -- train [--backends wasm,cpu] [--skip-large]`. */
export async function benchTrain(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { backends: { type: 'string' }, 'skip-large': { type: 'boolean' } } });
  const log = pino({ level: 'warn' });
  const rows: string[][] = [];
  for await (const backend of selectedBackends(values.backends, log)) {
    const shapes = runShapes(backend);
    // The rate of the training hot path: a batch's hidden-state rows against a square projection.
    const matmul = await matmulRate(512, 768, 768);
    const model = await loadTinyModel(backend, log);
    rows.push(await measureTraining(`tiny (${(model.identity.parameters / 1e6).toFixed(1)}M)`, backend, model.decoder, shapes.tiny, matmul));
    model.dispose();
    if (!values['skip-large']) {
      const decoder = new LlamaDecoder(llama125m, toDecoderParameters(llama125m, randomHostWeights(llama125m, 1)));
      rows.push(await measureTraining(`llama-125M (${(parameterCount(llama125m) / 1e6).toFixed(0)}M)`, backend, decoder, shapes.large, matmul));
      disposeDecoderParameters(decoder.parameters);
      decoder.dispose();
    }
  }
  process.stdout.write(`LoRA r=${benchLora.r} alpha=${benchLora.lora_alpha} dropout=${benchLora.lora_dropout} on ${targetModules(benchLora).join(',')}; one warm-up step not counted\n`);
  printTable(['model', 'backend', 'batch×seq', 'steps', 'tokens/s', 'step ms', 'GFLOP/s', 'matmul GFLOP/s', 'peak RSS MiB'], rows);
  process.stdout.write(`${numpyCeiling()}\n`);
}
