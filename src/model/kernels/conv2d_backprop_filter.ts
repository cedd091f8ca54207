// Conv2DBackpropFilter for the wasm backend (which has none).
//
// Default: our SIMD kernel (simd/kernels.as.ts convFilterGrad) accumulates
// dW[kh,kw,i,o] = Σ_pixels xpad[pixel shifted by the tap, i] · dy[pixel, o] directly from a
// zero-padded copy of x — an implicit im2col, blocked by output row so the working set
// stays in L1, with 4x8 register tiles. When dy is mostly zeros (behind MaxPool + ReLU)
// a scatter kernel does only the nonzero dy's multiply-adds instead (see sparsity.ts).
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, byteOffset, dispose } from './wasm_heap.ts';
import { simdKernels } from './simd/module.ts';
import { useSparse } from './sparsity.ts';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Attrs;
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter (wasm): only NHWC is supported, got ${dataFormat}`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter (wasm): float32 only, got ${x.dtype}/${dy.dtype}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad,
    dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`Conv2DBackpropFilter (wasm): dy shape ${dy.shape} does not match the ` +
      `convolution output [${batchSize},${outHeight},${outWidth},${outChannels}]`);
  }
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const dW = allocF32(backend, filterShape);
  // x zero-padded so that every tap of every output pixel lies inside it.
  const hp = (outHeight - 1) * sh + fh;
  const wp = (outWidth - 1) * sw + fw;
  const xp = allocF32(backend, [batchSize, Math.max(hp, 0), Math.max(wp, 0), inChannels]);
  const k = simdKernels(backend);
  if (outHeight > 0 && outWidth > 0) {
    k.padCopy(byteOffset(backend, x), byteOffset(backend, xp), batchSize, inHeight, inWidth,
      inChannels, hp, wp, info.padInfo.top, info.padInfo.left);
  }
  if (useSparse(backend, dy, fw * inChannels)) {
    // Accumulate the nonzero dy into dW laid out [Co, fh, fw, Ci], then transpose. Chunks
    // of ~512 output pixels keep the x rows they touch in cache.
    const chunkRows = Math.max(1, Math.floor(512 / outWidth));
    const scratchBytes = (outChannels + 1) * 4 + (chunkRows * outWidth + 1) * outChannels * 8;
    const dWt = allocF32(backend, [outChannels, fh * fw * inChannels]);
    const scratch = allocF32(backend, [Math.ceil(scratchBytes / 4)]);
    k.convFilterGradSparse(byteOffset(backend, xp), byteOffset(backend, dy), byteOffset(backend, dWt),
      batchSize, outHeight, outWidth, hp, wp, inChannels, outChannels, fh, fw, sh, sw,
      chunkRows, byteOffset(backend, scratch));
    k.transpose2d(byteOffset(backend, dWt), byteOffset(backend, dW), outChannels, fh * fw * inChannels);
    dispose(backend, dWt, scratch);
  } else {
    k.convFilterGrad(byteOffset(backend, xp), byteOffset(backend, dy), byteOffset(backend, dW),
      batchSize, outHeight, outWidth, hp, wp, inChannels, outChannels, fh, fw, sh, sw);
  }
  dispose(backend, xp);
  return dW;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
