import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomHostWeights, toDecoderParameters, type HostTensor } from '../../../adapters/model/decoder-parameters.js';
import { KvCache } from '../../../adapters/model/kv-cache.js';
import { linear } from '../../../adapters/model/linear.js';
import { LlamaDecoder, rmsNorm } from '../../../adapters/model/llama-decoder.js';
import { applyRotary, inverseFrequencies, rotateHalfMatrix, rotaryTables } from '../../../adapters/model/rotary-embedding.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { randomDecoder, singleRow, smallConfig } from './decoder-fixture.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

async function values(tensor: tf.Tensor): Promise<number[]> {
  const data = Array.from(await tensor.data());
  tensor.dispose();
  return data;
}

describe('RMSNorm', () => {
  it('divides by the root mean square and scales by the weight, as computed by hand', async () => {
    // Row [3, 4]: mean square 12.5, so x / sqrt(12.5 + 0.5) = x / sqrt(13).
    const result = rmsNorm(tf.tensor2d([[3, 4]]), tf.tensor1d([1, 2]), 0.5);
    const expected = [3 / Math.sqrt(13), (4 / Math.sqrt(13)) * 2];
    (await values(result)).forEach((value, index) => expect(value).toBeCloseTo(expected[index] as number, 6));
  });
});

describe('rotary embeddings', () => {
  it('uses inverse frequencies 1/theta^(2i/d)', () => {
    expect(Array.from(inverseFrequencies({ headDim: 4, ropeTheta: 100, ropeScaling: null }))).toEqual([1, 0.1]);
  });

  it('rotates each half-pair by position × frequency, as computed by hand', async () => {
    // headDim 4, theta 100: frequencies [1, 0.1]; at position 2 the angles are 2 and 0.2.
    const tables = rotaryTables(inverseFrequencies({ headDim: 4, ropeTheta: 100, ropeScaling: null }), [2]);
    const x = [1, 2, 3, 4];
    const rotated = applyRotary(
      tf.tensor3d(x, [1, 1, 4]),
      tf.tensor3d(tables.cos, [1, 1, 4]),
      tf.tensor3d(tables.sin, [1, 1, 4]),
      rotateHalfMatrix(4),
    );
    // Pairs (x0, x2) and (x1, x3) turn by their angle: (a cos - b sin, b cos + a sin).
    const expected = [
      1 * Math.cos(2) - 3 * Math.sin(2),
      2 * Math.cos(0.2) - 4 * Math.sin(0.2),
      3 * Math.cos(2) + 1 * Math.sin(2),
      4 * Math.cos(0.2) + 2 * Math.sin(0.2),
    ];
    (await values(rotated)).forEach((value, index) => expect(value).toBeCloseTo(expected[index] as number, 5));
  });

  it('scales long wavelengths by the Llama 3 factor and keeps short ones', () => {
    const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
    const plain = inverseFrequencies({ headDim: 128, ropeTheta: 500_000, ropeScaling: null });
    const scaled = inverseFrequencies({ headDim: 128, ropeTheta: 500_000, ropeScaling: scaling });
    expect(scaled[0]).toBe(plain[0]); // wavelength 2π, far below 8192 / 4
    expect(scaled[63]).toBeCloseTo((plain[63] as number) / 8, 15); // wavelength far above 8192
    const middle = Array.from(plain).findIndex((frequency) => {
      const wavelength = (2 * Math.PI) / frequency;
      return wavelength > 2048 && wavelength < 8192;
    });
    expect(scaled[middle]).toBeLessThan(plain[middle] as number);
    expect(scaled[middle]).toBeGreaterThan((plain[middle] as number) / 8);
  });
});

