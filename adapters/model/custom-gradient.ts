import * as tf from '@tensorflow/tfjs-core';

/** What a custom-gradient body returns: the value and the gradient of each input given `dy`. */
export interface CustomGradientResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * `tf.customGrad` with the inputs as one typed array; `save` keeps tensors for the backward pass.
 * @example customGradient(([x]) => ({ value: tf.square(x), gradFunc: (dy) => [tf.mul(dy, tf.mul(x, 2))] }))
 */
export function customGradient(body: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomGradientResult): (...inputs: tf.Tensor[]) => tf.Tensor {
  const wrapped = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return body(args.slice(0, -1) as tf.Tensor[], save);
  });
  return (...inputs: tf.Tensor[]) => wrapped(...inputs);
}
