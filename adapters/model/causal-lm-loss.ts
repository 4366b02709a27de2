import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean next-token cross-entropy over the positions where `lossMask` is 1.
 * `logits` is `[rows, vocab]`; `targets[i]` is the token that should follow position i.
 * With a mask of assistant tokens only, prompts are context and never targets.
 */
export function causalLmLoss(logits: tf.Tensor2D, targets: Int32Array, lossMask: Float32Array): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[1];
    const logProbabilities = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbabilities, tf.cast(tf.oneHot(targets, vocab), 'float32')), 1);
    const mask = tf.tensor1d(lossMask);
    const count = Math.max(1, lossMask.reduce((total, value) => total + value, 0));
    return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), count) as tf.Scalar;
  });
}
