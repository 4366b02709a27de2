import * as tf from '@tensorflow/tfjs-core';
import type { DecoderParameters, LayerParameters } from './decoder-parameters.js';
import type { KvCache } from './kv-cache.js';
import { customGradient } from './custom-gradient.js';
import { linear, type LinearParameters } from './linear.js';
import type { DecoderConfig, LinearModuleName } from './model-config.js';
import { applyRotary, inverseFrequencies, rotaryTables, rotateHalfMatrix } from './rotary-embedding.js';

/** Adds a low-rank update to a linear module's output; LoRA adapters implement it. */
export interface LinearAdapter {
  /** The update for `x` (`[rows, in]`) at a layer's module, or undefined when none targets it. */
  delta(layer: number, module: LinearModuleName, x: tf.Tensor2D): tf.Tensor2D | undefined;
}

/** A batch of token rows of equal length; rows shorter than `length` are padded and masked. */
export interface DecoderBatch {
  /** `[batch * length]` token ids, row-major. */
  tokenIds: Int32Array;
  batch: number;
  length: number;
  /** `[batch * length]` rotary positions of the tokens. */
  positions: Int32Array;
  /** `[batch * (cached + length)]`: 1 where a key position holds a real token, 0 for padding. */
  keyMask: Uint8Array;
  /**
   * `[batch * (cached + length)]`: with packing, which example each position belongs to;
   * a query attends only to keys of its own segment.
   */
  segmentIds?: Int32Array;
}

/** Options of one forward pass. */
export interface ForwardOptions {
  cache?: KvCache;
  /** `last` returns logits for each row's final position only: `[batch, vocab]`. */
  logits?: 'all' | 'last';
  adapter?: LinearAdapter;
}

const maskedScore = -1e9;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, SmolLM2, TinyLlama) written with tfjs ops:
 * RMSNorm, rotary embeddings, grouped-query attention, SwiGLU. Every projection is a 2-D matmul.
 */
export class LlamaDecoder {
  private readonly frequencies: Float64Array;
  private readonly rotation: tf.Tensor2D;
  private head: LinearParameters | undefined;

  constructor(
    readonly config: DecoderConfig,
    readonly parameters: DecoderParameters,
  ) {
    this.frequencies = inverseFrequencies(config);
    this.rotation = tf.keep(rotateHalfMatrix(config.headDim));
  }

  /** Logits `[batch * length, vocab]`, or `[batch, vocab]` with `logits: 'last'`. */
  forward(input: DecoderBatch, options: ForwardOptions = {}): tf.Tensor2D {
    const { batch, length } = input;
    const past = options.cache?.length ?? 0;
    const logits = tf.tidy(() => {
      const tables = rotaryTables(this.frequencies, input.positions);
      const rows = batch * length;
      const cos = tf.tensor3d(tables.cos, [rows, 1, this.config.headDim]);
      const sin = tf.tensor3d(tables.sin, [rows, 1, this.config.headDim]);
      const bias = attentionBias(input, past);
      let hidden = this.embed(input.tokenIds);
      this.parameters.layers.forEach((layer, index) => {
        const attended = this.attention(index, layer, rmsNorm(hidden, layer.inputNorm, this.config.rmsNormEps), { input, cos, sin, bias, options });
        hidden = tf.add(hidden, attended);
        hidden = tf.add(hidden, this.mlp(index, layer, rmsNorm(hidden, layer.postNorm, this.config.rmsNormEps), options.adapter));
      });
      if (options.logits === 'last') {
        const lastRows = Int32Array.from({ length: batch }, (_, row) => row * length + length - 1);
        hidden = tf.gather(hidden, lastRows);
      }
      return this.outputHead(rmsNorm(hidden, this.parameters.norm, this.config.rmsNormEps));
    }) as tf.Tensor2D;
    if (options.cache !== undefined) options.cache.length = past + length;
    return logits;
  }

  /** Frees backend memory owned by the decoder itself (not the parameters). */
  dispose(): void {
    this.rotation.dispose();
    // The head's untransposed copy is the decoder's own only when the embeddings are not tied.
    if (!this.config.tieWordEmbeddings) this.head?.weight?.dispose();
  }

  /**
   * Logits. With frozen weights the head goes through `linear`, so that the backward pass multiplies
   * by the untransposed `[vocab, hidden]` matrix (the embeddings themselves when tied) instead of a
   * transposed matmul: on wasm that one product was most of a LoRA step on a 32k vocabulary.
   */
  private outputHead(hidden: tf.Tensor2D): tf.Tensor2D {
    const { lmHeadT, embed, trainable } = this.parameters;
    if (trainable || lmHeadT === undefined) return tf.matMul(hidden, lmHeadT ?? tf.transpose(embed));
    this.head ??= { weightT: lmHeadT, weight: this.config.tieWordEmbeddings ? embed : undefined };
    return linear(hidden, this.head);
  }

