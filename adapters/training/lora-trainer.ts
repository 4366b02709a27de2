import * as tf from '@tensorflow/tfjs-core';
import { LoraError, SeededRandom, type Logger } from '../../core/index.js';
import type { LoraAdapter } from '../lora/lora-adapter.js';
import { evaluateLoss } from '../lora/lora-steps.js';
import { AdamW, learningRateAt } from '../model/adamw.js';
import { causalLmLoss } from '../model/causal-lm-loss.js';
import type { HostTensor } from '../model/decoder-parameters.js';
import { clipByGlobalNorm } from '../model/gradient-clipping.js';
import type { LlamaDecoder } from '../model/llama-decoder.js';
import { packExamples, stackRows, type PackedRow, type TokenizedExample } from '../model/sequence-packing.js';
import type { CheckpointState, CheckpointStore } from './checkpoint-store.js';
import type { TrainerSettings, TrainerStepEvent, TrainingMetrics } from './trainer-settings.js';

/** What a training run needs: a frozen decoder, the adapter that trains, tokenised examples and settings. */
export interface LoraTrainerInput {
  decoder: LlamaDecoder;
  adapter: LoraAdapter;
  train: readonly TokenizedExample[];
  validation: readonly TokenizedExample[];
  settings: TrainerSettings;
  padTokenId: number;
  checkpoints?: CheckpointStore;
  signal?: AbortSignal;
  log?: Logger;
  onStep?: (event: TrainerStepEvent) => void | Promise<void>;
}

/** A finished run: its metrics and the adapter weights to keep (the best by validation loss). */
export interface LoraTrainerOutput {
  metrics: TrainingMetrics;
  tensors: Map<string, HostTensor>;
}

function shuffledExamples(examples: readonly TokenizedExample[], seed: number, epoch: number): TokenizedExample[] {
  return new SeededRandom(seed * 1_000_003 + epoch).shuffle(examples);
}

function targetCount(rows: readonly PackedRow[]): number {
  let count = 0;
  for (const row of rows) for (const weight of row.weights) count += weight;
  return count;
}

/**
 * Trains a LoRA adapter: masked next-token loss on assistant tokens, AdamW, warmup then decay,
 * gradient accumulation, global-norm clipping, validation and early stopping, checkpoints that
 * resume on the same loss curve (data order and dropout derive from the seed, epoch and step).
 */
