import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../core/index.js';
import { LoraAdapter } from '../../../adapters/lora/lora-adapter.js';
import type { LoraSettings } from '../../../adapters/lora/lora-contracts.js';
import { trainStep } from '../../../adapters/lora/lora-steps.js';
import { mergeAdapter, writeMergedFolder } from '../../../adapters/lora/merge-adapter.js';
import { expectedAdapterTensors } from '../../../adapters/lora/peft-folder.js';
import { AdamW } from '../../../adapters/model/adamw.js';
import { causalLmLoss } from '../../../adapters/model/causal-lm-loss.js';
import { fromDecoderParameters, randomHostWeights, toDecoderParameters, type HostTensor } from '../../../adapters/model/decoder-parameters.js';
import { LlamaDecoder } from '../../../adapters/model/llama-decoder.js';
import { loadModelFolder } from '../../../adapters/model/model-folder.js';
import { writeSafetensors } from '../../../adapters/model/safetensors/safetensors-writer.js';
import { packExamples, stackRows } from '../../../adapters/model/sequence-packing.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { singleRow, smallConfig, smallRawConfig } from '../model/decoder-fixture.js';

// The same model as smallConfig(), as config.json spells it, for the merged-folder round trip.
const rawConfig = smallRawConfig();
const config = smallConfig();
const tokens = [3, 14, 15, 9, 26, 5, 35, 8];
let weights: Map<string, HostTensor>;
let decoder: LlamaDecoder;
let scratch: string;

