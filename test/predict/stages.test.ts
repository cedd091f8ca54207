// The evaluate and report stages through the engine's test context, on a tiny run
// whose predictions are known in advance (see helpers.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import evaluateStage from '../../stages/evaluate.ts';
import reportStage from '../../stages/report.ts';
import { parseMetrics } from '../../src/metrics/schema.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { readPredictions } from '../../src/predict/predictions-file.ts';
import { writeTinyRun, type TinyRun } from './helpers.ts';

let run: TinyRun;
let evalDir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  run = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-stages-')));
});
afterAll(() => destroySharedPool());

const trainInputs = () => run.train.map((t) => ({ stage: 'train', matrix: { fold: t.fold }, key: `k${t.fold}`, dir: t.dir }));

describe('evaluate stage', () => {
  it('writes predictions.parquet and a valid metrics.json', async () => {
    const ctx = await createTestContext({
      stage: 'evaluate',
      params: { evaluate: { bootstrap: 100, backend: 'cpu' }, seed: 0 },
      inputs: { train: trainInputs(), featurize: run.root, split: run.root, ingest: run.root },
    });
    await evaluateStage.run(ctx);
    evalDir = ctx.outDir;
    const metrics = parseMetrics(JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8')));
    expect(metrics.accuracy).toBe(60 / 64);
    expect(metrics.bias_audit.n_boot).toBe(100);
    const preds = await readPredictions(join(ctx.outDir, 'predictions.parquet'));
    expect(preds.rows).toHaveLength(64);
    expect(ctx.logs.at(-1)).toMatch(/^64 test clips, 2 fold\(s\) on cpu: accuracy 0.938/);
    expect(ctx.progressEvents.at(-1)).toEqual({ done: 64, total: 64 });
  });

  it('is deterministic: a second run writes identical files', async () => {
    const ctx = await createTestContext({
      stage: 'evaluate',
      params: { evaluate: { bootstrap: 100, backend: 'cpu' }, seed: 0 },
      inputs: { train: trainInputs(), featurize: run.root, split: run.root, ingest: run.root },
    });
    await evaluateStage.run(ctx);
    for (const f of evaluateStage.outs) expect(await readFile(join(ctx.outDir, f))).toEqual(await readFile(join(evalDir, f)));
  });

  it('says which upstream artifact is missing', async () => {
    const ctx = await createTestContext({ stage: 'evaluate', params: { evaluate: { backend: 'cpu' }, seed: 0 }, inputs: { train: trainInputs(), split: run.root, ingest: run.root } });
    await expect(evaluateStage.run(ctx)).rejects.toThrow(/needs the featurize stage's artifact \(features.parquet\)/);
  });
});

describe('report stage', () => {
  it('renders report.html from the upstream artifacts and asks for a published copy', async () => {
    const ctx = await createTestContext({
      stage: 'report',
      params: { report: { title: 'Tiny run' } },
      inputs: { evaluate: evalDir, train: trainInputs(), ingest: run.root, split: run.root },
    });
    await reportStage.run(ctx);
    const html = await readFile(join(ctx.outDir, 'report.html'), 'utf8');
    expect(html).toContain('<title>Tiny run</title>');
    expect(html).toMatch(/recall for <em>sad<\/em> is 100 points lower for male speakers, CI \[100, 100\]/);
    expect(html).toContain('64 of 64 clips ok');
    expect(html.split('<figure ').length - 1).toBe(7);
    expect(reportStage.publish).toEqual({ 'report.html': 'artifacts/report.html' });
    expect(existsSync(join(ctx.outDir, 'report.html'))).toBe(true);
  });
});
