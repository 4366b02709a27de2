import * as tf from '@tensorflow/tfjs-core';
import type { DecoderConfig } from './model-config.js';

/**
 * Inverse frequencies of rotary position embeddings, `1 / theta^(2i/d)`, with Llama 3's
 * frequency-dependent scaling when the config asks for it: long wavelengths are divided by
 * `factor`, short ones kept, and the band between blended smoothly.
 */
export function inverseFrequencies(config: Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = config.headDim / 2;
  const frequencies = new Float64Array(half);
  for (let index = 0; index < half; index += 1) {
    frequencies[index] = 1 / config.ropeTheta ** ((2 * index) / config.headDim);
  }
  const scaling = config.ropeScaling;
  if (scaling === null) return frequencies;
  const lowFrequencyWavelength = scaling.originalMaxPositionEmbeddings / scaling.lowFreqFactor;
  const highFrequencyWavelength = scaling.originalMaxPositionEmbeddings / scaling.highFreqFactor;
  for (let index = 0; index < half; index += 1) {
    const frequency = frequencies[index] as number;
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < highFrequencyWavelength) continue;
    if (wavelength > lowFrequencyWavelength) {
      frequencies[index] = frequency / scaling.factor;
      continue;
    }
    const smooth =
      (scaling.originalMaxPositionEmbeddings / wavelength - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
    frequencies[index] = (1 - smooth) * (frequency / scaling.factor) + smooth * frequency;
  }
  return frequencies;
}

/** Cosine and sine tables `[positions.length, headDim]` laid out as Hugging Face does: `cat(freqs, freqs)`. */
export function rotaryTables(frequencies: Float64Array, positions: ArrayLike<number>): { cos: Float32Array; sin: Float32Array } {
  const half = frequencies.length;
  const width = half * 2;
  const cos = new Float32Array(positions.length * width);
  const sin = new Float32Array(positions.length * width);
  for (let row = 0; row < positions.length; row += 1) {
    const position = positions[row] as number;
    for (let index = 0; index < half; index += 1) {
      const angle = position * (frequencies[index] as number);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[row * width + index] = c;
      cos[row * width + half + index] = c;
      sin[row * width + index] = s;
      sin[row * width + half + index] = s;
    }
  }
  return { cos, sin };
}

/**
 * The `[d, d]` matrix R with `x @ R = rotate_half(x) = cat(-x[d/2:], x[:d/2])`. Rotating by a
 * 2-D matmul keeps the op on wasm's fast path and gives a gradient for free.
 */
export function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const values = new Float32Array(headDim * headDim);
  for (let index = 0; index < half; index += 1) {
    values[(index + half) * headDim + index] = -1; // output[i] = -x[i + d/2]
    values[index * headDim + index + half] = 1; // output[i + d/2] = x[i]
  }
  return tf.tensor2d(values, [headDim, headDim]);
}

/**
 * Applies rotary embeddings to `x` shaped `[rows, heads, headDim]`, where `cos` and `sin` are
 * `[rows, 1, headDim]` for the rows' positions.
 */
export function applyRotary(x: tf.Tensor3D, cos: tf.Tensor3D, sin: tf.Tensor3D, rotation: tf.Tensor2D): tf.Tensor3D {
  const [rows, heads, headDim] = x.shape;
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [rows * heads, headDim]), rotation), [rows, heads, headDim]);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}
