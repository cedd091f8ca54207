// BatchMatMul for the wasm backend on our blocked 4x8 register-tile GEMM (simd/), for
// unbatched float32 products. The stock kernel sends only untransposed products to
// XNNPACK — which repacks b column by column on every call, costing more than the product
// for a Dense layer's 32-row batch — and runs transposed ones (every Dense-layer
// gradient) in a scalar loop ~14x slower. We transpose operands into scratch with a
// blocked copy, or compute the transposed product, whichever moves fewer floats.
// Batched products: the stock kernel.
import { broadcast_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, dispose, f32Offset, heapF32 } from './wasm_heap.ts';
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
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
  const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n;
  if (swapped < direct) {
    // out = (op(b)ᵀ · op(a)ᵀ)ᵀ when that moves fewer floats (e.g. a Dense layer's dx).
    const outT = allocF32(backend, [n, m]);
    product(backend, b, a, outT, n, k, m, !transposeB, !transposeA);
    simdKernels(backend).transpose2d(byteOffset(backend, outT), byteOffset(backend, out), n, m);
    dispose(backend, outT);
  } else {
    product(backend, a, b, out, m, k, n, transposeA, transposeB);
  }
  return out;
}

/**
 * out[m x n] = op(a)·op(b) on our GEMM kernel, op transposing (into scratch) when asked:
 * a is [m x k], or [k x m] when ta; b is [k x n], or [n x k] when tb.
 */
function product(
  backend: BackendWasm, a: TensorInfo, b: TensorInfo, out: TensorInfo,
  m: number, k: number, n: number, ta: boolean, tb: boolean,
): void {
  const simd = simdKernels(backend);
  const scratch: TensorInfo[] = [];
  let a2 = a;
  let b2 = b;
  if (ta) {
    a2 = allocF32(backend, [m, k]);
    scratch.push(a2);
    simd.transpose2d(byteOffset(backend, a), byteOffset(backend, a2), k, m);
  }
  if (tb) {
    b2 = allocF32(backend, [k, n]);
    scratch.push(b2);
    simd.transpose2d(byteOffset(backend, b), byteOffset(backend, b2), n, k);
  }
  simd.gemm(byteOffset(backend, a2), byteOffset(backend, b2), byteOffset(backend, out), m, k, n);
  dispose(backend, ...scratch);
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
