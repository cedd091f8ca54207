// The fused BatchNorm kernels on the THREADED wasm build (shared memory: the
// kernels-shared.wasm variant): a training step of a small BN CNN matches the cpu
// backend's stock-op BatchNorm.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { prepareWasmThreads } from '../../src/model/train/wasm-threads.ts';
import { initBackend } from '../../src/model/backend.ts';
import { fusedBatchNormAvailable } from '../../src/model/kernels/batch_norm.ts';
import { buildModel } from '../../src/model/network.ts';
import { Replica } from '../../src/model/train/replica.ts';
import { backendsReady, randomArray, relError } from './kernel_harness.ts';

describe('fused BatchNorm on the threaded (shared-memory) wasm build', () => {
  beforeAll(async () => {
    const restore = prepareWasmThreads(2);
    try {
      await initBackend('wasm', { log: () => {} });
    } finally {
      restore();
    }
    await backendsReady();
  });

  it('one BN training step: same gradients and batch statistics as cpu (rel 1e-4)', () => {
    const backend = tf.findBackend('wasm') as unknown as { wasm: { wasmMemory?: { buffer: unknown } } };
    expect(backend.wasm.wasmMemory?.buffer).toBeInstanceOf(SharedArrayBuffer);
    const data = { x: randomArray(8 * 16 * 20, 91).map((v) => 2 * v), y: Int32Array.from({ length: 8 }, (_, i) => i) };
    const indices = Int32Array.from([3, 1, 4, 0, 5, 7]);
    const step = (name: 'cpu' | 'wasm') => {
      tf.setBackend(name);
      expect(fusedBatchNormAvailable()).toBe(name === 'wasm');
      const model = buildModel({ inputShape: [16, 20], channels: [8, 16], batchNorm: true, denseUnits: 8, dropout: 0 }, 6);
      const replica = new Replica(model, { seed: 3 });
      const grad = new Float32Array(replica.layout.total);
      const stats = new Float64Array(replica.bnStatsLength);
      replica.gradients(data, indices, 1, 1 / indices.length, grad, stats);
      model.dispose();
      tf.setBackend('wasm');
      return { grad, stats, layout: replica.layout };
    };
    const ref = step('cpu');
    const got = step('wasm');
    for (const s of ref.layout.slots) {
      if (!s.trainable) continue;
      expect(relError(got.grad.subarray(s.offset, s.offset + s.size), ref.grad.subarray(s.offset, s.offset + s.size)), s.name)
        .toBeLessThanOrEqual(1e-4);
    }
    expect(relError(Float32Array.from(got.stats), Float32Array.from(ref.stats))).toBeLessThanOrEqual(1e-5);
  });
});