beforeAll(async () => {
  await selectBackend('cpu');
  weights = randomHostWeights(config, 7, 0.2);
  decoder = new LlamaDecoder(config, toDecoderParameters(config, weights));
  scratch = await mkdtemp(join(tmpdir(), 'lora-adapter-test-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function settingsWith(overrides: Partial<LoraSettings> = {}): LoraSettings {
  return { r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['q_proj', 'v_proj'], use_rslora: false, bias: 'none', ...overrides };
}

/** Adapter tensors with A uniform in ±0.3 and B uniform in ±`bRange`, so that B is not zero. */
function randomLoraTensors(settings: LoraSettings, seed: number, bRange: number): Map<string, HostTensor> {
  const random = new SeededRandom(seed);
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of expectedAdapterTensors(config, settings)) {
    const range = name.includes('.lora_A.') ? 0.3 : bRange;
    const data = Float32Array.from({ length: shape[0]! * shape[1]! }, () => (random.next() * 2 - 1) * range);
    tensors.set(name, { shape, data });
  }
  return tensors;
}

async function logitsOf(model: LlamaDecoder, adapter?: LoraAdapter): Promise<Float32Array> {
  const logits = model.forward(singleRow(tokens), { adapter });
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  return data;
}

function difference(left: Float32Array, right: Float32Array): number[] {
  return Array.from(left, (value, index) => value - (right[index] as number));
}

function norm(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
}

function bytesOf(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

describe('LoRA adapter', () => {
  it('leaves the logits of the base model exactly unchanged while B is zero', async () => {
    const adapter = new LoraAdapter(config, settingsWith({ target_modules: 'all-linear' }), 3);
    expect(Array.from(await logitsOf(decoder, adapter))).toEqual(Array.from(await logitsOf(decoder)));
    adapter.dispose();
  });

  it('scales the update by alpha / r, or by alpha / √r with rsLoRA', async () => {
    const initial = randomLoraTensors(settingsWith(), 5, 0.01);
    const plain = new LoraAdapter(config, settingsWith(), 1, initial);
    const rsLora = new LoraAdapter(config, settingsWith({ use_rslora: true }), 1, initial);
    const doubledAlpha = new LoraAdapter(config, settingsWith({ lora_alpha: 16 }), 1, initial);
    expect([plain.scale, rsLora.scale, doubledAlpha.scale]).toEqual([2, 4, 4]);

    const x = tf.randomNormal([3, config.hiddenSize], 0, 1, 'float32', 9) as tf.Tensor2D;
    const plainDelta = (await plain.delta(0, 'v_proj', x)?.data()) as Float32Array;
    const rsDelta = (await rsLora.delta(0, 'v_proj', x)?.data()) as Float32Array;
    expect(Array.from(rsDelta)).toEqual(Array.from(plainDelta, (value) => value * 2));
    // By hand: scale · x Aᵀ Bᵀ, with A [r, in] and B [out, r] as PEFT stores them.
    const a = initial.get('base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight')!;
    const b = initial.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!;
    const xs = x.dataSync();
    const [outFeatures, rank] = b.shape as [number, number];
    const inFeatures = config.hiddenSize;
    for (let row = 0; row < 3; row += 1) {
      for (let out = 0; out < outFeatures; out += 1) {
        let sum = 0;
        for (let k = 0; k < rank; k += 1) {
          let hidden = 0;
          for (let column = 0; column < inFeatures; column += 1) hidden += xs[row * inFeatures + column]! * a.data[k * inFeatures + column]!;
          sum += hidden * b.data[out * rank + k]!;
        }
        expect(plainDelta[row * outFeatures + out]).toBeCloseTo(2 * sum, 5);
      }
    }

    // In the logits: rsLoRA's scale 4 with B equals scale 2 with 2·B, bit for bit (doubling is exact in float32).
    const doubledB = new Map([...initial].map(([name, tensor]) => [name, name.includes('.lora_B.') ? { shape: tensor.shape, data: tensor.data.map((value) => value * 2) } : tensor]));
    const plainDoubledB = new LoraAdapter(config, settingsWith(), 1, doubledB);
    const rsLogits = Array.from(await logitsOf(decoder, rsLora));
    expect(rsLogits).toEqual(Array.from(await logitsOf(decoder, plainDoubledB)));
    expect(rsLogits).not.toEqual(Array.from(await logitsOf(decoder, plain)));
    plainDoubledB.dispose();
    x.dispose();
    for (const adapter of [plain, rsLora, doubledAlpha]) adapter.dispose();
  });

  it('computes gradients of A and B that match central finite differences', async () => {
    const settings = settingsWith({ target_modules: ['q_proj', 'v_proj', 'down_proj'] });
    const adapter = new LoraAdapter(config, settings, 2, randomLoraTensors(settings, 8, 0.1));
    const rows = packExamples([{ tokens, lossMask: new Uint8Array(tokens.length).fill(1) }], tokens.length, 0);
    const { batch, targets, weights: lossWeights } = stackRows(rows);
    const loss = (): tf.Scalar => causalLmLoss(decoder.forward(batch, { adapter }), targets, lossWeights);
    const variables = adapter.variables();
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dispose();
    const step = 5e-3;
    let checked = 0;
    // Layer 0 q_proj A and B, and layer 1 down_proj A and B.
    for (const variable of [variables[0]!, variables[1]!, variables.at(-2)!, variables.at(-1)!]) {
      const gradient = grads[variable.name]!.dataSync();
      const original = variable.dataSync().slice() as Float32Array;
      const largest = Array.from(gradient.keys())
        .sort((left, right) => Math.abs(gradient[right]!) - Math.abs(gradient[left]!))
        .slice(0, 3);
      for (const index of largest) {
        const lossAt = (offset: number): number => {
          const shifted = original.slice();
          shifted[index] = original[index]! + offset;
          tf.tidy(() => variable.assign(tf.tensor(shifted, variable.shape)));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const numeric = (lossAt(step) - lossAt(-step)) / (2 * step);
        tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
        expect(Math.abs(gradient[index]!)).toBeGreaterThan(1e-2);
        expect(Math.abs(numeric - gradient[index]!) / Math.abs(gradient[index]!)).toBeLessThan(5e-3);
        checked += 1;
      }
    }
    expect(checked).toBe(12);
    for (const gradient of Object.values(grads)) gradient.dispose();
    adapter.dispose();
  });

  it('keeps every base weight bit-identical through training steps', async () => {
    const trained = new LlamaDecoder(config, toDecoderParameters(config, weights));
    const before = await fromDecoderParameters(config, trained.parameters);
    const adapter = new LoraAdapter(config, settingsWith({ target_modules: 'all-linear', lora_dropout: 0.1 }), 4);
    const optimizer = new AdamW();
    const rows = packExamples([{ tokens, lossMask: new Uint8Array(tokens.length).fill(1) }], 12, 0);
    const parts = { variables: () => adapter.variables(), setTrainingStep: (step: number | undefined) => adapter.setTrainingStep(step), adapter };
    for (let step = 0; step < 3; step += 1) {
      const { loss } = trainStep(trained, parts, optimizer, rows, step, { learningRate: 1e-2, maxGradientNorm: 1 });
      expect(Number.isFinite(loss)).toBe(true);
    }
    const after = await fromDecoderParameters(config, trained.parameters);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, tensor] of before) expect(bytesOf(after.get(name)!.data).equals(bytesOf(tensor.data)), name).toBe(true);
    // The adapter did train: B left zero.
    const exported = await adapter.exportTensors();
    expect(exported.get('base_model.model.model.layers.0.mlp.up_proj.lora_B.weight')!.data.some((value) => value !== 0)).toBe(true);
    optimizer.dispose();
    adapter.dispose();
  });

  it('gives the same logits merged into the base weights, through a model folder, as applied on the fly', async () => {
    const settings = settingsWith({ target_modules: 'all-linear', use_rslora: true });
    const adapter = new LoraAdapter(config, settings, 6, randomLoraTensors(settings, 10, 0.1));
    const unmerged = await logitsOf(decoder, adapter);
    const qName = 'model.layers.1.self_attn.q_proj.weight';
    const baseBefore = weights.get(qName)!.data.slice();

    const merged = mergeAdapter(weights, config, settings, await adapter.exportTensors());
    expect(bytesOf(weights.get(qName)!.data).equals(bytesOf(baseBefore))).toBe(true);
    expect(bytesOf(merged.get(qName)!.data).equals(bytesOf(baseBefore))).toBe(false);

    const baseFolder = join(scratch, 'base');
    await mkdir(baseFolder);
    await writeFile(join(baseFolder, 'config.json'), JSON.stringify(rawConfig));
    await writeFile(join(baseFolder, 'tokenizer.json'), '{"version":"1.0"}');
    await writeFile(join(baseFolder, 'generation_config.json'), '{"eos_token_id":60}');
    await writeSafetensors(join(baseFolder, 'model.safetensors'), weights);
    await writeMergedFolder(join(scratch, 'merged'), baseFolder, merged);
    const folder = await loadModelFolder(join(scratch, 'merged'));
    expect(folder.files).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json']);

    const mergedLogits = await logitsOf(new LlamaDecoder(config, toDecoderParameters(config, folder.weights)));
    expect(norm(difference(unmerged, await logitsOf(decoder)))).toBeGreaterThan(0.1);
    const worst = Math.max(...difference(mergedLogits, unmerged).map(Math.abs));
    expect(worst).toBeLessThan(1e-5);
    adapter.dispose();
  });
});
