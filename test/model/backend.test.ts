import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';

describe('initBackend', () => {
  it('auto falls back to wasm (SIMD) when tfjs-node cannot load, and says why', async () => {
    const lines: string[] = [];
    const info = await initBackend('auto', { log: (m) => lines.push(m) });
    let nodeLoads = true;
    try { await import('@tensorflow/tfjs-node' as string); } catch { nodeLoads = false; }
    if (nodeLoads) {
      expect(info.name).toBe('tensorflow');
    } else {
      expect(info.name).toBe('wasm');
      expect(info.fallbackReason).toMatch(/tfjs-node/);
      expect(info.simd).toBe(true);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.customKernels).toContain('Conv2DBackpropFilter');
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    }
    expect(tf.getBackend()).toBe(info.name);
    expect(info.requested).toBe('auto');
    expect(lines.join('\n')).toContain(`backend: ${info.name}`);
  });

  it('explicit tensorflow fails with a clear error when tfjs-node is absent', async () => {
    let nodeLoads = true;
    try { await import('@tensorflow/tfjs-node' as string); } catch { nodeLoads = false; }
    if (nodeLoads) return;
    await expect(initBackend('tensorflow', { log: () => {} })).rejects.toThrow(/cannot load @tensorflow\/tfjs-node/);
  });

  it('switches between cpu and wasm, idempotently, and computes on each', async () => {
    for (const name of ['cpu', 'wasm', 'wasm', 'cpu'] as const) {
      const info = await initBackend(name, { log: () => {} });
      expect(info.name).toBe(name);
      expect(tf.getBackend()).toBe(name);
      const y = tf.tidy(() => tf.sum(tf.mul(tf.tensor([1, 2, 3]), 2)).dataSync()[0]);
      expect(y).toBe(12);
    }
  });

  it('rejects unknown names', async () => {
    await expect(initBackend('gpu' as never, { log: () => {} })).rejects.toThrow(/unknown backend 'gpu'/);
  });
});
