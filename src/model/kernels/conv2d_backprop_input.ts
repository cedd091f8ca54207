// Conv2DBackpropInput for the wasm backend as ONE forward convolution (XNNPACK), replacing
// the stock kernel's scalar loop nest (~2 s per training step of the default CNN).
//
// dx = conv(dy', W'), stride 1, where W'[kh, kw, co, ci] = W[fh−1−kh, fw−1−kw, ci, co]
// (rotated 180°, in/out channels swapped) and dy' = dy with stride−1 zeros inserted between
// pixels (only when the forward stride is > 1). Padding fh−1−padTop on top and whatever
// makes the output exactly the input's height at the bottom (same for width).
// When dy is mostly zeros (behind MaxPool + ReLU) a scatter kernel does only the nonzero
// dy's multiply-adds instead (see sparsity.ts).
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, conv2dInto, dispose, f32Offset, heapF32 } from './wasm_heap.ts';
import { runStockKernel } from './stock.ts';
import { simdKernels } from './simd/module.ts';
import { useSparse } from './sparsity.ts';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}
type Args = { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Attrs };

export function conv2dBackpropInput(args: Args): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  if (attrs.dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return runStockKernel('Conv2DBackpropInput', args);
  }
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1,
    attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels,
    filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  // Height/width of dy after zero insertion, and the padding of the equivalent convolution.
  const dh = (outHeight - 1) * sh + 1;
  const dw = (outWidth - 1) * sw + 1;
  const padTop = fh - 1 - info.padInfo.top;
  const padLeft = fw - 1 - info.padInfo.left;
  const padBottom = inHeight + fh - 1 - dh - padTop;
  const padRight = inWidth + fw - 1 - dw - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0 || outHeight === 0 || outWidth === 0) {
    return runStockKernel('Conv2DBackpropInput', args); // padding larger than the filter
  }

  if (useSparse(backend, dy, fw * inChannels)) return sparseInputGrad(backend, dy, filter, attrs.inputShape, info);
  const dx = allocF32(backend, attrs.inputShape);
  const rotated = allocF32(backend, [fh, fw, outChannels, inChannels]);
  const dilated = sh > 1 || sw > 1 ? allocF32(backend, [batchSize, dh, dw, outChannels]) : null;
  const heap = heapF32(backend); // after the allocations: they may grow the memory
  rotateFilter(heap, f32Offset(backend, filter), f32Offset(backend, rotated), fh, fw, inChannels, outChannels);
  if (dilated != null) {
    insertZeros(heap, f32Offset(backend, dy), f32Offset(backend, dilated),
      batchSize, outHeight, outWidth, outChannels, sh, sw);
  }
  conv2dInto(backend, dilated ?? dy, rotated, dx, {
    batch: batchSize, inH: dh, inW: dw, inC: outChannels, outC: inChannels, fh, fw,
    strideH: 1, strideW: 1, padTop, padRight, padBottom, padLeft,
  });
  // Disposing the rotated filter also drops XNNPACK's operator cached on it.
  dispose(backend, rotated, ...(dilated ? [dilated] : []));
  return dx;
}

/**
 * dx by accumulating, per pixel, only its nonzero dy channels: a row of taps of the
 * zero-padded dx gets Σ_o dy[o] · W[kh, :, :, o] (filter laid out [fh, Co, fw, Ci] so that
 * row is contiguous), then the padding is cropped off.
 */
function sparseInputGrad(
  backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, inputShape: number[],
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels,
    filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Padded extent: everything a tap can reach, and all of x.
  const hp = Math.max((outHeight - 1) * sh + fh, inHeight + pt);
  const wp = Math.max((outWidth - 1) * sw + fw, inWidth + pl);
  const row = fw * inChannels;
  const dx = allocF32(backend, inputShape);
  const wr = allocF32(backend, [fh, outChannels, row]);
  const dxp = allocF32(backend, [batchSize, hp, wp, inChannels]);
  const scratch = allocF32(backend, [(outChannels + 1) * 2]);
  const k = simdKernels(backend);
  const [w0, r0] = [byteOffset(backend, filter), byteOffset(backend, wr)];
  for (let kh = 0; kh < fh; kh++) {
    // W[kh] is [fw·Ci, Co]; wr[kh] is its transpose [Co, fw·Ci].
    k.transpose2d(w0 + kh * row * outChannels * 4, r0 + kh * outChannels * row * 4, row, outChannels);
  }
  k.convInputGradSparse(byteOffset(backend, dy), r0, byteOffset(backend, dxp),
    batchSize, outHeight, outWidth, hp, wp, inChannels, outChannels, fh, fw, sh, sw,
    byteOffset(backend, scratch));
  k.cropCopy(byteOffset(backend, dxp), byteOffset(backend, dx), batchSize, inHeight, inWidth,
    inChannels, hp, wp, pt, pl);
  dispose(backend, wr, dxp, scratch);
  return dx;
}

function rotateFilter(
  heap: Float32Array, src: number, dst: number, fh: number, fw: number, ci: number, co: number,
): void {
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const s = src + (kh * fw + kw) * ci * co;
      const d = dst + ((fh - 1 - kh) * fw + (fw - 1 - kw)) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) heap[d + o * ci + i] = heap[s + i * co + o]!;
      }
    }
  }
}

function insertZeros(
  heap: Float32Array, src: number, dst: number, n: number, h: number, w: number, c: number,
  sh: number, sw: number,
): void {
  const dh = (h - 1) * sh + 1;
  const dw = (w - 1) * sw + 1;
  heap.fill(0, dst, dst + n * dh * dw * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = src + ((b * h + y) * w + x) * c;
        heap.copyWithin(dst + ((b * dh + y * sh) * dw + x * sw) * c, s, s + c);
      }
    }
  }
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
