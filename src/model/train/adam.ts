// Adam exactly as torch.optim.Adam (weight_decay 0, amsgrad off), on flat Float32 vectors
// in plain JS: the update is the same on every backend and for any number of gradient
// workers, and it is cheap (one pass over ~0.8 M floats per step).
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// PyTorch evaluates each operation in float32; we evaluate one step's expression in
// float64 and round the stored m, v and p to float32, which agrees to float32 rounding.
import type { WeightLayout } from './weights.ts';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

export interface AdamState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export function createAdamState(size: number): AdamState {
  return { step: 0, m: new Float32Array(size), v: new Float32Array(size) };
}

/**
 * One Adam step on the trainable slots of `params` (in place) with gradient `grad` (same
 * layout). `lr` may differ from options.lr (learning-rate schedule).
 */
export function adamStep(
  params: Float32Array, grad: Float32Array, state: AdamState, layout: WeightLayout,
  options: AdamOptions, lr = options.lr,
): void {
  const { beta1, beta2, eps } = options;
  state.step += 1;
  const t = state.step;
  const bc1 = 1 - beta1 ** t;
  const sqrtBc2 = Math.sqrt(1 - beta2 ** t);
  const stepSize = lr / bc1;
  const { m, v } = state;
  for (const slot of layout.slots) {
    if (!slot.trainable) continue;
    const end = slot.offset + slot.size;
    for (let i = slot.offset; i < end; i++) {
      const g = grad[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - stepSize * m[i]! / (Math.sqrt(v[i]!) / sqrtBc2 + eps);
    }
  }
}
