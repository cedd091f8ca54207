// Softmax cross-entropy on logits, like torch.nn.CrossEntropyLoss. The replicas return
// SUMS over their shard (weighted by the per-sample weight); the trainer divides by the
// batch total, so a sharded batch gives the same mean as an unsharded one.
import * as tf from '@tensorflow/tfjs';

/**
 * sum_i w_i * CE(logits_i, targets_i) * scale, targets as probabilities [n, classes]
 * (one-hot for hard labels). `weights` [n] are per-sample weights (class weights).
 */
export function crossEntropySum(logits: tf.Tensor2D, targets: tf.Tensor2D, weights: tf.Tensor1D | null, scale: number): tf.Scalar {
  return tf.tidy(() => {
    const perSample = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
    const weighted = weights == null ? perSample : tf.mul(perSample, weights);
    return tf.mul(tf.sum(weighted), scale) as tf.Scalar;
  });
}

/** One-hot rows for integer labels in [0, classes). */
export function oneHotRows(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`label ${y} at row ${i} is not an integer in [0, ${classes})`);
    out[i * classes + y] = 1;
  }
  return out;
}

/**
 * Per-row cross-entropy sum and number of rows whose argmax equals the label (plain JS).
 * With `targets` (probabilities [n, classes], e.g. mixup's soft targets) the loss is
 * against them; accuracy is always against `labels`.
 */
export function lossAndCorrect(
  logits: Float32Array, labels: ArrayLike<number>, classes: number, targets?: Float32Array | null,
): { lossSum: number; correct: number } {
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) if (row[c]! > max) { max = row[c]!; arg = c; }
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(row[c]! - max);
    const logZ = Math.log(z) + max;
    if (targets) {
      for (let c = 0; c < classes; c++) {
        const t = targets[i * classes + c]!;
        if (t !== 0) lossSum += t * (logZ - row[c]!);
      }
    } else {
      lossSum += logZ - row[labels[i]!]!;
    }
    if (arg === labels[i]) correct += 1;
  }
  return { lossSum, correct };
}
