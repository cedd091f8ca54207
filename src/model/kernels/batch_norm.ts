// Training-mode BatchNorm on wasm in fused SIMD passes. Built from stock tfjs ops, one
// synchronized BN layer costs a mean and a sum over [N, H, W] (the stock Mean transposes
// to reduce), several elementwise passes each with its own temporary tensor, and in the
// backward pass two more sums and five elementwise passes. Here:
//   forward:  SerBatchNormMoments — this shard's per-channel mean and M2 (float64), one
//             pass; SerBatchNormNormalize — xhat and xhat·γ + β, one pass (optionally
//             with the ReLU that follows BN: max(·, 0));
//   backward: SerBatchNormGradSums — Σdy and Σ(dy·xhat) (float64), one pass;
//             SerBatchNormGradInput — dx = a·dy + b + e·xhat, one pass (with a fused
//             ReLU, both take dy where its output y > 0: its gradient, no extra pass).
// Channels are the contiguous last axis (one SIMD lane per channel, scalar tail for any C).
// The float64 results travel in float32 tensors of 2·(2C) slots (bit-for-bit, read back
// with float64View): the module has no memory of its own, so every output is a tensor.
// The whole-batch combination (the Exchange between replicas) stays in forward.ts.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';

export const BN_MOMENTS = 'SerBatchNormMoments';
export const BN_NORMALIZE = 'SerBatchNormNormalize';
export const BN_GRAD_SUMS = 'SerBatchNormGradSums';
export const BN_GRAD_INPUT = 'SerBatchNormGradInput';

type Backend = { backend: BackendWasm };

/** rows x channels of an NHWC (or any channels-last) float32 tensor. */
function geometry(name: string, x: TensorInfo): { rows: number; c: number } {
  if (x.dtype !== 'float32') throw new Error(`${name}: expected float32, got ${x.dtype}`);
  const c = x.shape[x.shape.length - 1]!;
  const size = x.shape.reduce((a, b) => a * b, 1);
  if (!(c > 0) || size === 0) throw new Error(`${name}: empty tensor of shape [${x.shape}]`);
  return { rows: size / c, c };
}

function sameShape(name: string, a: TensorInfo, b: TensorInfo): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`${name}: shapes [${a.shape}] and [${b.shape}] differ`);
}

function vectorOf(name: string, what: string, v: TensorInfo, len: number): void {
  if (v.dtype !== 'float32' || v.shape.length !== 1 || v.shape[0] !== len) {
    throw new Error(`${name}: ${what} must be float32 [${len}], got ${v.dtype} [${v.shape}]`);
  }
}

function moments(args: { inputs: { x: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { x }, backend } = args;
  const { rows, c } = geometry(BN_MOMENTS, x);
  const out = allocF32(backend, [4 * c]);
  simdKernels(backend).bnMoments(byteOffset(backend, x), byteOffset(backend, out), rows, c);
  return out;
}

type Relu = { attrs: { relu: boolean } };

function normalize(
  args: { inputs: { x: TensorInfo; mean: TensorInfo; invStd: TensorInfo; gamma: TensorInfo; beta: TensorInfo } } & Backend & Relu,
): TensorInfo[] {
  const { inputs: { x, mean, invStd, gamma, beta }, backend, attrs: { relu } } = args;
  const { rows, c } = geometry(BN_NORMALIZE, x);
  for (const [what, v] of [['mean', mean], ['invStd', invStd], ['gamma', gamma], ['beta', beta]] as const) {
    vectorOf(BN_NORMALIZE, what, v, c);
  }
  const xhat = allocF32(backend, x.shape);
  const out = allocF32(backend, x.shape);
  const at = (t: TensorInfo) => byteOffset(backend, t);
  simdKernels(backend).bnNormalize(at(x), at(mean), at(invStd), at(gamma), at(beta), at(xhat), at(out), rows, c, relu ? 1 : 0);
  return [xhat, out];
}

/** y: the fused ReLU's output (its gradient masks dy), or none. */
function reluOutput(name: string, dy: TensorInfo, y: TensorInfo | undefined, backend: BackendWasm): number {
  if (y == null) return 0;
  sameShape(name, dy, y);
  return byteOffset(backend, y);
}

function gradSums(args: { inputs: { dy: TensorInfo; xhat: TensorInfo; y?: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { dy, xhat, y }, backend } = args;
  sameShape(BN_GRAD_SUMS, dy, xhat);
  const { rows, c } = geometry(BN_GRAD_SUMS, dy);
  const yAt = reluOutput(BN_GRAD_SUMS, dy, y, backend);
  const out = allocF32(backend, [4 * c]);
  simdKernels(backend).bnGradSums(byteOffset(backend, dy), byteOffset(backend, xhat), yAt, byteOffset(backend, out),
    rows, c, y == null ? 0 : 1);
  return out;
}

function gradInput(args: { inputs: { dy: TensorInfo; xhat: TensorInfo; coef: TensorInfo; y?: TensorInfo } } & Backend): TensorInfo {
  const { inputs: { dy, xhat, coef, y }, backend } = args;
  sameShape(BN_GRAD_INPUT, dy, xhat);
  const { rows, c } = geometry(BN_GRAD_INPUT, dy);
  vectorOf(BN_GRAD_INPUT, 'coef', coef, 3 * c);
  const yAt = reluOutput(BN_GRAD_INPUT, dy, y, backend);
  const dx = allocF32(backend, dy.shape);
  simdKernels(backend).bnGradInput(byteOffset(backend, dy), byteOffset(backend, xhat), yAt, byteOffset(backend, coef),
    byteOffset(backend, dx), rows, c, y == null ? 0 : 1);
  return dx;
}

const config = (kernelName: string, kernelFunc: unknown): KernelConfig =>
  ({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as KernelFunc });

export const batchNormConfigs: KernelConfig[] = [
  config(BN_MOMENTS, moments),
  config(BN_NORMALIZE, normalize),
  config(BN_GRAD_SUMS, gradSums),
  config(BN_GRAD_INPUT, gradInput),
];

/** Whether the fused passes can run: the wasm backend is active with our BN kernels registered. */
export function fusedBatchNormAvailable(): boolean {
  return tf.getBackend() === 'wasm' && batchNormConfigs.every((k) => tf.getKernel(k.kernelName, 'wasm') != null);
}

/** The float64 values a kernel wrote into a float32 tensor (2 slots per value). */
function float64View(t: Tensor): Float64Array {
  const f32 = t.dataSync() as Float32Array;
  return new Float64Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength));
}

