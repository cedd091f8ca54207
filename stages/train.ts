// train: one instance per fold (the engine's matrix over split.folds). The fold's
// training clips of features.parquet, normalized per mel band with statistics of those
// clips only, train the CNN (train.model) with Adam, early stopping on validation
// accuracy and the best-validation weights kept; optional on-the-fly augmentation of
// training batches. Writes model/, normalization.json, labels.json, history.parquet and
// meta.json (README "Training"; CONTRACTS.md).
import { join } from 'node:path';
import { defineStage } from '../src/pipeline/types.ts';
import { trainFold } from '../src/training/fold.ts';
import { parseTrainParams } from '../src/training/params.ts';

export default defineStage({
  description: 'the CNN per fold on its training clips (best validation epoch) → model/, normalization.json, labels.json, history.parquet, meta.json',
  outs: ['model/', 'normalization.json', 'labels.json', 'history.parquet', 'meta.json'],
  async run(ctx) {
    const params = parseTrainParams(ctx.params.train);
    const seed = ctx.params.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${JSON.stringify(seed)}`);
    const fold = ctx.matrix.fold;
    if (typeof fold !== 'number' || !Number.isInteger(fold)) {
      throw new Error(`train runs once per fold: pipeline.yaml needs \`matrix: { fold: '\${split.folds}' }\` under stages.train (got matrix ${JSON.stringify(ctx.matrix)})`);
    }
    const one = (stage: string, file: string) => {
      const a = ctx.inputs[stage]?.[0];
      if (!a) throw new Error(`train needs the ${stage} stage's artifact (${file}): add \`deps: [${stage}]\``);
      return join(a.dir, file);
    };
    await trainFold({
      featuresPath: one('featurize', 'features.parquet'),
      splitPath: one('split', 'split.parquet'),
      fold, params, seed, outDir: ctx.outDir,
      log: (m) => ctx.log(m),
      progress: (d, t, note) => ctx.progress(d, t, note),
      signal: ctx.signal,
    });
  },
});
