// Whole-model check: one training step of a small CNN gives the same gradients and the
// same Adam update on wasm-with-our-kernels as on the cpu backend.
import { describe, expect, it, beforeAll } from 'vitest';
import { backendsReady, relError } from './kernel_harness.ts';
import { trainStep } from './model_step.ts';

describe('one training step of a small CNN: wasm (our kernels) vs cpu', () => {
  beforeAll(backendsReady);

  it('same loss, gradients (rel 1e-4) and Adam-updated weights', async () => {
    const ref = await trainStep('cpu');
    const got = await trainStep('wasm');
    expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
    expect(got.grads.length).toBe(8);
    got.grads.forEach((g, i) => {
      expect(relError(g, ref.grads[i]!), `gradient of variable ${i}`).toBeLessThanOrEqual(1e-4);
      // A gradient that is all zeros would make the check vacuous.
      expect(ref.grads[i]!.some((v) => v !== 0)).toBe(true);
    });
    got.updated.forEach((u, i) => {
      expect(relError(u, ref.updated[i]!), `updated variable ${i}`).toBeLessThanOrEqual(1e-4);
    });
  });
});
