// The `train.*` params of pipeline.yaml (README "Training"), validated once; errors name
// the key. Defaults = the reference recipe: its CNN, Adam 1e-3, batch 32, up to 60
// epochs, early stopping after 10 epochs without a validation-accuracy gain, and no
// augmentation, class weights or schedule.
import { z } from 'zod';
import type { NetworkConfig } from '../model/network.ts';

const posInt = z.number().int().positive();

const modelSchema = z.strictObject({
  /** Output channels of each [conv → (BN) → ReLU → max-pool 2] block. */
  channels: z.array(posInt).min(1).default([16, 32, 64, 128]),
  /** Square conv kernel (odd), 'same' padding. */
  kernel_size: posInt.refine((k) => k % 2 === 1, 'must be odd').default(3),
  /** BatchNorm after each conv, before its ReLU (the reference's V1 recipe). */
  batch_norm: z.boolean().default(false),
  /** Dropout rate before the last Dense layer (0 = none). */
  dropout: z.number().min(0).lt(1).default(0.3),
  /** Width of the hidden Dense layer (0 = none). */
  dense: z.number().int().nonnegative().default(128),
  /** flatten (reference) or gap (global average pooling) before the Dense layers. */
  head: z.enum(['flatten', 'gap']).default('flatten'),
});

const specAugmentSchema = z.strictObject({
  /** Frequency masks per sample (0 = off); each masks up to freq_width mel bands. */
  freq_masks: z.number().int().nonnegative().default(0),
  freq_width: z.number().int().nonnegative().default(8),
  /** Time masks per sample (0 = off); each masks up to time_width frames. */
  time_masks: z.number().int().nonnegative().default(0),
  time_width: z.number().int().nonnegative().default(20),
});

const timeShiftSchema = z.strictObject({
  /** Shift by a uniform integer in [-max_frames, max_frames] frames (0 = off). */
  max_frames: z.number().int().nonnegative().default(0),
  /** circular: roll the frames around; padded: fill with the clip's silence floor. */
  mode: z.enum(['circular', 'padded']).default('circular'),
});

const mixupSchema = z.strictObject({
  /** Beta(alpha, alpha) mixing weight (0 = off). */
  alpha: z.number().nonnegative().default(0),
});

const noiseSchema = z.strictObject({
  /** SNR in dB (a number, or [low, high] drawn uniformly per sample); null = off. */
  snr_db: z.union([z.number(), z.tuple([z.number(), z.number()])]).nullable().default(null)
    .refine((v) => !Array.isArray(v) || v[0] <= v[1], 'must be [low, high] with low <= high'),
});

const augmentSchema = z.strictObject({
  specaugment: specAugmentSchema.prefault({}),
  time_shift: timeShiftSchema.prefault({}),
  mixup: mixupSchema.prefault({}),
  noise: noiseSchema.prefault({}),
});

const lrScheduleSchema = z.strictObject({
  /** constant | step (× gamma every step_epochs) | cosine (lr → min_lr over `epochs`). */
  kind: z.enum(['constant', 'step', 'cosine']).default('constant'),
  step_epochs: posInt.default(20),
  gamma: z.number().positive().default(0.5),
  min_lr: z.number().nonnegative().default(0),
  /** Linear warm-up from lr/warmup_epochs to lr over the first epochs (0 = none). */
  warmup_epochs: z.number().int().nonnegative().default(0),
});

export const trainParamsSchema = z.strictObject({
  /** auto (tfjs-node when it loads, else wasm) | tensorflow | wasm | cpu. */
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /** Data-parallel gradient worker threads per fold (results depend on it in float rounding). */
  threads: posInt.default(2),
  epochs: posInt.default(60),
  /** Stop after this many epochs without a val-accuracy gain; null = never. */
  patience: posInt.nullable().default(10),
  batch_size: posInt.default(32),
  lr: z.number().positive().default(0.001),
  lr_schedule: lrScheduleSchema.prefault({}),
  /** null | balanced (n / (classes · count), from the fold's training clips) | one weight per class. */
  class_weights: z.union([z.literal('balanced'), z.array(z.number().positive())]).nullable().default(null),
  model: modelSchema.prefault({}),
  augment: augmentSchema.prefault({}),
});

export type TrainParams = z.output<typeof trainParamsSchema>;
export type AugmentParams = TrainParams['augment'];
export type LrSchedule = TrainParams['lr_schedule'];

export const DEFAULT_TRAIN_PARAMS: TrainParams = trainParamsSchema.parse({});

export function parseTrainParams(raw: unknown): TrainParams {
  const r = trainParamsSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${['train', ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new Error(`invalid train params:\n  ${lines.join('\n  ')}`);
}

/** The network for `[nMels, nFrames]` inputs and `numClasses` classes. */
export function networkConfig(p: TrainParams, inputShape: [number, number], numClasses: number): NetworkConfig {
  return {
    inputShape,
    numClasses,
    channels: p.model.channels,
    kernelSize: p.model.kernel_size,
    batchNorm: p.model.batch_norm,
    dropout: p.model.dropout,
    denseUnits: p.model.dense,
    head: p.model.head,
    poolSize: 2,
  };
}

/** Learning rate of epoch `epoch` (1-based) out of `epochs`. */
export function learningRate(lr: number, s: LrSchedule, epoch: number, epochs: number): number {
  if (s.warmup_epochs > 0 && epoch <= s.warmup_epochs) return (lr * epoch) / s.warmup_epochs;
  const e = epoch - s.warmup_epochs; // 1-based epoch after the warm-up
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * s.gamma ** Math.floor((e - 1) / s.step_epochs);
    case 'cosine': {
      const span = Math.max(1, epochs - s.warmup_epochs - 1);
      return s.min_lr + 0.5 * (lr - s.min_lr) * (1 + Math.cos((Math.PI * Math.min(e - 1, span)) / span));
    }
  }
}

/** "balanced" class weights (scikit-learn's): n / (classes · count_c); 0 for absent classes is refused. */
export function balancedClassWeights(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labels) counts[y]! += 1;
  return counts.map((c, k) => {
    if (c === 0) throw new Error(`train.class_weights: balanced weights need every class in the training set; class ${k} has no clips`);
    return labels.length / (numClasses * c);
  });
}
