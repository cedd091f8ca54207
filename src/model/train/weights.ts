// One flat Float32 vector for all of a model's weights, in a fixed layout. The training
// loop keeps the canonical weights and optimizer state as such vectors (plain JS, so the
// update is identical on every backend), replicas load them into their tf variables, and
// gradients travel in the same layout (non-trainable slots stay zero).
import * as tf from '@tensorflow/tfjs';

export interface WeightSlot {
  /** Layer-scoped name as saved in model.json, e.g. "conv1/kernel". */
  name: string;
  layer: string;
  /** Last part of the name: kernel, bias, gamma, beta, moving_mean, moving_variance. */
  leaf: string;
  shape: number[];
  offset: number;
  size: number;
  trainable: boolean;
}

export interface WeightLayout {
  slots: WeightSlot[];
  total: number;
}

/** The layout of every weight of the model, layer by layer in model order. */
export function weightLayout(model: tf.LayersModel): WeightLayout {
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const layer of model.layers) {
    const trainable = new Set(layer.trainableWeights);
    for (const w of layer.weights) {
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const name = w.originalName;
      slots.push({
        name, layer: layer.name, leaf: name.slice(name.lastIndexOf('/') + 1), shape, offset, size,
        trainable: trainable.has(w),
      });
      offset += size;
    }
  }
  return { slots, total: offset };
}

/** The LayerVariables of the model in layout order. */
export function layoutVariables(model: tf.LayersModel, layout: WeightLayout): tf.LayerVariable[] {
  const vars = model.layers.flatMap((l) => l.weights);
  if (vars.length !== layout.slots.length) {
    throw new Error(`weight layout has ${layout.slots.length} slots but the model has ${vars.length} weights`);
  }
  vars.forEach((v, i) => {
    if (v.originalName !== layout.slots[i]!.name) {
      throw new Error(`weight layout mismatch at ${i}: model has ${v.originalName}, layout ${layout.slots[i]!.name}`);
    }
  });
  return vars;
}

/** Copy the model's weights into one flat vector (layout order). */
export function readWeights(model: tf.LayersModel, layout: WeightLayout, out = new Float32Array(layout.total)): Float32Array {
  const vars = layoutVariables(model, layout);
  layout.slots.forEach((s, i) => out.set(vars[i]!.read().dataSync() as Float32Array, s.offset));
  return out;
}

/** Load a flat vector (layout order) into the model's weights. */
export function writeWeights(model: tf.LayersModel, layout: WeightLayout, flat: Float32Array): void {
  if (flat.length !== layout.total) throw new Error(`writeWeights: expected ${layout.total} floats, got ${flat.length}`);
  const vars = layoutVariables(model, layout);
  layout.slots.forEach((s, i) => {
    // slice(): a copy, because the cpu backend keeps the array it is given, and `flat`
    // (often a shared buffer) changes after this call.
    const t = tf.tensor(flat.slice(s.offset, s.offset + s.size), s.shape);
    vars[i]!.write(t);
    t.dispose();
  });
}
