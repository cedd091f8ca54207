import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { convBiasRelu } from '../../src/model/kernels/ops.ts';
import { backendsReady, compareBackends, spec } from './kernel_harness.ts';

describe('convBiasRelu (FusedConv2D forward + fused gradient on wasm) matches tf.fused.conv2d on cpu', () => {
  beforeAll(backendsReady);
  const cases = [
    { n: 2, h: 12, w: 17, ci: 1, co: 16, s: 1, pad: 'same' as const, inputGradient: false },
    { n: 2, h: 10, w: 9, ci: 8, co: 16, s: 1, pad: 'same' as const, inputGradient: true },
    { n: 3, h: 8, w: 11, ci: 16, co: 8, s: 1, pad: 'valid' as const, inputGradient: true },
    { n: 2, h: 9, w: 9, ci: 4, co: 8, s: 2, pad: 'same' as const, inputGradient: true },
  ];
  it.each(cases)('x[$n,$h,$w,$ci] co=$co stride $s $pad inputGradient=$inputGradient', async (c) => {
    const oh = c.pad === 'same' ? Math.ceil(c.h / c.s) : Math.ceil((c.h - 2) / c.s);
    const ow = c.pad === 'same' ? Math.ceil(c.w / c.s) : Math.ceil((c.w - 2) / c.s);
    const err = await compareBackends(
      [spec([c.n, c.h, c.w, c.ci], 61), spec([3, 3, c.ci, c.co], 62), spec([c.co], 63), spec([c.n, oh, ow, c.co], 64)],
      (x, f, b, r) => {
        const f4 = f as tf.Tensor4D;
        const op = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(
          convBiasRelu(xx as tf.Tensor4D, ff as tf.Tensor4D, bb as tf.Tensor1D,
            { strides: c.s, pad: c.pad, inputGradient: c.inputGradient }), r!));
        const y = convBiasRelu(x as tf.Tensor4D, f4, b as tf.Tensor1D, { strides: c.s, pad: c.pad });
        const grads = c.inputGradient
          ? tf.grads((xx, ff, bb) => op(xx!, ff!, bb!))([x!, f!, b!])
          : tf.grads((ff, bb) => op(x!, ff!, bb!))([f!, b!]);
        return [y, ...grads];
      });
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('skips the input gradient when asked (no Conv2DBackpropInput runs)', async () => {
    tf.setBackend('wasm');
    const prof = await tf.profile(() => {
      const x = tf.tensor4d(spec([2, 8, 8, 1], 65).data, [2, 8, 8, 1]);
      const f = tf.tensor4d(spec([3, 3, 1, 8], 66).data, [3, 3, 1, 8]);
      const b = tf.tensor1d(spec([8], 67).data);
      tf.grads((ff, bb) => tf.sum(convBiasRelu(x, ff as tf.Tensor4D, bb as tf.Tensor1D, { pad: 'same', inputGradient: false })))([f, b]);
    });
    expect(prof.kernelNames).toContain('FusedConv2D');
    expect(prof.kernelNames).toContain('Conv2DBackpropFilter');
    expect(prof.kernelNames).not.toContain('Conv2DBackpropInput');
    expect(prof.kernelNames).not.toContain('Relu');
  });
});
