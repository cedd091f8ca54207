// Conv2D and FusedConv2D for the wasm backend, on our SIMD kernels (simd/kernels.as.ts):
// - stride-1 3x3 convolutions with ≥ 8 input channels (layers 2-4 of the default CNN) by
//   Winograd F(2x2, 3x3): 16 multiplies per 2x2 outputs and channel pair instead of 36
//   (exact in real arithmetic; float32 rounding differs from direct convolution by ~1e-6);
// - convolutions with < 8 input channels (the first layer) by direct register-tiled
//   convolution;
// - everything else by the stock XNNPACK kernel.
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, dispose, f32Offset, heapF32 } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { runStockKernel } from './stock.ts';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type Args = { inputs: { x: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Attrs };

let winogradEnabled = true;
/** For A/B measurements: false sends every Conv2D to the stock XNNPACK kernel. */
export function setWinogradConv(enabled: boolean): void {
  winogradEnabled = enabled;
}

export function conv2d(args: Args): TensorInfo {
  const { backend, inputs: { x, filter }, attrs } = args;
  return winogradConv(backend, x, filter, attrs, null, false) ??
    directConv(backend, x, filter, attrs, null, false) ?? runStockKernel('Conv2D', args);
}

type FusedArgs = {
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: BackendWasm;
  attrs: Attrs & { activation: string; leakyreluAlpha?: number };
};

/**
 * FusedConv2D (conv + bias + activation: inference, convBiasRelu in training, and layers
 * without activation, e.g. before BatchNorm): bias and ReLU applied as outputs are written.
 */
export function fusedConv2d(args: FusedArgs): TensorInfo {
  const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs } = args;
  const co = filter.shape[3]!;
  const simpleBias = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === co);
  if ((attrs.activation !== 'linear' && attrs.activation !== 'relu') || preluActivationWeights != null || !simpleBias) {
    return runStockKernel('FusedConv2D', args);
  }
  const relu = attrs.activation === 'relu';
  return winogradConv(backend, x, filter, attrs, bias ?? null, relu) ??
    directConv(backend, x, filter, attrs, bias ?? null, relu) ?? runStockKernel('FusedConv2D', args);
}

/**
 * Direct convolution on our 4-pixel x 8-channel register tiles for few input channels
 * (the first layer: XNNPACK's GEMM then reduces over only fh·fw·Ci = 9 values and runs
 * at half speed); null when not applicable.
 */
function directConv(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, attrs: Attrs, bias: TensorInfo | null, relu: boolean,
): TensorInfo | null {
  if (!winogradEnabled || attrs.dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return null;
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co,
    outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  if (ci >= 8 || co < 8 || info.dilationHeight !== 1 || info.dilationWidth !== 1 || oh <= 0 || ow <= 0) {
    return null;
  }
  const hp = (oh - 1) * sh + fh;
  const wp = (ow - 1) * sw + fw;
  const out = allocF32(backend, info.outShape);
  const xp = allocF32(backend, [n, hp, wp, ci]);
  const k = simdKernels(backend);
  k.padCopy(byteOffset(backend, x), byteOffset(backend, xp), n, h, w, ci, hp, wp,
    info.padInfo.top, info.padInfo.left);
  k.convDirect(byteOffset(backend, xp), byteOffset(backend, filter), byteOffset(backend, out),
    n, oh, ow, hp, wp, ci, co, fh, fw, sh, sw, bias == null ? 0 : byteOffset(backend, bias), relu ? 1 : 0);
  dispose(backend, xp);
  return out;
}

/** The Winograd convolution, or null when the shape is not one it handles. */
function winogradConv(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, attrs: Attrs, bias: TensorInfo | null, relu: boolean,
): TensorInfo | null {
  if (!winogradEnabled || attrs.dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return null;
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co,
    outHeight: oh, outWidth: ow } = info;
  const suitable = info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    ci >= 8 && ci % 4 === 0 && co % 4 === 0 && oh > 0 && ow > 0;
  if (!suitable) return null;

  const tH = Math.ceil(oh / 2);
  const tW = Math.ceil(ow / 2);
  const [hp, wp] = [2 * tH + 2, 2 * tW + 2];
  // Tiles per block: V and M of a block (16·block·(ci + co) floats) within ~256 KiB (L2).
  const block = Math.max(4, Math.min(n * tH * tW, Math.floor(65536 / (16 * (ci + co)))));
  const out = allocF32(backend, info.outShape);
  const xp = allocF32(backend, [n, hp, wp, ci]);
  const u = allocF32(backend, [16, ci, co]);
  const v = allocF32(backend, [16, block, ci]);
  const m = allocF32(backend, [16, block, co]);
  const k = simdKernels(backend);
  k.padCopy(byteOffset(backend, x), byteOffset(backend, xp), n, h, w, ci, hp, wp,
    info.padInfo.top, info.padInfo.left);
  transformFilter(heapF32(backend), f32Offset(backend, filter), f32Offset(backend, u), ci, co);
  k.winogradConv(byteOffset(backend, xp), byteOffset(backend, u), byteOffset(backend, out),
    byteOffset(backend, v), byteOffset(backend, m), n, oh, ow, ci, co, tH, tW, block,
    bias == null ? 0 : byteOffset(backend, bias), relu ? 1 : 0);
  dispose(backend, xp, u, v, m);
  return out;
}

/** U[e, i, o] = (G g Gᵀ)[e] for the 3x3 filter g = W[:, :, i, o]; e = 4·row + col. */
function transformFilter(heap: Float32Array, w: number, u: number, ci: number, co: number): void {
  const plane = ci * co;
  const g = new Float64Array(9);
  const t = new Float64Array(12);
  for (let i = 0; i < ci; i++) {
    for (let o = 0; o < co; o++) {
      for (let r = 0; r < 9; r++) g[r] = heap[w + r * plane + i * co + o]!;
      // G g: rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2 (each 3 wide).
      for (let c = 0; c < 3; c++) {
        const [a, b, d] = [g[c]!, g[3 + c]!, g[6 + c]!];
        t[c] = a; t[3 + c] = (a + b + d) / 2; t[6 + c] = (a - b + d) / 2; t[9 + c] = d;
      }
      // (G g) Gᵀ: the same along each row.
      for (let r = 0; r < 4; r++) {
        const [a, b, d] = [t[3 * r]!, t[3 * r + 1]!, t[3 * r + 2]!];
        const base = u + (4 * r) * plane + i * co + o;
        heap[base] = a;
        heap[base + plane] = (a + b + d) / 2;
        heap[base + 2 * plane] = (a - b + d) / 2;
        heap[base + 3 * plane] = d;
      }
    }
  }
}

export const conv2dConfig: KernelConfig = {
  kernelName: 'Conv2D',
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};

export const fusedConv2dConfig: KernelConfig = {
  kernelName: 'FusedConv2D',
  backendName: 'wasm',
  kernelFunc: fusedConv2d as unknown as KernelFunc,
};
