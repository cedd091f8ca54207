// Dropout masks from our seeded RNG, one stream per (seed, layer, epoch, sample index):
// a sample's mask is the same whichever batch position or replica it lands in, so
// sharding a batch across worker threads cannot change the training run.
import { createRng } from '../../util/rng.ts';

/**
 * Masks for `sampleIndices` (dataset indices) in row-major [n, featureSize]: each value
 * 0 with probability `rate`, else 1 / (1 - rate) (inverted dropout, as torch.nn.Dropout).
 */
export function dropoutMask(
  seed: number, layer: string, epoch: number, sampleIndices: ArrayLike<number>, featureSize: number, rate: number,
): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropoutMask: rate must be in [0, 1), got ${rate}`);
  const out = new Float32Array(sampleIndices.length * featureSize);
  const keep = 1 / (1 - rate);
  for (let s = 0; s < sampleIndices.length; s++) {
    const rng = createRng(seed, `dropout/${layer}/epoch${epoch}/sample${sampleIndices[s]}`);
    const base = s * featureSize;
    for (let i = 0; i < featureSize; i++) out[base + i] = rng.float() < rate ? 0 : keep;
  }
  return out;
}