describe('Llama decoder', () => {
  it('never lets a later token change the logits of an earlier position', async () => {
    const decoder = randomDecoder();
    const first = await values(decoder.forward(singleRow([5, 9, 13, 17, 21])));
    const second = await values(decoder.forward(singleRow([5, 9, 13, 40, 2])));
    const vocab = decoder.config.vocabSize;
    expect(second.slice(0, 3 * vocab)).toEqual(first.slice(0, 3 * vocab));
    expect(second.slice(3 * vocab)).not.toEqual(first.slice(3 * vocab));
  });

  it('gives the same logits one token at a time through the KV cache as over the whole sequence', async () => {
    const decoder = randomDecoder();
    const tokens = [3, 14, 15, 9, 26, 5];
    const whole = await values(decoder.forward(singleRow(tokens)));
    const cache = new KvCache(decoder.config.numLayers);
    const stepped: number[] = await values(decoder.forward(singleRow(tokens.slice(0, 2)), { cache }));
    for (let index = 2; index < tokens.length; index += 1) {
      stepped.push(...(await values(decoder.forward(singleRow([tokens[index] as number], index, index), { cache }))));
    }
    cache.dispose();
    stepped.forEach((value, index) => expect(value).toBeCloseTo(whole[index] as number, 4));
  });

  it('matches multi-head attention with repeated KV heads when query heads share KV heads (GQA)', async () => {
    const grouped = smallConfig({ num_key_value_heads: 2 });
    const full = smallConfig({ num_key_value_heads: 4 });
    const weights = randomHostWeights(grouped, 11, 0.2);
    const repeated = new Map(weights);
    const headDim = grouped.headDim;
    for (let layer = 0; layer < grouped.numLayers; layer += 1) {
      for (const module of ['k_proj', 'v_proj']) {
        const name = `model.layers.${layer}.self_attn.${module}.weight`;
        const source = weights.get(name) as HostTensor;
        const rowSize = grouped.hiddenSize * headDim;
        const data = new Float32Array(4 * rowSize);
        // Query heads 0,1 use KV head 0 and heads 2,3 use KV head 1.
        for (let head = 0; head < 4; head += 1) data.set(source.data.subarray(Math.floor(head / 2) * rowSize, (Math.floor(head / 2) + 1) * rowSize), head * rowSize);
        repeated.set(name, { shape: [4 * headDim, grouped.hiddenSize], data });
      }
    }
    const tokens = [1, 7, 22, 35, 8];
    const gqa = await values(new LlamaDecoder(grouped, toDecoderParameters(grouped, weights)).forward(singleRow(tokens)));
    const mha = await values(new LlamaDecoder(full, toDecoderParameters(full, repeated)).forward(singleRow(tokens)));
    gqa.forEach((value, index) => expect(value).toBeCloseTo(mha[index] as number, 4));
  });

  it('adds q/k/v biases for Qwen2 checkpoints, so zero biases change nothing and others do', async () => {
    const qwen = smallConfig({ architectures: ['Qwen2ForCausalLM'] });
    const llama = smallConfig();
    const weights = randomHostWeights(llama, 5, 0.2);
    const withBias = new Map([...weights, ...[...randomHostWeights(qwen, 5, 0.2)].filter(([name]) => name.endsWith('.bias'))]);
    const tokens = [4, 8, 15, 16];
    const plain = await values(new LlamaDecoder(llama, toDecoderParameters(llama, weights)).forward(singleRow(tokens)));
    const zeroBias = await values(new LlamaDecoder(qwen, toDecoderParameters(qwen, withBias)).forward(singleRow(tokens)));
    expect(zeroBias).toEqual(plain);
    const bias = withBias.get('model.layers.0.self_attn.k_proj.bias') as HostTensor;
    withBias.set('model.layers.0.self_attn.k_proj.bias', { shape: bias.shape, data: bias.data.map((_, index) => (index % 3) * 0.5) });
    const shifted = await values(new LlamaDecoder(qwen, toDecoderParameters(qwen, withBias)).forward(singleRow(tokens)));
    expect(shifted).not.toEqual(plain);
  });

  it('ties the output head to the embeddings when the config says so', async () => {
    const tied = smallConfig({ tie_word_embeddings: true });
    const weights = randomHostWeights(tied, 3, 0.2);
    expect(weights.has('lm_head.weight')).toBe(false);
    const decoder = new LlamaDecoder(tied, toDecoderParameters(tied, weights));
    expect((await values(decoder.forward(singleRow([1, 2, 3])))).length).toBe(3 * tied.vocabSize);
  });

  it('computes a frozen linear layer’s input gradient like plain autodiff, and no weight gradient', async () => {
    const weightT = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const custom = tf.grad((input: tf.Tensor) => tf.sum(tf.square(linear(input as tf.Tensor2D, { weightT }))))(x);
    const plain = tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.matMul(input as tf.Tensor2D, weightT))))(x);
    const expected = await values(plain);
    (await values(custom)).forEach((value, index) => expect(value).toBeCloseTo(expected[index] as number, 4));
    const weight = tf.variable(weightT);
    const frozenLoss = () => tf.sum(linear(x, { weightT: weight as unknown as tf.Tensor2D })) as tf.Scalar;
    expect(() => tf.variableGrads(frozenLoss, [weight])).toThrow(/connection/);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(linear(x, { weightT: weight as unknown as tf.Tensor2D }, true))) as tf.Scalar, [weight]);
    const plainWeight = tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, w as tf.Tensor2D))))(weightT);
    const expectedWeight = await values(plainWeight);
    (await values(grads[weight.name] as tf.Tensor)).forEach((value, index) => expect(value).toBeCloseTo(expectedWeight[index] as number, 4));
  });

  it('keeps no tensors behind after a forward pass', () => {
    const decoder = randomDecoder();
    const before = tf.memory().numTensors;
    decoder.forward(singleRow([1, 2, 3])).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('backends', () => {
  it('agree between cpu and wasm within 1e-4', async () => {
    const tokens = [2, 30, 17, 44, 9, 51, 6];
    await selectBackend('cpu');
    const onCpu = await values(randomDecoder().forward(singleRow(tokens)));
    await selectBackend('wasm');
    const onWasm = await values(randomDecoder().forward(singleRow(tokens)));
    await selectBackend('cpu');
    const largest = Math.max(...onCpu.map((value, index) => Math.abs(value - (onWasm[index] as number))));
    expect(largest).toBeLessThan(1e-4);
  });
});
