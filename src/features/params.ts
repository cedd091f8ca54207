// The `features.*` params of pipeline.yaml, validated once. Names and defaults follow
// librosa (melspectrogram + power_to_db), so numbers carry over to Python work; the
// defaults match the reference implementation in ../shared/reference/.
import { z } from 'zod';
import { parseCompression, type Compression } from '../io/parquet-rows.ts';

const melSchema = z.strictObject({
  /** HTK mel scale (2595·log10(1 + f/700)) instead of Slaney's linear/log scale. */
  htk: z.boolean().default(false),
  /** 'slaney': area-normalize each triangle (librosa default); 'none': peak 1 (torchaudio). */
  norm: z.enum(['slaney', 'none']).default('slaney'),
});

const positiveInt = z.number().int().positive();

export const featureParamsSchema = z
  .strictObject({
    n_fft: positiveInt.default(1024),
    win_length: positiveInt.default(1024),
    hop_length: positiveInt.default(256),
    n_mels: positiveInt.default(64),
    fmin: z.number().nonnegative().default(0),
    /** null = sample_rate / 2 (librosa's fmax=None). */
    fmax: z.number().positive().nullable().default(8000),
    /** Fixed clip length taken from the start (after optional trimming), zero-padded. */
    duration_s: z.number().positive().default(3.0),
    mel: melSchema.default({ htk: false, norm: 'slaney' }),
    /** power_to_db: 10·log10(max(amin, S)) − 10·log10(max(amin, ref)). */
    amin: z.number().positive().default(1e-10),
    ref: z.number().positive().default(1.0),
    /** Clamp each clip at (its max − top_db) dB; null = no clamp. */
    top_db: z.number().nonnegative().nullable().default(80),
    /** Trim leading/trailing silence before the fixed-length cut (librosa.effects.trim). */
    trim_silence: z.boolean().default(false),
    /** Frames quieter than (clip max − trim_top_db) dB RMS count as silence. */
    trim_top_db: z.number().positive().default(60),
  })
  .superRefine((p, ctx) => {
    if ((p.n_fft & (p.n_fft - 1)) !== 0 || p.n_fft < 4) {
      ctx.addIssue({ code: 'custom', path: ['n_fft'], message: `must be a power of two ≥ 4 (the FFT is radix-2/4), got ${p.n_fft}` });
    }
    if (p.win_length > p.n_fft) {
      ctx.addIssue({ code: 'custom', path: ['win_length'], message: `must be ≤ n_fft (${p.n_fft}), got ${p.win_length}` });
    }
    if (p.fmax !== null && p.fmax <= p.fmin) {
      ctx.addIssue({ code: 'custom', path: ['fmax'], message: `must be > fmin (${p.fmin}), got ${p.fmax}` });
    }
  });

export type FeatureParams = z.output<typeof featureParamsSchema>;

/** The defaults, i.e. the reference implementation's settings. */
export const DEFAULT_FEATURE_PARAMS: FeatureParams = featureParamsSchema.parse({});

/**
 * Validate raw `features` params (from pipeline.yaml / --set, or a model's meta.json).
 * Errors name each offending key, e.g. `features.n_fft: must be a power of two …`.
 */
export function parseFeatureParams(raw: unknown, where = 'features'): FeatureParams {
  const r = featureParamsSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new Error(`invalid feature params:\n  ${lines.join('\n  ')}`);
}

/**
 * The featurize stage's `features` params: the feature params proper (what the log-Mels
 * are: stored in features.parquet and in each model's meta.json) and
 * `features.compression` (none | zstd: how features.parquet is stored, not part of the
 * feature params, so it changes neither those nor the models' expectations).
 */
export function parseFeaturizeParams(raw: unknown): { features: FeatureParams; compression: Compression } {
  const { compression, ...rest } = (raw ?? {}) as Record<string, unknown>;
  const c = parseCompression(compression, 'features.compression');
  return { features: parseFeatureParams(rest), compression: c };
}
