import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { backendsReady, compareBackends, spec, type TensorSpec } from './kernel_harness.ts';

/** Values with many exact ties and zeros (as after a ReLU): tests the first-max rule. */
function tiedSpec(shape: number[], seed: number): TensorSpec {
  const s = spec(shape, seed);
  s.data = s.data.map((v) => Math.max(0, Math.round(v * 3) / 3));
  return s;
}

describe('MaxPoolGrad on wasm matches cpu', () => {
  beforeAll(backendsReady);
  const cases: { n: number; h: number; w: number; c: number; f: number; s: number; pad: 'same' | 'valid'; ties: boolean }[] = [];
  for (const [n, h, w] of [[1, 4, 6], [2, 7, 9], [3, 12, 11]] as const) {
    for (const c of [1, 3, 4, 16, 33]) {
      for (const [f, s] of [[2, 2], [3, 2], [2, 1], [3, 3]] as const) {
        for (const pad of ['same', 'valid'] as const) {
          cases.push({ n, h, w, c, f, s, pad, ties: (n + c + f) % 2 === 0 });
        }
      }
    }
  }
  it.each(cases)('x[$n,$h,$w,$c] pool $f stride $s $pad ties=$ties', async (c) => {
    const x = c.ties ? tiedSpec([c.n, c.h, c.w, c.c], 11) : spec([c.n, c.h, c.w, c.c], 11);
    const y = tf.tidy(() => tf.maxPool(tf.zeros([c.n, c.h, c.w, c.c]) as tf.Tensor4D, c.f, c.s, c.pad));
    const dyShape = y.shape;
    y.dispose();
    const err = await compareBackends([x, spec(dyShape, 12)], (xx, dy) => {
      const out = tf.maxPool(xx as tf.Tensor4D, c.f, c.s, c.pad);
      return tf.engine().runKernel('MaxPoolGrad', { dy: dy!, input: xx!, output: out },
        { filterSize: c.f, strides: c.s, pad: c.pad }) as tf.Tensor;
    });
    expect(err).toBeLessThanOrEqual(1e-6); // routing only: exact
  });

  it('routes like cpu around NaN and -Infinity inputs (2x2 fast path and generic path)', async () => {
    const x = spec([2, 6, 7, 6], 17);
    const specials = [NaN, -Infinity, Infinity, 0, -0];
    for (let i = 0; i < x.data.length; i += 3) x.data[i] = specials[(i / 3) % specials.length]!;
    for (const [f, s, pad] of [[2, 2, 'valid'], [2, 2, 'same'], [3, 2, 'same']] as const) {
      const y = tf.tidy(() => tf.maxPool(tf.zeros(x.shape as [number, number, number, number]) as tf.Tensor4D, f, s, pad));
      const dyShape = y.shape;
      y.dispose();
      const err = await compareBackends([x, spec(dyShape, 18)], (xx, dy) => {
        const out = tf.maxPool(xx as tf.Tensor4D, f, s, pad);
        return tf.engine().runKernel('MaxPoolGrad', { dy: dy!, input: xx!, output: out },
          { filterSize: f, strides: s, pad }) as tf.Tensor;
      });
      expect(err, `pool ${f} stride ${s} ${pad}`).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('Sum on wasm matches cpu', () => {
  beforeAll(backendsReady);
  const cases: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [32, 64, 47, 16], axis: [0, 1, 2], keepDims: false },
    { shape: [5, 7, 3, 33], axis: [0, 1, 2], keepDims: true },
    { shape: [32, 128], axis: [0], keepDims: false },
    { shape: [1000, 3], axis: [0], keepDims: false },
    { shape: [4, 5, 6], axis: [1, 0], keepDims: false },
    { shape: [4, 5, 6], axis: [2], keepDims: false }, // not leading: stock kernel
    { shape: [4, 5, 6], axis: [0, 2], keepDims: true }, // not leading: stock kernel
    { shape: [7, 9], axis: [0, 1], keepDims: false }, // all axes: stock kernel
  ];
  it.each(cases)('shape $shape axis $axis keepDims $keepDims', async (c) => {
    const err = await compareBackends([spec(c.shape, 13)], (x) => tf.sum(x!, c.axis, c.keepDims));
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('BatchMatMul on wasm matches cpu', () => {
  beforeAll(backendsReady);
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
  for (const [m, k, n] of [[32, 5632, 128], [7, 5, 3], [1, 9, 1], [33, 17, 8]] as const) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        cases.push({ a: ta ? [k, m] : [m, k], b: tb ? [n, k] : [k, n], ta, tb });
      }
    }
  }
  cases.push({ a: [1, 6, 4], b: [1, 6, 5], ta: true, tb: false }); // rank 3, batch 1
  cases.push({ a: [3, 6, 4], b: [3, 4, 5], ta: false, tb: false }); // batched: stock
  cases.push({ a: [2, 4, 6], b: [2, 5, 4], ta: true, tb: true }); // batched: stock
  it.each(cases)('a$a b$b transposeA=$ta transposeB=$tb', async (c) => {
    const err = await compareBackends([spec(c.a, 14), spec(c.b, 15)],
      (a, b) => tf.matMul(a!, b!, c.ta, c.tb));
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('elementwise kernels on wasm match cpu', () => {
  beforeAll(backendsReady);
  const special = (shape: number[], seed: number): TensorSpec => {
    const s = spec(shape, seed);
    s.data[0] = NaN; s.data[1] = 0; s.data[2] = -0; s.data[3] = -Infinity; s.data[4] = Infinity;
    return s;
  };
  const sameOrBothNaN = async (fn: (...t: tf.Tensor[]) => tf.Tensor, inputs: TensorSpec[]) => {
    const { runOn } = await import('./kernel_harness.ts');
    const [r] = await runOn('cpu', inputs, fn);
    const [g] = await runOn('wasm', inputs, fn);
    expect(g!.shape).toEqual(r!.shape);
    // Exact equality, NaN equal to NaN, +0 equal to -0.
    const canon = (d: Float32Array) => Array.from(d, (v) => String(v === 0 ? 0 : v));
    expect(canon(g!.data)).toEqual(canon(r!.data));
  };

  it.each([[7], [4, 5, 3], [2, 3, 5, 17]])('Relu and Step (alpha 0 and 0.25) incl. NaN/±0/±Inf, shape %j', async (...shape) => {
    const x = special(shape, 21);
    await sameOrBothNaN((t) => tf.relu(t!), [x]);
    await sameOrBothNaN((t) => tf.step(t!), [x]);
    await sameOrBothNaN((t) => tf.step(t!, 0.25), [x]);
  });

  it.each([[[6, 5, 7, 16], [16]], [[3, 33], [33]], [[33], [2, 33]], [[4, 3], [4, 3]], [[4, 3], [1]], [[2, 1, 3], [2, 5, 1]]])(
    'Add %j + %j (bias broadcast fast path and stock cases)', async (a, b) => {
      const err = await compareBackends([spec(a, 22), spec(b, 23)], (p, q) => tf.add(p!, q!));
      expect(err).toBe(0);
    });

  it('Identity and same-dtype Cast share data without changing it; other casts convert', async () => {
    const err = await compareBackends([spec([3, 4, 5], 24)], (x) => [
      tf.clone(x!), tf.cast(x!, 'float32'), tf.cast(tf.cast(tf.mul(x!, 10), 'int32'), 'float32'),
      tf.cast(tf.greater(x!, 0), 'float32'),
    ]);
    expect(err).toBe(0);
    const { runOn } = await import('./kernel_harness.ts');
    // Disposing a clone must leave the original readable (refcounted sharing).
    const [out] = await runOn('wasm', [spec([10], 25)], (x) => {
      const c = tf.clone(x!);
      c.dispose();
      const d = tf.cast(x!, 'float32');
      d.dispose();
      return tf.add(x!, 0);
    });
    expect(Array.from(out!.data)).toEqual(Array.from(spec([10], 25).data));
  });
});

describe('ReLU gradient (one-pass SerReluGrad on wasm, original formula elsewhere)', () => {
  beforeAll(backendsReady);

  it.each([[7], [4, 5, 3], [2, 9, 11, 16]])('shape %j, incl. NaN/±0/±Inf inputs, matches cpu exactly', async (...shape) => {
    const x = spec(shape, 51);
    x.data[0] = NaN; x.data[1] = 0; x.data[2] = -0; x.data[3] = -Infinity; x.data[4] = Infinity;
    const { runOn } = await import('./kernel_harness.ts');
    const fn = (t: tf.Tensor, r: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.relu(u), r)))(t);
    const [ref] = await runOn('cpu', [x, spec(shape, 52)], (t, r) => fn(t!, r!));
    const [got] = await runOn('wasm', [x, spec(shape, 52)], (t, r) => fn(t!, r!));
    const canon = (d: Float32Array) => Array.from(d, (v) => String(v === 0 ? 0 : v));
    expect(canon(got!.data)).toEqual(canon(ref!.data));
  });

  it('is the kernel the wasm backend runs for ReLU gradients', async () => {
    tf.setBackend('wasm');
    const x = spec([3, 4], 53);
    const profile = await tf.profile(() => {
      const t = tf.tensor(x.data, x.shape);
      tf.grad((u: tf.Tensor) => tf.sum(tf.relu(u)))(t);
    });
    expect(profile.kernelNames).toContain('SerReluGrad');
    expect(profile.kernelNames).not.toContain('Step');
  });
});
