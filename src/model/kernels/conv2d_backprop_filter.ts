// Conv2DBackpropFilter for the wasm backend (which has none).
//
// dW[fh·fw·Ci x Co] = colsT[fh·fw·Ci x N·Ho·Wo] · dy[N·Ho·Wo x Co]
//
// dy in NHWC already IS the [N·Ho·Wo x Co] operand; colsT is an im2col written directly in
// the transposed layout so that the product is one plain (non-transposed) matMul, the only
// layout the backend sends to XNNPACK's fast GEMM (transposed operands take a scalar loop
// that is ~14x slower). The result rows come out in [fh, fw, Ci] order = the filter layout.
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, dispose, f32Offset, heapF32, matMulInto } from './wasm_heap.ts';
import { im2colTransposed } from './im2col.ts';

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
  const rows = info.filterHeight * info.filterWidth * inChannels;
  const cols = batchSize * outHeight * outWidth;
  const dW = allocF32(backend, filterShape);
  if (cols === 0) {
    heapF32(backend).fill(0, f32Offset(backend, dW), f32Offset(backend, dW) + rows * outChannels);
    return dW;
  }
  const colsT = allocF32(backend, [rows, cols]);
  im2colTransposed(backend, x, colsT, {
    batch: batchSize, inH: inHeight, inW: inWidth, inC: inChannels,
    outH: outHeight, outW: outWidth, fh: info.filterHeight, fw: info.filterWidth,
    strideH: info.strideHeight, strideW: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  });
  matMulInto(backend, colsT, dy, dW, rows, cols, outChannels);
  dispose(backend, colsT);
  return dW;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
