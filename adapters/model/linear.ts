import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './custom-gradient.js';

/**
 * A linear layer's parameters, stored as `[in, out]` (the transpose of Hugging Face's `[out, in]`)
 * so that the forward pass is one untransposed 2-D matmul, wasm's fast path.
 */
export interface LinearParameters {
  weightT: tf.Tensor2D;
  bias?: tf.Tensor1D;
  /** The `[out, in]` copy the backward pass multiplies by; made on first use for frozen weights. */
  weight?: tf.Tensor2D;
}

/**
 * `x @ W^T + b` for `x` shaped `[rows, in]`, written with `customGrad` as plain 2-D matmuls.
 * When `trainable` is false the weight gets no gradient, and the input's gradient is `dy @ W`
 * with W kept untransposed, so neither pass goes through a transposed or batched matmul.
 */
export function linear(x: tf.Tensor2D, parameters: LinearParameters, trainable = false): tf.Tensor2D {
  const output = trainable ? trainableMatMul(x, parameters.weightT) : frozenMatMul(x, parameters);
  return parameters.bias === undefined ? output : tf.add(output, parameters.bias);
}

function frozenMatMul(x: tf.Tensor2D, parameters: LinearParameters): tf.Tensor2D {
  const forward = customGradient(([input], save) => {
    save([]);
    return {
      value: tf.matMul(input as tf.Tensor2D, parameters.weightT),
      gradFunc: (dy: tf.Tensor) => {
        if (parameters.weight === undefined) parameters.weight = tf.keep(tf.transpose(parameters.weightT));
        return [tf.matMul(dy as tf.Tensor2D, parameters.weight)];
      },
    };
  });
  return forward(x) as tf.Tensor2D;
}

function trainableMatMul(x: tf.Tensor2D, weightT: tf.Tensor2D): tf.Tensor2D {
  const forward = customGradient(([input, weight], save) => {
    save([input as tf.Tensor, weight as tf.Tensor]);
    return {
      value: tf.matMul(input as tf.Tensor2D, weight as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, savedWeight] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(savedWeight)), tf.matMul(tf.transpose(savedInput), dy as tf.Tensor2D)];
      },
    };
  });
  return forward(x, weightT) as tf.Tensor2D;
}
