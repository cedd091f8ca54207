// Our kernels on the THREADED wasm build (shared memory, XNNPACK threadpool; enabled by
// the trainer's prepareWasmThreads): the shared-memory variant of kernels.wasm is used
// and one training step of the small CNN still matches the cpu backend.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { prepareWasmThreads } from '../../src/model/train/wasm-threads.ts';
import { initBackend } from '../../src/model/backend.ts';
import { backendsReady, relError } from './kernel_harness.ts';
import { trainStep } from './model_step.ts';

describe('our wasm kernels on the threaded (shared-memory) wasm build', () => {
  beforeAll(async () => {
    const restore = prepareWasmThreads(2);
    try {
      await initBackend('wasm', { log: () => {} });
    } finally {
      restore();
    }
    await backendsReady();
  });

  it('runs on a shared memory with 2 threads', () => {
    const backend = tf.findBackend('wasm') as unknown as { wasm: { wasmMemory?: { buffer: unknown } } };
    expect(backend.wasm.wasmMemory?.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('one training step: same loss, gradients and Adam update as cpu (rel 1e-4)', async () => {
    const ref = await trainStep('cpu');
    const got = await trainStep('wasm');
    expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
    got.grads.forEach((g, i) => expect(relError(g, ref.grads[i]!), `gradient ${i}`).toBeLessThanOrEqual(1e-4));
    got.updated.forEach((u, i) => expect(relError(u, ref.updated[i]!), `variable ${i}`).toBeLessThanOrEqual(1e-4));
  });
});
