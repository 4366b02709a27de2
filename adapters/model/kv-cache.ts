import * as tf from '@tensorflow/tfjs-core';

/**
 * Keys and values of every layer for the positions already processed, shaped
 * `[batch, kvHeads, length, headDim]`, so that generating a token costs one position's work.
 */
export class KvCache {
  private readonly keys: (tf.Tensor4D | undefined)[];
  private readonly values: (tf.Tensor4D | undefined)[];
  /** Positions held, the same in every layer once a forward pass has finished. */
  length = 0;

  constructor(readonly numLayers: number) {
    this.keys = new Array<tf.Tensor4D | undefined>(numLayers).fill(undefined);
    this.values = new Array<tf.Tensor4D | undefined>(numLayers).fill(undefined);
  }

  /** Appends a layer's new keys and values and returns everything held for that layer. */
  append(layer: number, keys: tf.Tensor4D, values: tf.Tensor4D): { keys: tf.Tensor4D; values: tf.Tensor4D } {
    const previousKeys = this.keys[layer];
    const previousValues = this.values[layer];
    const allKeys = tf.keep(previousKeys === undefined ? keys : tf.concat([previousKeys, keys], 2));
    const allValues = tf.keep(previousValues === undefined ? values : tf.concat([previousValues, values], 2));
    previousKeys?.dispose();
    previousValues?.dispose();
    this.keys[layer] = allKeys;
    this.values[layer] = allValues;
    return { keys: allKeys, values: allValues };
  }

  /** Frees every tensor held. */
  dispose(): void {
    for (const tensor of [...this.keys, ...this.values]) tensor?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.length = 0;
  }
}
