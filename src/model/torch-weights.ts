// Load PyTorch weights of the reference CNN (../shared/reference/p1_model: one float32
// file with every state_dict tensor in PyTorch layout, described by a manifest) into
// our network built with the same config.
//
// Layout conversions:
//  - conv weight [out, in, kh, kw] (OIHW)   -> our kernel [kh, kw, in, out] (HWIO);
//  - linear weight [out, in]                -> our kernel [in, out];
//  - the first linear layer after a flatten: PyTorch flattens NCHW feature maps in
//    C-order over [C, H, W], we flatten NHWC over [H, W, C], so its input rows are
//    permuted: our row (h*W + w)*C + c = PyTorch column (c*H + h)*W + w.
// The state_dict names follow the reference's nn.Sequential indices (features.0,
// features.3, …, classifier.1, classifier.4); layers are matched in order, so any
// number of conv blocks works. BatchNorm tensors (weight, bias, running_mean,
// running_var) are matched in order too when the model has BN.
import * as tf from '@tensorflow/tfjs';

export interface TorchTensorEntry {
  name: string;
  shape: number[];
  offset_floats: number;
  n: number;
}

export interface TorchWeights {
  manifest: TorchTensorEntry[];
  /** All tensors concatenated (little-endian float32). */
  data: Float32Array;
}

function take(w: TorchWeights, entry: TorchTensorEntry): Float32Array {
  if (entry.offset_floats + entry.n > w.data.length) {
    throw new Error(`torch weights: ${entry.name} (${entry.n} floats at ${entry.offset_floats}) lies beyond the data (${w.data.length} floats)`);
  }
  return w.data.subarray(entry.offset_floats, entry.offset_floats + entry.n);
}

function expectShape(entry: TorchTensorEntry, shape: number[], what: string): void {
  if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`torch weights: ${entry.name} has shape [${entry.shape}] but ${what} needs [${shape}]`);
  }
}

/** OIHW -> HWIO. */
export function convOIHWtoHWIO(src: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * i + b) * o + a] = src[((a * i + b) * kh + y) * kw + x]!;
  }
  return out;
}

/**
 * Linear [out, in] -> kernel [in, out]; with `chw` = [C, H, W] the input index is also
 * converted from PyTorch's C-order flatten to our H-W-C flatten.
 */
export function linearToKernel(src: Float32Array, [out, inp]: number[], chw?: [number, number, number]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < inp; j++) {
      let row = j;
      if (chw) {
        const [C, H, W] = chw;
        const c = Math.floor(j / (H * W));
        const h = Math.floor((j % (H * W)) / W);
        const w = j % W;
        row = (h * W + w) * C + c;
      }
      dst[row * out + o] = src[o * inp + j]!;
    }
  }
  return dst;
}

/** Copy the PyTorch weights into `model` (built by buildModel with the matching config). */
export function loadTorchWeights(model: tf.LayersModel, weights: TorchWeights): void {
  const entries = [...weights.manifest];
  const next = (suffix: string, layer: string): TorchTensorEntry => {
    const e = entries.shift();
    if (e == null) throw new Error(`torch weights: ran out of tensors at layer ${layer} (wanted *.${suffix})`);
    if (!e.name.endsWith(`.${suffix}`)) throw new Error(`torch weights: expected *.${suffix} for layer ${layer}, found ${e.name}`);
    return e;
  };
  const assign = (layer: tf.layers.Layer, leaf: string, data: Float32Array) => {
    const v = layer.weights.find((w) => w.originalName.endsWith(`/${leaf}`));
    if (v == null) throw new Error(`torch weights: layer ${layer.name} has no ${leaf}`);
    const t = tf.tensor(data, v.shape as number[]);
    v.write(t);
    t.dispose();
  };
  let flattenedFrom: [number, number, number] | null = null;
  let previousOutput: number[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const input = previousOutput;
    previousOutput = layer.outputShape as number[];
    if (cls === 'Conv2D') {
      const kshape = layer.weights[0]!.shape as number[]; // [kh, kw, in, out]
      const w = next('weight', layer.name);
      expectShape(w, [kshape[3]!, kshape[2]!, kshape[0]!, kshape[1]!], `${layer.name}/kernel`);
      assign(layer, 'kernel', convOIHWtoHWIO(take(weights, w), w.shape));
      if (layer.weights.length > 1) {
        const b = next('bias', layer.name);
        expectShape(b, [kshape[3]!], `${layer.name}/bias`);
        assign(layer, 'bias', take(weights, b).slice());
      }
    } else if (cls === 'BatchNormalization') {
      const c = (layer.weights[0]!.shape as number[])[0]!;
      for (const [suffix, leaf] of [['weight', 'gamma'], ['bias', 'beta'], ['running_mean', 'moving_mean'], ['running_var', 'moving_variance']] as const) {
        const e = next(suffix, layer.name);
        expectShape(e, [c], `${layer.name}/${leaf}`);
        assign(layer, leaf, take(weights, e).slice());
      }
      if (entries[0]?.name.endsWith('.num_batches_tracked')) entries.shift();
    } else if (cls === 'Flatten') {
      // [null, H, W, C] of the layer before
      flattenedFrom = [input[3]!, input[1]!, input[2]!];
    } else if (cls === 'Dense') {
      const kshape = layer.weights[0]!.shape as number[]; // [in, out]
      const w = next('weight', layer.name);
      expectShape(w, [kshape[1]!, kshape[0]!], `${layer.name}/kernel`);
      assign(layer, 'kernel', linearToKernel(take(weights, w), w.shape, flattenedFrom ?? undefined));
      flattenedFrom = null;
      const b = next('bias', layer.name);
      expectShape(b, [kshape[1]!], `${layer.name}/bias`);
      assign(layer, 'bias', take(weights, b).slice());
    }
  }
  if (entries.length > 0) throw new Error(`torch weights: ${entries.length} tensors left unused (first: ${entries[0]!.name})`);
}