  private embed(tokenIds: Int32Array): tf.Tensor2D {
    const { embed, trainable } = this.parameters;
    if (!trainable) return tf.gather(embed, tokenIds);
    // The embedding's gradient as a 2-D matmul, one-hot rows against the output gradient.
    const lookup = customGradient(([table], save) => {
      save([]);
      return {
        value: tf.gather(table as tf.Tensor2D, tokenIds),
        gradFunc: (dy: tf.Tensor) => [tf.matMul(tf.transpose(tf.oneHot(tokenIds, embed.shape[0])), dy as tf.Tensor2D)],
      };
    });
    return lookup(embed) as tf.Tensor2D;
  }

  private project(layer: number, parameters: LayerParameters, module: LinearModuleName, x: tf.Tensor2D, adapter?: LinearAdapter): tf.Tensor2D {
    const output = linear(x, parameters.linears[module], this.parameters.trainable);
    const delta = adapter?.delta(layer, module, x);
    return delta === undefined ? output : tf.add(output, delta);
  }

  private attention(
    index: number,
    layer: LayerParameters,
    x: tf.Tensor2D,
    context: { input: DecoderBatch; cos: tf.Tensor3D; sin: tf.Tensor3D; bias: tf.Tensor4D; options: ForwardOptions },
  ): tf.Tensor2D {
    const { numHeads, numKvHeads, headDim } = this.config;
    const { batch, length } = context.input;
    const rows = batch * length;
    const groups = numHeads / numKvHeads;
    const adapter = context.options.adapter;
    const heads = (projected: tf.Tensor2D, count: number, rotate: boolean): tf.Tensor4D => {
      let shaped = tf.reshape(projected, [rows, count, headDim]) as tf.Tensor3D;
      if (rotate) shaped = applyRotary(shaped, context.cos, context.sin, this.rotation);
      return tf.transpose(tf.reshape(shaped, [batch, length, count, headDim]), [0, 2, 1, 3]);
    };
    const queries = heads(this.project(index, layer, 'q_proj', x, adapter), numHeads, true);
    let keys = heads(this.project(index, layer, 'k_proj', x, adapter), numKvHeads, true);
    let values = heads(this.project(index, layer, 'v_proj', x, adapter), numKvHeads, false);
    if (context.options.cache !== undefined) ({ keys, values } = context.options.cache.append(index, keys, values));
    const keyLength = keys.shape[2];
    // Query heads that share a KV head are folded into its rows, so K and V are never repeated.
    const grouped = tf.reshape(queries, [batch, numKvHeads, groups * length, headDim]);
    const scores = tf.reshape(tf.mul(tf.matMul(grouped, keys, false, true), 1 / Math.sqrt(headDim)), [batch, numHeads, length, keyLength]);
    const weights = tf.softmax(tf.add(scores, context.bias));
    const mixed = tf.matMul(tf.reshape(weights, [batch, numKvHeads, groups * length, keyLength]), values);
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, numHeads, length, headDim]), [0, 2, 1, 3]), [rows, numHeads * headDim]);
    return this.project(index, layer, 'o_proj', merged as tf.Tensor2D, adapter);
  }

  private mlp(index: number, layer: LayerParameters, x: tf.Tensor2D, adapter?: LinearAdapter): tf.Tensor2D {
    const gate = this.project(index, layer, 'gate_proj', x, adapter);
    const up = this.project(index, layer, 'up_proj', x, adapter);
    return this.project(index, layer, 'down_proj', tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), adapter);
  }
}

/** `x / sqrt(mean(x²) + eps) * weight` over the last axis, as Llama's RMSNorm. */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, epsilon))), weight);
}

/** Additive attention bias `[batch, 1, length, cached + length]`: causal, padding and segment masks. */
function attentionBias(input: DecoderBatch, past: number): tf.Tensor4D {
  const { batch, length, keyMask, segmentIds } = input;
  const keys = past + length;
  if (keyMask.length !== batch * keys) {
    throw new Error(`keyMask must hold batch × (cached + length) = ${batch * keys} entries, got ${keyMask.length}`);
  }
  const bias = new Float32Array(batch * length * keys);
  for (let row = 0; row < batch; row += 1) {
    for (let query = 0; query < length; query += 1) {
      const queryPosition = past + query;
      const querySegment = segmentIds?.[row * keys + queryPosition];
      const offset = (row * length + query) * keys;
      for (let key = 0; key < keys; key += 1) {
        const visible =
          key <= queryPosition && keyMask[row * keys + key] === 1 && (querySegment === undefined || segmentIds?.[row * keys + key] === querySegment);
        if (!visible) bias[offset + key] = maskedScore;
      }
    }
  }
  return tf.tensor4d(bias, [batch, 1, length, keys]);
}
