// ReLU's gradient on wasm in one pass. tfjs computes it as mul(dy, cast(step(x))) — three
// kernels and two intermediate tensors the size of the activation, for every conv and
// Dense layer of a training step. We register a kernel SerReluGrad (wasm) and replace
// ReLU's gradient by one that uses it on the wasm backend and delegates to the original
// gradient on every other backend (the registry is global to the realm, not per backend).
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';

export const RELU_GRAD = 'SerReluGrad';

function reluGrad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  if (dy.shape.join() !== x.shape.join()) {
    throw new Error(`${RELU_GRAD}: dy shape ${dy.shape} differs from x shape ${x.shape}`);
  }
  const out = allocF32(backend, x.shape);
  simdKernels(backend).reluGrad(byteOffset(backend, dy), byteOffset(backend, x), byteOffset(backend, out),
    x.shape.reduce((a, b) => a * b, 1));
  return out;
}

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad as unknown as KernelFunc,
};

let installed = false;

/** Replace ReLU's gradient (idempotent); needs reluGradConfig registered for wasm. */
export function installReluGradient(): void {
  if (installed) return;
  const original: GradConfig = tf.getGradient('Relu');
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: original.inputsToSave ?? ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const x = saved[0]!;
      const g = dy as Tensor;
      if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || g.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor };
    },
  });
  installed = true;
}
