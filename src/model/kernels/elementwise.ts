// Cheap elementwise kernels for the wasm backend, where the stock ones cost more than
// they should in a training step:
// - Identity / same-dtype Cast: share the data (refcount) instead of copying it. The
//   engine clones every tensor it saves for the backward pass (Identity), and ReLU's
//   gradient casts a float32 step mask to float32. Tensors are immutable, so sharing is
//   safe (the cpu backend and the wasm Reshape do the same).
// - Add of a bias vector along the last axis (every Conv2D/Dense bias in training, where
//   tfjs does not fuse), Relu and Step: single SIMD passes.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { runStockKernel } from './stock.ts';

function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

type Backend = { backend: BackendWasm };

function identity(args: { inputs: { x: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { x }, backend } = args;
  return x.dtype === 'string' ? runStockKernel('Identity', args) : share(backend, x);
}

function cast(args: { inputs: { x: TensorInfo }; attrs: { dtype: string } } & Backend): TensorInfo {
  const { inputs: { x }, attrs: { dtype }, backend } = args;
  return dtype === x.dtype && dtype !== 'string' ? share(backend, x) : runStockKernel('Cast', args);
}

function add(args: { inputs: { a: TensorInfo; b: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { a, b }, backend } = args;
  if (a.dtype === 'float32' && b.dtype === 'float32') {
    // x [.., C] + bias [C] (either order).
    const [x, bias] = b.shape.length === 1 && a.shape.length > 1 ? [a, b] : [b, a];
    const c = x.shape[x.shape.length - 1];
    if (bias.shape.length === 1 && x.shape.length > 1 && bias.shape[0] === c && c > 0) {
      const size = x.shape.reduce((p, q) => p * q, 1);
      const out = allocF32(backend, x.shape);
      simdKernels(backend).biasAdd(byteOffset(backend, x), byteOffset(backend, bias),
        byteOffset(backend, out), size / c, c);
      return out;
    }
  }
  return runStockKernel('Add', args);
}

function relu(args: { inputs: { x: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype !== 'float32') return runStockKernel('Relu', args);
  const out = allocF32(backend, x.shape);
  simdKernels(backend).relu(byteOffset(backend, x), byteOffset(backend, out), sizeOf(x));
  return out;
}

function step(args: { inputs: { x: TensorInfo }; attrs: { alpha: number } } & Backend): TensorInfo {
  const { inputs: { x }, attrs: { alpha }, backend } = args;
  if (x.dtype !== 'float32') return runStockKernel('Step', args);
  const out = allocF32(backend, x.shape);
  simdKernels(backend).step(byteOffset(backend, x), byteOffset(backend, out), sizeOf(x), alpha);
  return out;
}

function sizeOf(t: TensorInfo): number {
  return t.shape.reduce((p, q) => p * q, 1);
}

const config = (kernelName: string, kernelFunc: unknown): KernelConfig =>
  ({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as KernelFunc });

export const elementwiseConfigs: KernelConfig[] = [
  config('Identity', identity),
  config('Cast', cast),
  config('Add', add),
  config('Relu', relu),
  config('Step', step),
];
