// When to use the sparse (scatter) convolution-gradient kernels instead of the dense ones.
// Behind MaxPool 2x2 + ReLU a conv's output gradient is ≤ 25 % nonzero; a scattered
// multiply-add costs about 2x a dense one in registers, so sparse pays below ~50 %.
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';

let threshold = 0.4;

/** Fraction of nonzero dy below which the sparse kernels run (0 disables them). */
export function setSparseGradThreshold(fraction: number): void {
  threshold = fraction;
}

/**
 * Whether to run a sparse kernel for `dy`. `rowFloats` (fw·Ci) is the vector length the
 * sparse kernels work on; below 16 floats their per-entry overhead dominates.
 */
export function useSparse(backend: BackendWasm, dy: TensorInfo, rowFloats: number): boolean {
  if (threshold <= 0 || rowFloats < 16) return false;
  const size = dy.shape.reduce((a, b) => a * b, 1);
  if (size === 0) return false;
  const nonzero = simdKernels(backend).countNonzero(byteOffset(backend, dy), size);
  return nonzero < threshold * size;
}
