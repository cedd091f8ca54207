// Sum for the wasm backend when the reduced axes are the leading ones (bias gradients:
// [N, H, W, C] -> [C]): one SIMD column-sum pass instead of the stock kernel's transpose
// to put the reduced axes last followed by a row reduction. Other sums: the stock kernel.
import { backend_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { runStockKernel } from './stock.ts';

type Args = {
  inputs: { x: TensorInfo }; backend: BackendWasm;
  attrs: { axis: number | number[]; keepDims: boolean };
};

export function sum(args: Args): TensorInfo {
  const { inputs: { x }, backend, attrs: { axis, keepDims } } = args;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading) return runStockKernel('Sum', args);
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const kept = x.shape.slice(axes.length);
  const cols = util.sizeFromShape(kept);
  const outShape = keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept;
  const out = allocF32(backend, outShape);
  simdKernels(backend).columnSum(byteOffset(backend, x), byteOffset(backend, out), rows, cols);
  return out;
}

export const sumConfig: KernelConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
