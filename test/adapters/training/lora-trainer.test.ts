import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../core/index.js';
import { LoraAdapter } from '../../../adapters/lora/lora-adapter.js';
import type { LoraSettings } from '../../../adapters/lora/lora-contracts.js';
import { causalLmLoss } from '../../../adapters/model/causal-lm-loss.js';
import { packExamples, stackRows, type TokenizedExample } from '../../../adapters/model/sequence-packing.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { CheckpointStore } from '../../../adapters/training/checkpoint-store.js';
import { trainLora } from '../../../adapters/training/lora-trainer.js';
import { trainerSettings } from '../../../adapters/training/trainer-settings.js';
import { randomDecoder } from '../model/decoder-fixture.js';

const lora: LoraSettings = { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: 'all-linear', use_rslora: false, bias: 'none' };

/** A prompt (context only) followed by an answer (learnt), as the chat encoder marks them. */
function example(prompt: number[], answer: number[]): TokenizedExample {
  const tokens = [...prompt, ...answer];
  const lossMask = new Uint8Array(tokens.length);
  lossMask.fill(1, prompt.length);
  return { tokens, lossMask };
}

const dataset = [example([1, 2, 3], [10, 11, 12]), example([4, 5], [20, 21, 22, 23]), example([6, 7, 8, 9], [30, 31]), example([2, 4], [40, 41, 42])];
const validation = [example([1, 2, 3], [10, 11, 12]), example([6, 7, 8, 9], [30, 31])];

function settings(overrides: Record<string, unknown> = {}) {
  return trainerSettings.parse({ epochs: 100, batchSize: 2, learningRate: 1e-2, seed: 5, sequenceLength: 16, evaluateEvery: 5, checkpointEvery: 4, warmupRatio: 0, ...overrides });
}

let folder: string;
beforeAll(async () => {
  await selectBackend('cpu');
  folder = await mkdtemp(join(tmpdir(), 'lora-trainer-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('LoRA trainer', () => {
  it('memorises a tiny dataset: every answer token becomes the most likely next token', async () => {
    const decoder = randomDecoder();
    const adapter = new LoraAdapter(decoder.config, { ...lora, lora_dropout: 0 }, 1);
    const { metrics } = await trainLora({ decoder, adapter, train: dataset, validation, settings: settings({ maxSteps: 60, schedule: 'constant' }), padTokenId: 0 });
    const first = metrics.trainLoss[0]![1];
    const last = metrics.trainLoss[metrics.trainLoss.length - 1]![1];
    // The frozen random head caps each answer token's probability near 0.8, so the loss cannot reach zero.
    expect(last).toBeLessThan(first / 8);
    expect(metrics.stoppedBy).toBe('max-steps');
    for (const item of dataset) {
      const { batch, targets, weights } = stackRows(packExamples([item], 16, 0));
      const logits = decoder.forward(batch, { adapter });
      const predicted = Array.from(await tf.argMax(logits, 1).data());
      logits.dispose();
      weights.forEach((weight, position) => {
        if (weight === 1) expect(predicted[position], `example ${item.tokens.join(',')} position ${position}`).toBe(targets[position]);
      });
    }
    adapter.dispose();
  });

  it('puts loss on assistant tokens only: the masked loss equals the hand-computed mean over answer positions', async () => {
    const decoder = randomDecoder();
    const rows = packExamples([dataset[1]!], 16, 0);
    const { batch, targets, weights } = stackRows(rows);
    const logits = decoder.forward(batch);
    const logProbabilities = (await tf.logSoftmax(logits).array()) as number[][];
    // Tokens [4, 5 | 20, 21, 22, 23]: positions 1..4 predict the answer tokens 20..23, position 0 predicts a prompt token.
    expect(Array.from(weights.slice(0, 6))).toEqual([0, 1, 1, 1, 1, 0]);
    const expected = -[20, 21, 22, 23].reduce((sum, token, index) => sum + (logProbabilities[index + 1]![token] as number), 0) / 4;
    expect(causalLmLoss(logits, targets, weights).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('packs examples without letting one attend to another', async () => {
    const decoder = randomDecoder();
    const packed = stackRows(packExamples([dataset[0]!, dataset[1]!], 16, 0)).batch;
    const alone = stackRows(packExamples([dataset[1]!], 16, 0)).batch;
    expect(packed.batch).toBe(1);
    const packedLogits = (await decoder.forward(packed).array()) as number[][];
    const aloneLogits = (await decoder.forward(alone).array()) as number[][];
    // The second example starts at column 6 of the packed row and at column 0 alone.
    for (let index = 0; index < 6; index += 1) {
      packedLogits[6 + index]!.forEach((value, token) => expect(value).toBeCloseTo(aloneLogits[index]![token] as number, 5));
    }
  });

  it('resumes after a crash from the last checkpoint and follows the uninterrupted loss curve', async () => {
    const run = async (store: CheckpointStore | undefined, stopAfter?: number) => {
      const decoder = randomDecoder();
      const adapter = new LoraAdapter(decoder.config, lora, 9);
      const controller = new AbortController();
      try {
        return await trainLora({
          decoder,
          adapter,
          train: dataset,
          validation,
          settings: settings({ maxSteps: 12, batchSize: 1, gradientAccumulation: 2 }),
          padTokenId: 0,
          checkpoints: store,
          signal: controller.signal,
          onStep: ({ step }) => {
            if (step === stopAfter) controller.abort(new Error('worker killed'));
          },
        });
      } finally {
        adapter.dispose();
      }
    };
    const uninterrupted = await run(undefined);
    const checkpoints = new CheckpointStore(new FileStore(join(folder, 'store')), 'runs/r1/checkpoints/');
    await expect(run(checkpoints, 6)).rejects.toThrow('worker killed');
    const resumed = await run(checkpoints);
    expect(resumed.metrics.resumedFromStep).toBe(4);
    expect(resumed.metrics.steps).toBe(12);
    const expected = new Map(uninterrupted.metrics.trainLoss);
    for (const [step, loss] of resumed.metrics.trainLoss) expect(loss, `step ${step}`).toBeCloseTo(expected.get(step) as number, 5);
    for (const [name, tensor] of resumed.tensors) {
      const other = uninterrupted.tensors.get(name)!;
      tensor.data.forEach((value, index) => expect(value).toBeCloseTo(other.data[index] as number, 5));
    }
  });

  it('stops with a clear error when the loss stops being finite', async () => {
    const decoder = randomDecoder();
    const adapter = new LoraAdapter(decoder.config, { ...lora, lora_dropout: 0 }, 1);
    const poisoned = [{ tokens: [1, 2, 3], lossMask: Uint8Array.from([0, 1, 1]) }];
    const run = trainLora({ decoder, adapter, train: poisoned, validation: [], settings: { ...settings({ maxSteps: 40 }), learningRate: 1e30, maxGradientNorm: 1e30 }, padTokenId: 0 });
    await expect(run).rejects.toMatchObject({ code: 'training-diverged' });
    adapter.dispose();
  });

  it('honours a wall-time budget', async () => {
    const decoder = randomDecoder();
    const adapter = new LoraAdapter(decoder.config, lora, 1);
    const { metrics } = await trainLora({ decoder, adapter, train: dataset, validation, settings: settings({ maxWallSeconds: 0.3 }), padTokenId: 0 });
    expect(metrics.stoppedBy).toBe('wall-time');
    expect(metrics.steps).toBeGreaterThan(0);
    adapter.dispose();
  });
});
