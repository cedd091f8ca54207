// BatchMatMul for the wasm backend: the stock kernel sends only untransposed, unbatched
// products to XNNPACK and computes transposed ones (every Dense-layer gradient) in a
// scalar loop ~14x slower. We either run aᵀ·b on our SIMD kernel (the filter-gradient
// kernel as a 1x1 "convolution" over the shared rows), or transpose operand(s) into
// scratch with a cheap blocked copy and take the XNNPACK path. Batched: stock kernel.
import { broadcast_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, dispose, f32Offset, heapF32, matMulInto } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { runStockKernel } from './stock.ts';

/** Below this many output rows, XNNPACK's per-call packing of b dominates its GEMM. */
const XNNPACK_MIN_ROWS = 256;

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
  if (!transposeB && (transposeA || m < XNNPACK_MIN_ROWS)) {
    // out = aᵀ·b summed over the rows of a and b, with our register-tiled kernel: no
    // packing of b (XNNPACK repacks a new b on every call, column by column, which costs
    // more than the product itself when a has few rows, e.g. a Dense layer's batch).
    let aT = a;
    if (!transposeA) {
      aT = allocF32(backend, [k, m]);
      simdKernels(backend).transpose2d(byteOffset(backend, a), byteOffset(backend, aT), m, k);
    }
    simdKernels(backend).convFilterGrad(byteOffset(backend, aT), byteOffset(backend, b),
      byteOffset(backend, out), 1, 1, k, 1, k, m, n, 1, 1, 1, 1);
    if (aT !== a) dispose(backend, aT);
    return out;
  }
  if (transposeA || transposeB) {
    const direct = productCost(m, k, n, transposeA, transposeB);
    const swapped = productCost(n, k, m, !transposeB, !transposeA) + m * n;
    if (swapped < direct) {
      // out = (bᵀ·aᵀ)ᵀ: lets the big operand be XNNPACK's A in its natural layout.
      const outT = allocF32(backend, [n, m]);
      product(backend, b, a, outT, n, k, m, !transposeB, !transposeA);
      simdKernels(backend).transpose2d(byteOffset(backend, outT), byteOffset(backend, out), n, m);
      dispose(backend, outT);
      return out;
    }
  }
  product(backend, a, b, out, m, k, n, transposeA, transposeB);
  return out;
}

/**
 * Work besides the GEMM itself: floats transposed into scratch plus floats of B that
 * XNNPACK packs (it repacks B on every call for a new B tensor).
 */
function productCost(m: number, k: number, n: number, ta: boolean, tb: boolean): number {
  return (ta ? m * k : 0) + (tb ? k * n : 0) + k * n;
}

/** out[m x n] = op(a)·op(b) where op transposes when asked; a is [m x k] or [k x m]. */
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
  matMulInto(backend, a2, b2, out, m, k, n);
  dispose(backend, ...scratch);
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
