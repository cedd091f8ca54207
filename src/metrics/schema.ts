// The metrics.json schema: one zod definition that types the writer (evaluate), the
// readers (report, experiments) and validates files on read, so a stale or hand-edited
// file fails with the field path instead of a chart silently missing a value.
// Every field is documented in README.md, "Evaluation and the report". Bump
// METRICS_SCHEMA_VERSION on any change that renames, removes or re-means a field;
// adding a field is backward compatible and keeps the version.
import { z } from 'zod';

export const METRICS_SCHEMA_VERSION = 1;

const num = z.number();
const nullableNum = z.number().nullable();

export const ClassStatsSchema = z.object({
  precision: num,
  recall: num,
  f1: num,
  support: z.number().int(),
  predicted: z.number().int(),
  no_predictions: z.boolean(),
  no_support: z.boolean(),
});

export const SummarySchema = z.object({
  n: z.number().int(),
  accuracy: nullableNum,
  macro_f1: nullableNum,
  uar: nullableNum,
});

export const ConfusionSchema = z.object({
  counts: z.array(z.array(z.number().int())),
  normalized: z.array(z.array(num)),
});

export const BlockSchema = SummarySchema.extend({
  per_class: z.record(z.string(), ClassStatsSchema),
  confusion: ConfusionSchema,
});

export const FoldSchema = BlockSchema.extend({
  fold: z.number().int(),
  actors: z.array(z.number().int()),
  gender: z.object({ female: SummarySchema, male: SummarySchema }),
});

export const GenderBlockSchema = BlockSchema.extend({
  actors: z.array(z.number().int()),
});

export const IntervalSchema = z.object({ low: num, high: num });

export const BiasEntrySchema = z.object({
  female: nullableNum,
  male: nullableNum,
  diff: nullableNum,
  ratio: nullableNum,
  ci: IntervalSchema.nullable(),
  female_ci: IntervalSchema.nullable(),
  male_ci: IntervalSchema.nullable(),
  n_valid: z.number().int(),
  significant: z.boolean(),
});

export const FoldStatsSchema = z.object({ accuracy: nullableNum, macro_f1: nullableNum, uar: nullableNum });

export const MetricsSchema = z.object({
  schema_version: z.literal(METRICS_SCHEMA_VERSION),
  labels: z.array(z.string()),
  n: z.number().int(),
  folds_evaluated: z.array(z.number().int()),
  // Headline = pooled over every test clip of every fold (aliases of pooled.*).
  accuracy: nullableNum,
  macro_f1: nullableNum,
  uar: nullableNum,
  per_class: z.record(z.string(), ClassStatsSchema),
  pooled: BlockSchema,
  folds: z.array(FoldSchema),
  fold_mean: FoldStatsSchema,
  fold_std: FoldStatsSchema,
  gender: z.object({ female: GenderBlockSchema, male: GenderBlockSchema }),
  per_intensity: z.record(z.string(), SummarySchema),
  per_actor: z.record(
    z.string(),
    z.object({ gender: z.enum(['female', 'male']), fold: z.number().int(), n: z.number().int(), accuracy: nullableNum }),
  ),
  bias: z.record(z.string(), BiasEntrySchema),
  bias_audit: z.object({
    method: z.string(),
    n_boot: z.number().int(),
    seed: z.number(),
    confidence: num,
    actors: z.object({ female: z.array(z.number().int()), male: z.array(z.number().int()) }),
    clips: z.object({ female: z.number().int(), male: z.number().int() }),
    degenerate: z.boolean(),
    degenerate_reason: z.string().nullable(),
  }),
  calibration: z.object({
    n_bins: z.number().int(),
    ece: nullableNum,
    mce: nullableNum,
    brier: nullableNum,
    nll: nullableNum,
    bins: z.array(z.object({ lo: num, hi: num, n: z.number().int(), confidence: nullableNum, accuracy: nullableNum })),
  }),
  confused_pairs: z.array(z.object({ true: z.string(), pred: z.string(), count: z.number().int(), rate: num })),
  protocol: z.object({
    name: z.string().nullable(),
    speaker_independent: z.boolean().nullable(),
    shared_actors: z.array(z.number().int()),
  }),
});

export type MetricsFile = z.infer<typeof MetricsSchema>;
export type Block = z.infer<typeof BlockSchema>;
export type FoldMetrics = z.infer<typeof FoldSchema>;
export type BiasEntryJson = z.infer<typeof BiasEntrySchema>;

/** Validate parsed JSON as metrics.json; errors name the source and the field path. */
export function parseMetrics(json: unknown, source = 'metrics.json'): MetricsFile {
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (version !== METRICS_SCHEMA_VERSION) {
    throw new Error(`${source}: schema_version is ${JSON.stringify(version)}, this code reads version ${METRICS_SCHEMA_VERSION}; rerun the evaluate stage`);
  }
  const r = MetricsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${source}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/**
 * Read one value by dotted path, e.g. "fold_mean.accuracy", "folds[2].macro_f1",
 * "per_class.sad.recall", "bias.accuracy.ci.low". Returns undefined when absent.
 * Experiments' --fail-if expressions address metrics this way.
 */
export function metricAt(metrics: unknown, path: string): unknown {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((p) => p !== '');
  let cur: unknown = metrics;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}
