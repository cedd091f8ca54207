// Training ops that let our wasm kernels do more per pass. tfjs does not fuse bias and
// activation into a convolution while it records gradients (fused.conv2d falls back to
// conv2d + add + relu, three passes over the activation and two extra tensors); this op
// runs FusedConv2D (our Winograd/direct kernel adds bias and ReLU in place) and gives it
// the gradient tfjs's own fused op would have, with ReLU's derivative taken from the
// output (y > 0 exactly where the pre-activation is > 0). On other backends it is plain
// tf.fused.conv2d.
import * as tf from '@tensorflow/tfjs';
import type { GradSaveFunc, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { RELU_GRAD } from './relu_grad.ts';

export interface ConvBiasReluOptions {
  strides?: number | [number, number];
  pad: 'same' | 'valid';
  /**
   * Whether a gradient for x is needed. false for a network's first layer: tfjs computes
   * every input's gradient of a custom op eagerly, and the first layer's (one input
   * channel) would be the most expensive gradient of the step, for nothing.
   */
  inputGradient?: boolean;
}

/** relu(conv2d(x, filter) + bias), NHWC, dilation 1. */
export function convBiasRelu(x: Tensor4D, filter: Tensor4D, bias: Tensor1D, opts: ConvBiasReluOptions): Tensor4D {
  const strides = opts.strides ?? 1;
  const pad = opts.pad;
  if (tf.getBackend() !== 'wasm' || tf.getKernel(RELU_GRAD, 'wasm') == null) {
    return tf.fused.conv2d({ x, filter, bias, strides, pad, activation: 'relu' });
  }
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
  const forward = (xx: Tensor4D, f: Tensor4D, b: Tensor1D): Tensor4D =>
    tf.engine().runKernel('FusedConv2D', { x: xx, filter: f, bias: b }, attrs) as Tensor4D;
  const gradients = (dy: Tensor4D, xx: Tensor4D, f: Tensor4D, y: Tensor4D) => {
    const dyAct = tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as Tensor4D;
    const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: xx, dy: dyAct },
      { strides, pad, dataFormat: 'NHWC', filterShape: f.shape }) as Tensor4D;
    const db = tf.sum(dyAct, [0, 1, 2]) as Tensor1D;
    const dx = opts.inputGradient === false ? null : tf.engine().runKernel('Conv2DBackpropInput',
      { dy: dyAct, filter: f }, { strides, pad, dataFormat: 'NHWC', inputShape: xx.shape }) as Tensor4D;
    return { dx, dW, db };
  };
  if (opts.inputGradient === false) {
    // x is not an input of the custom op, so no gradient is computed for it.
    const op = tf.customGrad((...args: Array<Tensor | GradSaveFunc>) => {
      const [f, b, save] = args as [Tensor4D, Tensor1D, GradSaveFunc];
      const y = forward(x, f, b);
      save([f, y]);
      return {
        value: y,
        gradFunc: (dy: Tensor4D, saved: Tensor[]) => {
          const { dW, db } = gradients(dy, x, saved[0] as Tensor4D, saved[1] as Tensor4D);
          return [dW, db];
        },
      };
    });
    return op(filter, bias) as Tensor4D;
  }
  const op = tf.customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const [xx, f, b, save] = args as [Tensor4D, Tensor4D, Tensor1D, GradSaveFunc];
    const y = forward(xx, f, b);
    save([xx, f, y]);
    return {
      value: y,
      gradFunc: (dy: Tensor4D, saved: Tensor[]) => {
        const { dx, dW, db } = gradients(dy, saved[0] as Tensor4D, saved[1] as Tensor4D, saved[2] as Tensor4D);
        return [dx!, dW, db];
      },
    };
  });
  return op(x, filter, bias) as Tensor4D;
}