export async function trainLora(input: LoraTrainerInput): Promise<LoraTrainerOutput> {
  const { decoder, adapter, settings } = input;
  const epochRows = new Map<number, PackedRow[]>();
  const rowsOf = (epoch: number): PackedRow[] => {
    let rows = epochRows.get(epoch);
    if (rows === undefined) {
      epochRows.clear();
      rows = packExamples(shuffledExamples(input.train, settings.seed, epoch), settings.sequenceLength, input.padTokenId, settings.packing);
      epochRows.set(epoch, rows);
    }
    return rows;
  };
  const validationRows = packExamples(input.validation, settings.sequenceLength, input.padTokenId, settings.packing);
  const rowsPerStep = settings.batchSize * settings.gradientAccumulation;
  const stepsPerEpoch = Math.max(1, Math.ceil(rowsOf(0).length / rowsPerStep));
  const plannedSteps = Math.min(settings.maxSteps ?? Infinity, stepsPerEpoch * settings.epochs);
  const optimizer = new AdamW({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: settings.weightDecay });
  const variables = adapter.variables();
  const stableName = (variable: tf.Variable) => adapter.stableName(variable);

  let state: CheckpointState = {
    schemaVersion: 1,
    step: 0,
    epoch: 0,
    rowCursor: 0,
    totalSteps: plannedSteps,
    elapsedSeconds: 0,
    tokensSeen: 0,
    trainLoss: [],
    validationLoss: [],
    best: null,
    evaluationsWithoutImprovement: 0,
    optimizerStep: 0,
    rng: { seed: settings.seed, epoch: 0 },
  };
  let best: Map<string, HostTensor> | undefined;
  let resumedFromStep: number | null = null;
  const saved = await input.checkpoints?.load();
  if (saved !== undefined) {
    state = saved.state;
    adapter.loadTensors(saved.adapter);
    optimizer.restoreState(saved.optimizer, variables, stableName);
    best = saved.best;
    resumedFromStep = state.step;
    input.log?.info({ step: state.step, epoch: state.epoch }, `resuming from the checkpoint at step ${state.step}`);
  }

  const totalSteps = state.totalSteps;
  const warmupSteps = Math.round(settings.warmupRatio * totalSteps);
  const started = performance.now() - state.elapsedSeconds * 1000;
  const tokensAtStart = state.tokensSeen;
  let stoppedBy: TrainingMetrics['stoppedBy'] = state.step >= totalSteps ? (settings.maxSteps !== undefined && totalSteps === settings.maxSteps ? 'max-steps' : 'completed') : 'completed';
  const evaluate = (): number => (validationRows.length === 0 ? Number.NaN : evaluateLoss(decoder, adapter, validationRows, settings.batchSize));

  try {
    while (state.step < totalSteps) {
      if (input.signal?.aborted) throw input.signal.reason ?? new Error('training aborted');
      if (settings.maxWallSeconds !== undefined && (performance.now() - started) / 1000 >= settings.maxWallSeconds) {
        stoppedBy = 'wall-time';
        break;
      }
      if (state.rowCursor >= rowsOf(state.epoch).length) {
        state.epoch += 1;
        state.rowCursor = 0;
        state.rng = { seed: settings.seed, epoch: state.epoch };
        if (state.epoch >= settings.epochs) break;
      }
      const stepStarted = performance.now();
      const rows = rowsOf(state.epoch).slice(state.rowCursor, state.rowCursor + rowsPerStep);
      state.rowCursor += rows.length;
      const learningRate = learningRateAt(state.step, { peak: settings.learningRate, warmupSteps, totalSteps, decay: settings.schedule });
      const { loss, tokens } = accumulateAndApply(decoder, adapter, optimizer, variables, rows, state.step, settings, learningRate);
      state.step += 1;
      state.tokensSeen += tokens;
      state.optimizerStep = optimizer.steps;
      state.trainLoss.push([state.step, loss]);
      let validationLoss: number | undefined;
      if (state.step % settings.evaluateEvery === 0 || state.step === totalSteps) {
        validationLoss = evaluate();
        if (Number.isFinite(validationLoss)) {
          state.validationLoss.push([state.step, validationLoss]);
          if (state.best === null || validationLoss < state.best.loss) {
            state.best = { step: state.step, loss: validationLoss };
            best = await adapter.exportTensors();
            state.evaluationsWithoutImprovement = 0;
          } else {
            state.evaluationsWithoutImprovement += 1;
          }
        }
      }
      const elapsed = (performance.now() - started) / 1000;
      state.elapsedSeconds = elapsed;
      const stepSeconds = (performance.now() - stepStarted) / 1000;
      await input.onStep?.({
        step: state.step,
        totalSteps,
        epoch: state.epoch,
        loss,
        validationLoss,
        learningRate,
        tokensPerSecond: tokens / Math.max(stepSeconds, 1e-9),
        etaSeconds: ((elapsed - (resumedFromStep === null ? 0 : 0)) / Math.max(1, state.step - (resumedFromStep ?? 0))) * (totalSteps - state.step),
      });
      if (input.checkpoints !== undefined && state.step % settings.checkpointEvery === 0 && state.step < totalSteps) {
        await input.checkpoints.save(state, await adapter.exportTensors(), await optimizer.saveState(variables, stableName), best);
      }
      if (settings.earlyStoppingPatience !== undefined && state.evaluationsWithoutImprovement >= settings.earlyStoppingPatience) {
        stoppedBy = 'early-stopping';
        break;
      }
      if (state.step >= totalSteps && settings.maxSteps !== undefined && totalSteps === settings.maxSteps && totalSteps < stepsPerEpoch * settings.epochs) stoppedBy = 'max-steps';
    }
  } finally {
    optimizer.dispose();
  }

  const elapsed = (performance.now() - started) / 1000;
  const metrics: TrainingMetrics = {
    trainLoss: state.trainLoss,
    validationLoss: state.validationLoss,
    bestStep: state.best?.step ?? null,
    bestValidationLoss: state.best?.loss ?? null,
    steps: state.step,
    totalSteps,
    epochsCompleted: Math.min(settings.epochs, state.epoch + (state.rowCursor >= rowsOf(state.epoch).length ? 1 : 0)),
    stoppedBy,
    trainTokens: state.tokensSeen,
    tokensPerSecond: (state.tokensSeen - tokensAtStart) / Math.max(elapsed - (saved?.state.elapsedSeconds ?? 0), 1e-9),
    resumedFromStep,
  };
  return { metrics, tensors: best ?? (await adapter.exportTensors()) };
}

/** One optimiser step over micro-batches, each weighted by its share of the step's target tokens. */
function accumulateAndApply(
  decoder: LlamaDecoder,
  adapter: LoraAdapter,
  optimizer: AdamW,
  variables: tf.Variable[],
  rows: readonly PackedRow[],
  step: number,
  settings: TrainerSettings,
  learningRate: number,
): { loss: number; tokens: number } {
  const total = Math.max(1, targetCount(rows));
  let summed: tf.NamedTensorMap | undefined;
  let loss = 0;
  adapter.setTrainingStep(step);
  try {
    for (let start = 0; start < rows.length; start += settings.batchSize) {
      const micro = rows.slice(start, start + settings.batchSize);
      const share = targetCount(micro) / total;
      if (share === 0) continue;
      const { batch, targets, weights } = stackRows(micro);
      const { value, grads } = tf.variableGrads(() => tf.mul(causalLmLoss(decoder.forward(batch, { adapter }), targets, weights), share) as tf.Scalar, variables);
      loss += value.dataSync()[0] as number;
      value.dispose();
      if (summed === undefined) summed = grads;
      else {
        for (const name of Object.keys(grads)) {
          const previous = summed[name] as tf.Tensor;
          summed[name] = tf.add(previous, grads[name] as tf.Tensor);
          previous.dispose();
          (grads[name] as tf.Tensor).dispose();
        }
      }
    }
  } finally {
    adapter.setTrainingStep(undefined);
  }
  if (summed === undefined) return { loss: Number.NaN, tokens: 0 };
  const clipped = clipByGlobalNorm(summed, settings.maxGradientNorm);
  if (!Number.isFinite(loss) || !Number.isFinite(clipped.norm)) {
    for (const gradient of Object.values(clipped.gradients)) gradient.dispose();
    throw new LoraError(`training diverged at step ${step + 1}: the loss is ${loss} and the gradient norm ${clipped.norm}; lower the learning rate or check the data`, {
      code: 'training-diverged',
      retryable: false,
    });
  }
  optimizer.apply(variables, clipped.gradients, learningRate);
  for (const gradient of Object.values(clipped.gradients)) gradient.dispose();
  let tokens = 0;
  for (const row of rows) for (const segment of row.segments) if (segment !== 0) tokens += 1;
  return { loss, tokens };
}
