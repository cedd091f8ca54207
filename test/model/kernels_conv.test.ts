import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { backendsReady, compareBackends, spec, type TensorSpec } from './kernel_harness.ts';

/** dy with ~80 % zeros, as behind MaxPool + ReLU: exercises the sparse (scatter) kernels. */
function sparseSpec(shape: number[], seed: number): TensorSpec {
  const s = spec(shape, seed);
  const keep = spec(shape, seed + 1000);
  s.data = s.data.map((v, i) => (keep.data[i]! > 0.6 ? v : 0));
  return s;
}
const dyKinds = [['dense', spec], ['sparse', sparseSpec]] as const;

type Pad = 'same' | 'valid';
interface Case { n: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: number; pad: Pad }

function convOut(size: number, k: number, s: number, pad: Pad): number {
  return pad === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
}

const cases: Case[] = [];
for (const [n, h, w] of [[1, 5, 7], [2, 9, 8], [3, 13, 11]] as const) {
  for (const [ci, co] of [[1, 16], [3, 5], [16, 8], [33, 7]] as const) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push({ n, h, w, ci, co, k: [3, 3], s, pad });
      }
    }
  }
}
// Channel counts that hit every block size of the sparse kernels' inner loop
// (fw·Ci = 24: 4-float blocks only; 63: one 48-float block, 4-float blocks and a tail).
for (const [ci, co] of [[8, 12], [21, 9]] as const) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) cases.push({ n: 2, h: 9, w: 11, ci, co, k: [3, 3], s, pad });
  }
}
// Non-square and even kernels, asymmetric 'same' padding.
cases.push({ n: 2, h: 10, w: 9, ci: 4, co: 6, k: [2, 4], s: 1, pad: 'same' });
cases.push({ n: 2, h: 10, w: 9, ci: 4, co: 6, k: [5, 1], s: 2, pad: 'valid' });
cases.push({ n: 1, h: 4, w: 4, ci: 2, co: 3, k: [5, 5], s: 1, pad: 'same' });

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  beforeAll(backendsReady);

  it('is registered for wasm', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(cases.flatMap((c) => dyKinds.map(([kind, make]) => ({ ...c, kind, make }))))('x[$n,$h,$w,$ci] k$k co=$co stride $s $pad $kind dy', async (c) => {
    const dyShape = [c.n, convOut(c.h, c.k[0], c.s, c.pad), convOut(c.w, c.k[1], c.s, c.pad), c.co];
    const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.ci, c.co];
    const err = await compareBackends(
      [spec([c.n, c.h, c.w, c.ci], 1), c.make(dyShape, 2)],
      (x, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! },
        { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('gives conv2d filter gradients equal to cpu through tf.grads (the training path)', async () => {
    const err = await compareBackends(
      [spec([4, 12, 17, 3], 3), spec([3, 3, 3, 8], 4), spec([4, 6, 9, 8], 5)],
      (x, f, r) => tf.grads((xx, ff) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same'), r!)))([x!, f!]),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  beforeAll(backendsReady);

  it.each(cases.flatMap((c) => dyKinds.map(([kind, make]) => ({ ...c, kind, make }))))('x[$n,$h,$w,$ci] k$k co=$co stride $s $pad $kind dy', async (c) => {
    const dyShape = [c.n, convOut(c.h, c.k[0], c.s, c.pad), convOut(c.w, c.k[1], c.s, c.pad), c.co];
    const inputShape = [c.n, c.h, c.w, c.ci];
    const err = await compareBackends(
      [c.make(dyShape, 6), spec([c.k[0], c.k[1], c.ci, c.co], 7)],
      (dy, f) => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy!, filter: f! },
        { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', inputShape }) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('gives conv2d input gradients equal to cpu through tf.grads', async () => {
    const err = await compareBackends(
      [spec([2, 11, 14, 5], 8), spec([3, 3, 5, 6], 9), spec([2, 11, 14, 6], 10)],
      (x, f, r) => tf.grads((xx) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), r!)))([x!]),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2D on wasm (Winograd for 3x3 stride 1, stock otherwise) matches cpu', () => {
  beforeAll(backendsReady);
  const fwd: { n: number; h: number; w: number; ci: number; co: number; k: number; s: number; pad: Pad }[] = [];
  for (const [n, h, w] of [[1, 5, 7], [2, 8, 9], [3, 13, 12], [2, 1, 2]] as const) {
    for (const [ci, co] of [[8, 4], [16, 32], [32, 12], [12, 20]] as const) {
      for (const pad of ['same', 'valid'] as const) {
        if (pad === 'valid' && (h < 3 || w < 3)) continue;
        fwd.push({ n, h, w, ci, co, k: 3, s: 1, pad });
      }
    }
  }
  // Few input channels: direct kernel (any stride/size, channel tails).
  fwd.push({ n: 2, h: 9, w: 9, ci: 3, co: 8, k: 3, s: 1, pad: 'same' });
  fwd.push({ n: 3, h: 12, w: 19, ci: 1, co: 16, k: 3, s: 1, pad: 'same' });
  fwd.push({ n: 2, h: 11, w: 10, ci: 2, co: 13, k: 3, s: 2, pad: 'valid' });
  fwd.push({ n: 1, h: 7, w: 9, ci: 5, co: 20, k: 5, s: 2, pad: 'same' });
  fwd.push({ n: 2, h: 6, w: 5, ci: 1, co: 4, k: 3, s: 1, pad: 'same' }); // co < 8: stock
  // Not Winograd-shaped, many channels: stock kernel.
  fwd.push({ n: 2, h: 9, w: 9, ci: 8, co: 8, k: 3, s: 2, pad: 'same' });
  fwd.push({ n: 2, h: 9, w: 9, ci: 8, co: 6, k: 5, s: 1, pad: 'same' });
  fwd.push({ n: 2, h: 9, w: 9, ci: 10, co: 8, k: 3, s: 1, pad: 'valid' });

  it.each(fwd)('x[$n,$h,$w,$ci] k$k co=$co stride $s $pad', async (c) => {
    const err = await compareBackends([spec([c.n, c.h, c.w, c.ci], 31), spec([c.k, c.k, c.ci, c.co], 32)],
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad));
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('FusedConv2D on wasm (Winograd + bias + ReLU) matches cpu', () => {
  beforeAll(backendsReady);
  const fused: { h: number; w: number; ci: number; co: number; pad: Pad; act: 'relu' | 'linear' | 'elu'; bias: boolean }[] = [
    { h: 9, w: 14, ci: 16, co: 32, pad: 'same', act: 'relu', bias: true },
    { h: 8, w: 7, ci: 8, co: 12, pad: 'valid', act: 'linear', bias: true },
    { h: 5, w: 6, ci: 12, co: 8, pad: 'same', act: 'relu', bias: false },
    { h: 6, w: 6, ci: 8, co: 8, pad: 'same', act: 'elu', bias: true }, // stock kernel
    { h: 6, w: 6, ci: 3, co: 8, pad: 'same', act: 'relu', bias: true }, // stock kernel
  ];
  it.each(fused)('x[2,$h,$w,$ci] co=$co $pad $act bias=$bias', async (c) => {
    const err = await compareBackends(
      [spec([2, c.h, c.w, c.ci], 41), spec([3, 3, c.ci, c.co], 42), spec([c.co], 43)],
      (x, f, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: c.pad,
        bias: c.bias ? b : undefined, activation: c.act }));
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
