// im2col in the transposed layout: one row per filter tap (kh, kw, ci), one column per
// output pixel (n, oh, ow). Written straight into a wasm-heap tensor.
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32Offset, heapF32 } from './wasm_heap.ts';

export interface Im2colGeometry {
  batch: number; inH: number; inW: number; inC: number; outH: number; outW: number;
  fh: number; fw: number; strideH: number; strideW: number; padTop: number; padLeft: number;
}

/** colsT[(kh·fw + kw)·inC + ci][(n·outH + oh)·outW + ow] = x[n, oh·sH − pT + kh, ow·sW − pL + kw, ci] (0 outside). */
export function im2colTransposed(
  backend: BackendWasm, x: TensorInfo, colsT: TensorInfo, g: Im2colGeometry,
): void {
  const heap = heapF32(backend);
  const xo = f32Offset(backend, x);
  const co = f32Offset(backend, colsT);
  const { batch, inH, inW, inC, outH, outW, fh, fw, strideH, strideW, padTop, padLeft } = g;
  const cols = batch * outH * outW;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      // Output columns whose input column iw = ow·sW − pL + kw lies inside [0, inW).
      const owLo = Math.max(0, Math.ceil((padLeft - kw) / strideW));
      const owHi = Math.min(outW, Math.floor((inW - 1 + padLeft - kw) / strideW) + 1);
      for (let ci = 0; ci < inC; ci++) {
        const rowBase = co + ((kh * fw + kw) * inC + ci) * cols;
        for (let n = 0; n < batch; n++) {
          for (let oh = 0; oh < outH; oh++) {
            const dst = rowBase + (n * outH + oh) * outW;
            const ih = oh * strideH - padTop + kh;
            if (ih < 0 || ih >= inH || owLo >= owHi) {
              heap.fill(0, dst, dst + outW);
              continue;
            }
            if (owLo > 0) heap.fill(0, dst, dst + owLo);
            if (owHi < outW) heap.fill(0, dst + owHi, dst + outW);
            let src = xo + ((n * inH + ih) * inW + (owLo * strideW - padLeft + kw)) * inC + ci;
            const step = strideW * inC;
            for (let ow = owLo; ow < owHi; ow++, src += step) heap[dst + ow] = heap[src];
          }
        }
      }
    }
  }
}