/** This shard's per-channel mean and M2 (sum of squared deviations from its mean). */
export function batchNormMoments(x: Tensor): { mean: Float64Array; m2: Float64Array } {
  const out = tf.engine().runKernel(BN_MOMENTS, { x }) as Tensor;
  const both = float64View(out);
  out.dispose();
  const c = x.shape[x.shape.length - 1]!;
  return { mean: both.subarray(0, c), m2: both.subarray(c, 2 * c) };
}

/**
 * xhat = (x − mean)·invStd and y = xhat·γ + β (all vectors [C], float32 tensors); relu:
 * y = max(xhat·γ + β, 0), the ReLU that follows BatchNorm in the same pass.
 */
export function batchNormNormalize(
  x: Tensor, mean: Tensor, invStd: Tensor, gamma: Tensor, beta: Tensor, relu = false,
): { xhat: Tensor; y: Tensor } {
  const [xhat, y] = tf.engine().runKernel(BN_NORMALIZE, { x, mean, invStd, gamma, beta }, { relu }) as unknown as Tensor[];
  return { xhat: xhat!, y: y! };
}

/**
 * This shard's [Σdy[C], Σ(dy·xhat)[C]] in float64 (the exchange's backward layout). With
 * `reluOut` (the output of a fused ReLU) dy is the ReLU's output gradient, masked to y > 0.
 */
export function batchNormGradSums(dy: Tensor, xhat: Tensor, reluOut?: Tensor): Float64Array {
  const out = tf.engine().runKernel(BN_GRAD_SUMS, reluOut == null ? { dy, xhat } : { dy, xhat, y: reluOut }) as Tensor;
  const sums = float64View(out);
  out.dispose();
  return sums;
}

/**
 * dx = γ·invStd/M · (M·dy − Σdy − xhat·Σ(dy·xhat)) with the whole batch's sums `total`
 * ([Σdy[C], Σ(dy·xhat)[C]]) over its `count` = M values per channel; the per-channel
 * coefficients are computed in float64.
 */
export function batchNormGradInput(
  dy: Tensor, xhat: Tensor, gamma: Float32Array, invStd: Float32Array, total: Float64Array, count: number,
  reluOut?: Tensor,
): Tensor {
  const c = gamma.length;
  const coef = new Float32Array(3 * c);
  for (let j = 0; j < c; j++) {
    const a = gamma[j]! * invStd[j]!;
    coef[j] = a;
    coef[c + j] = -a * total[j]! / count;
    coef[2 * c + j] = -a * total[c + j]! / count;
  }
  const coefT = tf.tensor1d(coef);
  const dx = tf.engine().runKernel(BN_GRAD_INPUT,
    reluOut == null ? { dy, xhat, coef: coefT } : { dy, xhat, coef: coefT, y: reluOut }) as Tensor;
  coefT.dispose();
  return dx;
}
