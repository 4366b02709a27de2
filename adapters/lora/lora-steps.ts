import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from '../model/adamw.js';
import { causalLmLoss } from '../model/causal-lm-loss.js';
import { clipByGlobalNorm } from '../model/gradient-clipping.js';
import type { LinearAdapter, LlamaDecoder } from '../model/llama-decoder.js';
import { stackRows, type PackedRow } from '../model/sequence-packing.js';

/** A model whose trainable variables are known: a LoRA adapter, or a decoder trained from scratch. */
export interface TrainableParts {
  variables(): tf.Variable[];
  /** Turns on per-step randomness such as dropout; undefined for evaluation. */
  setTrainingStep?(step: number | undefined): void;
  adapter?: LinearAdapter;
}

/** Settings of one optimisation step. */
export interface StepSettings {
  learningRate: number;
  maxGradientNorm: number;
}

/**
 * One optimisation step over a batch of packed rows: forward, masked next-token loss, gradients of
 * the trainable variables only, global-norm clipping, AdamW. Returns the loss and gradient norm.
 */
export function trainStep(
  decoder: LlamaDecoder,
  parts: TrainableParts,
  optimizer: AdamW,
  rows: readonly PackedRow[],
  step: number,
  settings: StepSettings,
): { loss: number; gradientNorm: number } {
  const { batch, targets, weights } = stackRows(rows);
  parts.setTrainingStep?.(step);
  const variables = parts.variables();
  const { value, grads } = tf.variableGrads(() => causalLmLoss(decoder.forward(batch, { adapter: parts.adapter }), targets, weights), variables);
  parts.setTrainingStep?.(undefined);
  const loss = value.dataSync()[0] as number;
  value.dispose();
  const clipped = clipByGlobalNorm(grads, settings.maxGradientNorm);
  if (Number.isFinite(loss) && Number.isFinite(clipped.norm)) optimizer.apply(variables, clipped.gradients, settings.learningRate);
  for (const gradient of Object.values(clipped.gradients)) gradient.dispose();
  return { loss, gradientNorm: clipped.norm };
}

/** Mean masked next-token loss over rows, weighted by the number of target tokens, without gradients. */
export function evaluateLoss(decoder: LlamaDecoder, adapter: LinearAdapter | undefined, rows: readonly PackedRow[], batchSize: number): number {
  let total = 0;
  let count = 0;
  for (let start = 0; start < rows.length; start += batchSize) {
    const { batch, targets, weights } = stackRows(rows.slice(start, start + batchSize));
    const targetCount = weights.reduce((sum, weight) => sum + weight, 0);
    if (targetCount === 0) continue;
    const loss = tf.tidy(() => causalLmLoss(decoder.forward(batch, { adapter }), targets, weights).dataSync()[0] as number);
    total += loss * targetCount;
    count += targetCount;
  }
  return count === 0 ? Number.NaN : total / count;
}
