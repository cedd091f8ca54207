// evaluate: each fold's best model (train) on that fold's test clips (split) from the
// features (featurize), labels from the manifest (ingest) → predictions.parquet (one
// row per test clip) and metrics.json (schema in README, "Evaluation and the report").
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../src/model/backend.ts';
import { defineStage } from '../src/pipeline/types.ts';
import { evaluateFolds, parseEvaluateParams } from '../src/predict/evaluate.ts';
import { loadModel } from '../src/model/io.ts';
import { writePredictions } from '../src/predict/predictions-file.ts';

export default defineStage({
  description: 'each fold model on its test clips → predictions.parquet, metrics.json (per fold, pooled, gender-bias audit, calibration)',
  outs: ['predictions.parquet', 'metrics.json'],
  async run(ctx) {
    const params = parseEvaluateParams(ctx.params.evaluate);
    const seed = ctx.params.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${JSON.stringify(seed)}`);
    const one = (stage: string, file: string) => {
      const a = ctx.inputs[stage]?.[0];
      if (!a) throw new Error(`evaluate needs the ${stage} stage's artifact (${file}): add \`deps: [${stage}]\``);
      return join(a.dir, file);
    };
    const train = (ctx.inputs.train ?? []).map((a) => {
      const fold = a.matrix.fold;
      if (typeof fold !== 'number') throw new Error(`train artifact ${a.key.slice(0, 12)} has no numeric matrix value 'fold' (got ${JSON.stringify(a.matrix)})`);
      return { fold, dir: a.dir };
    });
    if (train.length === 0) throw new Error("evaluate needs the train stage's artifacts (one per fold): add `deps: [train]`");
    const backend = await initBackend(params.backend, { log: (m) => ctx.log(m) });
    const r = await evaluateFolds(
      { train, featuresPath: one('featurize', 'features.parquet'), splitPath: one('split', 'split.parquet'), manifestPath: one('ingest', 'manifest.parquet') },
      params,
      seed,
      loadModel,
      { log: (m) => ctx.log(m), progress: (d, t) => ctx.progress(d, t), signal: ctx.signal },
    );
    await writePredictions(join(ctx.outDir, 'predictions.parquet'), r.rows, r.labels);
    await writeFile(join(ctx.outDir, 'metrics.json'), JSON.stringify(r.metrics, null, 2) + '\n');
    const m = r.metrics;
    const f = (x: number | null) => (x === null ? '—' : x.toFixed(3));
    ctx.log(
      `${m.n} test clips, ${m.folds.length} fold(s) on ${backend.name}: accuracy ${f(m.accuracy)} (folds ${f(m.fold_mean.accuracy)} ± ${f(m.fold_std.accuracy)}), ` +
        `macro-F1 ${f(m.macro_f1)}, UAR ${f(m.uar)}; female ${f(m.gender.female.accuracy)} / male ${f(m.gender.male.accuracy)}; ` +
        `${Object.values(m.bias).filter((b) => b.significant).length} significant gender gap(s); ECE ${f(m.calibration.ece)}`,
    );
  },
});
