// BatchMatMul for the wasm backend: the stock kernel sends only untransposed, unbatched
// products to XNNPACK and computes transposed ones (every Dense-layer gradient) in a
// scalar loop ~14x slower. We transpose the operand(s) into scratch tensors with a cheap
// blocked copy and always take the XNNPACK path. Batched products: the stock kernel.
import { broadcast_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, dispose, f32Offset, heapF32, matMulInto } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { runStockKernel } from './stock.ts';

type Args = {
  inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm;
  attrs: { transposeA: boolean; transposeB: boolean };
};

export function batchMatMul(args: Args): TensorInfo {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || batchA !== 1 || batchB !== 1) {
    return runStockKernel('BatchMatMul', args);
  }
  const [aRows, aCols] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [bRows, bCols] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [k2, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== k2) {
    throw new Error(`matMul (wasm): inner shapes ${k} and ${k2} of tensors with shapes ` +
      `${a.shape} and ${b.shape} (transposeA=${transposeA}, transposeB=${transposeB}) differ`);
  }
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = allocF32(backend, [...outer, m, n]);
  if (m * n === 0) return out;
  if (k === 0) {
    heapF32(backend).fill(0, f32Offset(backend, out), f32Offset(backend, out) + m * n);
    return out;
  }
  const k_ = simdKernels(backend);
  const scratch: TensorInfo[] = [];
  let a2 = a;
  let b2 = b;
  if (transposeA) {
    a2 = allocF32(backend, [m, k]);
    scratch.push(a2);
    k_.transpose2d(byteOffset(backend, a), byteOffset(backend, a2), aRows, aCols);
  }
  if (transposeB) {
    b2 = allocF32(backend, [k, n]);
    scratch.push(b2);
    k_.transpose2d(byteOffset(backend, b), byteOffset(backend, b2), bRows, bCols);
  }
  matMulInto(backend, a2, b2, out, m, k, n);
  dispose(backend, ...scratch);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
