// `ser exp` end to end on the toy pipeline (test/fixtures/toy-exp: the real stage graph's
// shape, an evaluate stage writing the real predictions.parquet / metrics.json schema).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcnemarP } from '../../src/experiments/stats.ts';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { ser as serChild } from '../pipeline/helpers.ts';
import { makeExpWorkspace, removeExpWorkspaces, ser } from './helpers.ts';

let ws: string;
let base: { code: number | null; stdout: string; stderr: string };
let skill: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  ws = await makeExpWorkspace();
  base = await ser(ws, ['exp', 'run', 'base']);
  skill = await ser(ws, ['exp', 'run', 'skill', '--set', 'train.skill=0.7']);
}, 120_000);
afterAll(async () => {
  await destroySharedPool();
  await removeExpWorkspaces();
});

const record = async (w: string, name: string) => JSON.parse(await readFile(join(w, 'artifacts', 'experiments', `${name}.json`), 'utf8'));
const keyDirs = async (w: string, stage: string) => (existsSync(join(w, 'artifacts', stage)) ? (await readdir(join(w, 'artifacts', stage))).filter((e) => /^[0-9a-f]{64}$/.test(e)) : []);
/** The toy evaluate's per-clip hash: a clip is right when it is below the model's skill. */
const u = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32;

describe('ser exp run', () => {
  it('runs the pipeline, prints ran/reused with the key per stage instance, and records the experiment', async () => {
    expect(base.code, base.stderr).toBe(0);
    expect(base.stdout).toMatch(/^ingest\s+ran\s+[0-9a-f]{12}/m);
    expect(base.stdout).toMatch(/^train\[fold=1\]\s+ran/m);
    expect(base.stdout).toMatch(/6 ran, 0 reused from the cache/);
    expect(base.stdout).toMatch(/metrics: accuracy 0\.\d{3}, macro-F1 0\.\d{3}, UAR 0\.\d{3}, gender gap \(F − M accuracy\) [-+]0\.\d{3} on 128 test clips/);
    expect(base.stdout).toContain('recorded artifacts/experiments/base.json (pipeline.lock unchanged)');
    const r = await record(ws, 'base');
    expect(r).toMatchObject({ schema_version: 1, name: 'base', targets: [], overrides: [], params_changed: [], backend: 'toy (1 thread)' });
    expect(r.params.train).toEqual({ skill: 0.5, epochs: 3, lr: 0.001 });
    expect(Object.keys(r.artifacts)).toEqual(['ingest', 'featurize', 'split', 'train[fold=0]', 'train[fold=1]', 'evaluate']);
    for (const s of r.stages) {
      expect(s.outcome).toBe('ran');
      expect(existsSync(join(ws, 'artifacts', s.stage, s.key))).toBe(true);
      expect(r.artifacts[s.id]).toBe(s.key);
      expect(s.produced_s).toBeGreaterThanOrEqual(0);
    }
    expect(r.stages.find((s: { id: string }) => s.id === 'train[fold=1]').matrix).toEqual({ fold: 1 });
    // metrics: the evaluate artifact's metrics.json, verbatim
    const ev = r.stages.find((s: { stage: string }) => s.stage === 'evaluate');
    expect(r.metrics).toEqual(JSON.parse(await readFile(join(ws, 'artifacts', 'evaluate', ev.key, 'metrics.json'), 'utf8')));
    // the workspace lock is not written by experiments
    expect(existsSync(join(ws, 'pipeline.lock'))).toBe(false);
    expect(r.git === null || /^[0-9a-f]{40}$/.test(r.git.commit)).toBe(true);
    expect(r.duration_s).toBeGreaterThan(0);
  });

  it('a train-param change reruns train and evaluate only: upstream artifacts are shared', async () => {
    expect(skill.code, skill.stderr).toBe(0);
    for (const s of ['ingest', 'featurize', 'split']) expect(skill.stdout).toMatch(new RegExp(`^${s}\\s+reused\\s+[0-9a-f]{12}`, 'm'));
    for (const s of ['train\\[fold=0\\]', 'train\\[fold=1\\]', 'evaluate']) expect(skill.stdout).toMatch(new RegExp(`^${s}\\s+ran\\s`, 'm'));
    expect(skill.stdout).toMatch(/changed: train\.skill=0\.7/);
    const [a, b] = [await record(ws, 'base'), await record(ws, 'skill')];
    for (const id of ['ingest', 'featurize', 'split']) expect(b.artifacts[id]).toBe(a.artifacts[id]);
    for (const id of ['train[fold=0]', 'train[fold=1]', 'evaluate']) expect(b.artifacts[id]).not.toBe(a.artifacts[id]);
    expect(b.params_changed).toEqual([{ path: 'train.skill', default: 0.5, value: 0.7 }]);
    expect(b.overrides).toEqual([{ path: 'train.skill', value: 0.7, source: '--set' }]);
    expect(b.stages.filter((s: { outcome: string }) => s.outcome === 'reused').map((s: { id: string }) => s.id)).toEqual(['ingest', 'featurize', 'split']);
    expect(b.metrics.accuracy).toBeGreaterThan(a.metrics.accuracy);
    expect(await keyDirs(ws, 'ingest')).toHaveLength(1); // nothing upstream was computed twice
  });

  it('refuses to overwrite an existing experiment unless --force, before running anything', async () => {
    const again = await ser(ws, ['exp', 'run', 'base', '--set', 'train.skill=0.9']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/experiment 'base' already exists \(artifacts\/experiments\/base\.json\); choose another name, or pass --force/);
    expect(again.stdout).toBe('');
    const w2 = await makeExpWorkspace();
    expect((await ser(w2, ['exp', 'run', 'x'])).code).toBe(0);
    const forced = await ser(w2, ['exp', 'run', 'x', '--force', '--set', 'train.epochs=4']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await record(w2, 'x')).params_changed).toEqual([{ path: 'train.epochs', default: 3, value: 4 }]);
  });

  it('--stage stops early (metrics null); SER_SET counts as overrides; bad names and stages are usage errors', async () => {
    const w = await makeExpWorkspace();
    const r = await ser(w, ['exp', 'run', 'feat', '--stage', 'featurize'], { SER_SET: 'features.scale=2' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('metrics: none (the experiment stopped before evaluate)');
    const rec = await record(w, 'feat');
    expect(rec.metrics).toBeNull();
    expect(rec.targets).toEqual(['featurize']);
    expect(Object.keys(rec.artifacts)).toEqual(['ingest', 'featurize']);
    expect(rec.overrides).toEqual([{ path: 'features.scale', value: 2, source: 'SER_SET' }]);
    expect((await ser(w, ['exp', 'run', 'bad/name'])).stderr).toMatch(/invalid experiment name 'bad\/name'/);
    const unknown = await ser(w, ['exp', 'run', 'y', '--stage', 'trian']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no stage 'trian'/);
    expect((await ser(w, ['exp', 'run'])).code).toBe(2);
    const noMetrics = await ser(w, ['exp', 'diff', 'feat', 'feat']);
    expect(noMetrics.code).toBe(3);
    expect(noMetrics.stderr).toMatch(/experiment 'feat' has no metrics: it ran up to 'featurize'/);
  });

  it('a failing stage records nothing and says why', async () => {
    const w = await makeExpWorkspace();
    const r = await ser(w, ['exp', 'run', 'broken', '--set', 'train.skill="high"']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiment 'broken' not recorded: train\[fold=\d\]: train\.skill must be a number, got "high"/);
    expect(existsSync(join(w, 'artifacts', 'experiments', 'broken.json'))).toBe(false);
  });

  it('does not touch an existing pipeline.lock; an experiment with the defaults reuses the workspace artifacts', async () => {
    const w = await makeExpWorkspace();
    expect((await ser(w, ['run'])).code).toBe(0);
    const lock = await readFile(join(w, 'pipeline.lock'), 'utf8');
    const r = await ser(w, ['exp', 'run', 'lr', '--set', 'train.lr=0.01']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(w, 'pipeline.lock'), 'utf8')).toBe(lock);
    const d = await ser(w, ['exp', 'run', 'defaults']);
    expect(d.stdout).toMatch(/0 ran, 6 reused from the cache/);
    expect((await record(w, 'defaults')).stages.every((s: { outcome: string }) => s.outcome === 'fresh')).toBe(true);
    expect((await ser(w, ['status'])).stdout).not.toMatch(/stale/);
  });
});

describe('ser exp through bin/ser.mjs (engine bundle + tsx-loaded command)', () => {
  it('usage and pipeline.yaml errors exit 2 with the message; list works', async () => {
    const bad = await serChild(ws, ['exp', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ser exp: unknown subcommand 'bogus'[\s\S]*usage: ser exp <run\|show\|list\|diff\|export\|rm>/);
    const yaml = await serChild(ws, ['exp', 'run', 'y', '--set', 'a=[']);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/--set: a: value '\[' is not valid YAML/);
    const list = await serChild(ws, ['exp', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^base\s/m);
  });
});

describe('ser exp show / list', () => {
  it('table of experiments × headline metrics and changed params; shared upstream keys are visible', async () => {
    const r = await ser(ws, ['exp', 'show']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^experiment\s+commit\s+accuracy\s+macro-F1\s+UAR\s+gap F−M\s+changed params\s+ingest\s+featurize\s+split\s+train\s+evaluate$/);
    const [a, b] = [await record(ws, 'base'), await record(ws, 'skill')];
    const rowA = lines.find((l) => l.startsWith('base '))!;
    const rowB = lines.find((l) => l.startsWith('skill '))!;
    expect(rowA).toContain(a.metrics.accuracy.toFixed(3));
    expect(rowA).toContain('(defaults)');
    expect(rowB).toContain('train.skill=0.7');
    for (const id of ['ingest', 'featurize', 'split']) {
      expect(rowA).toContain(` ${a.artifacts[id].slice(0, 7)} `);
      expect(rowB).toContain(` ${a.artifacts[id].slice(0, 7)}= `); // same key, taken from the cache
    }
    expect(rowA).not.toContain(b.artifacts.evaluate.slice(0, 7));
    expect(rowA).toMatch(/[0-9a-f]{7}×2/); // two train instances
    expect(r.stdout).toContain('skill shares ingest, featurize, split with base (same artifacts, not recomputed)');
  });

  it('--json and --md', async () => {
    const j = JSON.parse((await ser(ws, ['exp', 'show', '--json'])).stdout);
    expect(j.map((x: { name: string }) => x.name)).toEqual(['base', 'skill']);
    expect(j[1]).toMatchObject({ changed: ['train.skill=0.7'], ran: ['train', 'evaluate'], shares: { with: 'base', stages: ['ingest', 'featurize', 'split'] } });
    expect(j[1].keys.ingest).toBe(j[0].keys.ingest);
    expect(j[1].keys.train).not.toBe(j[0].keys.train);
    const md = (await ser(ws, ['exp', 'show', '--md', 'skill'])).stdout;
    expect(md).toMatch(/^### Experiments\n\n\| experiment \| commit \| accuracy \|/);
    expect(md).toMatch(/\| skill \| .* \| train\.skill=0\.7 \| `[0-9a-f]{7}=` \|/);
    expect(md).not.toMatch(/\| base \|/);
    expect((await ser(ws, ['exp', 'show', 'nope'])).stderr).toMatch(/no experiment 'nope' \(experiments: base, skill\)/);
    expect((await ser(ws, ['exp', 'list'])).stdout).toMatch(/^skill\s+\S+ \S+\s+\S+\s+evaluate\s+0\.\d{3}\s+train\.skill=0\.7$/m);
  });
});

describe('ser exp diff', () => {
  it('param differences, metric deltas (b − a) overall / per gender / per class, and both significance tests', async () => {
    const r = await ser(ws, ['exp', 'diff', 'base', 'skill', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    const [a, b] = [await record(ws, 'base'), await record(ws, 'skill')];
    expect(c.params).toEqual([{ path: 'train.skill', a: 0.5, b: 0.7 }]);
    expect(c.artifacts.filter((x: { same: boolean }) => x.same).map((x: { id: string }) => x.id)).toEqual(['ingest', 'featurize', 'split']);
    const row = (path: string) => c.metrics.find((m: { path: string }) => m.path === path);
    expect(row('accuracy')).toMatchObject({ a: a.metrics.accuracy, b: b.metrics.accuracy });
    expect(row('accuracy').delta).toBeCloseTo(b.metrics.accuracy - a.metrics.accuracy, 12);
    expect(row('gender.male.uar').delta).toBeCloseTo(b.metrics.gender.male.uar - a.metrics.gender.male.uar, 12);
    expect(row('per_class.sad.recall').delta).toBeCloseTo(b.metrics.per_class.sad.recall - a.metrics.per_class.sad.recall, 12);
    expect(row('bias.accuracy.diff')).toBeDefined();
    expect(c.test_set).toEqual({ n: 128, folds: [0, 1], actors: [1, 2, 3, 4, 5, 6, 7, 8], checked: 'clips' });
    // The toy model is right when u(id) < skill: raising 0.5 → 0.7 turns exactly the
    // test clips with 0.5 ≤ u < 0.7 right and none wrong.
    const clips = (await readFile(join(ws, 'data', 'raw', 'clips.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
    const flipped = clips.filter((id) => u(id) >= 0.5 && u(id) < 0.7).length;
    expect(c.significance.mcnemar).toMatchObject({ n: 128, only_a: 0, only_b: flipped, both_correct: clips.filter((id) => u(id) < 0.5).length });
    expect(c.significance.mcnemar.p_mid).toBeCloseTo(mcnemarP(0, flipped).p_mid, 15);
    expect(c.significance.bootstrap.delta).toBeCloseTo(flipped / 128, 12);
    expect(c.significance.bootstrap).toMatchObject({ n_boot: 2000, seed: 0, degenerate: false, significant: true, actors: { female: [2, 4, 6, 8], male: [1, 3, 5, 7] } });
    expect(c.significance.bootstrap.ci_low).toBeGreaterThan(0);
    // deterministic: the same command gives the same interval; --seed changes it
    const again = JSON.parse((await ser(ws, ['exp', 'diff', 'base', 'skill', '--json'])).stdout);
    expect(again.significance).toEqual(c.significance);
    const other = JSON.parse((await ser(ws, ['exp', 'diff', 'base', 'skill', '--json', '--seed', '7', '--boot', '500'])).stdout);
    expect(other.significance.bootstrap).toMatchObject({ seed: 7, n_boot: 500 });
  });

  it('text and Markdown output', async () => {
    const t = (await ser(ws, ['exp', 'diff', 'base', 'skill'])).stdout;
    expect(t).toMatch(/^a: base \[/);
    expect(t).toMatch(/test set: 128 clips, folds 0,1, actors 1,2,3,4,5,6,7,8 — the same clips in both \(checked clip by clip\)/);
    expect(t).toMatch(/same artifacts: ingest, featurize, split; different: train\[fold=0\], train\[fold=1\], evaluate/);
    expect(t).toMatch(/train\.skill\s+0\.5\s+0\.7/);
    expect(t).toMatch(/^\s+accuracy\s+0\.\d{3}\s+0\.\d{3}\s+\+0\.\d{3}$/m);
    expect(t).toMatch(/^\s+male accuracy\s/m);
    expect(t).toMatch(/^\s+sad recall\s/m);
    expect(t).toMatch(/McNemar \(paired on 128 clips\): 0 right only in base, \d+ right only in skill; exact p = \S+, mid-p = \S+ → significant at α = 0\.05/);
    expect(t).toMatch(/Actor bootstrap: Δ accuracy \+0\.\d{3}, 95 % CI \[\+0\.\d{3}, \+0\.\d{3}\] over 8 test actors .* → CI excludes 0/);
    const md = (await ser(ws, ['exp', 'diff', 'base', 'skill', '--md'])).stdout;
    expect(md).toMatch(/^### Experiment diff: `base` → `skill`\n/);
    expect(md).toMatch(/\| metric \| a \| b \| Δ b − a \|\n\| --- \| ---: \| ---: \| ---: \|\n\| accuracy \| 0\.\d{3} \| 0\.\d{3} \| \+0\.\d{3} \|/);
    expect(md).toContain('<details><summary>Per class</summary>');
    expect(md).toContain('| `train.skill` | 0.5 | 0.7 |');
  });

  it('--fail-if: exit 1 naming the regression, 0 when no condition holds, 2 for a bad expression', async () => {
    const worse = await ser(ws, ['exp', 'diff', 'skill', 'base', '--fail-if', 'accuracy < -0.02', '--fail-if', 'uar < -0.9']);
    expect(worse.code).toBe(1);
    expect(worse.stderr).toMatch(/regression gate failed: accuracy < -0\.02 — Δ accuracy = -0\.\d{4} \(0\.\d{4} → 0\.\d{4}\)/);
    expect(worse.stderr).not.toMatch(/uar < -0\.9/);
    expect(worse.stdout).toMatch(/Gate \(--fail-if\): FAILED\n\s+FAIL\s+accuracy < -0\.02: .*\n\s+pass\s+uar < -0\.9/);
    const better = await ser(ws, ['exp', 'diff', 'base', 'skill', '--fail-if', 'accuracy < -0.02, rel(macro_f1) < -5%', '--md']);
    expect(better.code).toBe(0);
    expect(better.stdout).toMatch(/✅ gate passed/);
    const sig = await ser(ws, ['exp', 'diff', 'skill', 'base', '--fail-if', 'accuracy < 0 and significance.mcnemar.p_mid < 0.05']);
    expect(sig.code).toBe(1);
    for (const bad of ['accuracy <', 'acuracy < 0']) {
      const r = await ser(ws, ['exp', 'diff', 'base', 'skill', '--fail-if', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--fail-if/);
    }
  });

  it('refuses two experiments evaluated on different test sets, saying what differs (exit 3)', async () => {
    const w = await makeExpWorkspace();
    expect((await ser(w, ['exp', 'run', 'two-folds'])).code).toBe(0);
    expect((await ser(w, ['exp', 'run', 'one-fold', '--set', 'split.folds=[0]'])).code).toBe(0);
    expect((await ser(w, ['exp', 'run', 'regrouped', '--set', 'split.groups=[[1,2,3,5],[4,6,7,8]]'])).code).toBe(0);
    const r = await ser(w, ['exp', 'diff', 'two-folds', 'one-fold', '--fail-if', 'accuracy < -0.02']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot compare 'two-folds' and 'one-fold': they were evaluated on different test sets — two-folds: 128 clips, folds 0,1, actors 1,2,3,4,5,6,7,8; one-fold: 64 clips, fold 0, actors 1,2,3,4; 64 clip\(s\) only in two-folds/);
    expect(r.stdout).toBe('');
    // same clips, but in other folds
    const g = await ser(w, ['exp', 'diff', 'two-folds', 'regrouped']);
    expect(g.code).toBe(3);
    expect(g.stderr).toMatch(/different test sets .* clip\(s\) only in two-folds \(e\.g\. 03-01-\S+ fold [01]/);
  });
});

describe('baselines: ser exp export, ser exp diff --baseline', () => {
  it('export writes metrics + per-clip predictions; diff --baseline pairs the run with it', async () => {
    const e = await ser(ws, ['exp', 'export', 'base', '--out', 'metrics/baseline.json']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/wrote metrics\/baseline\.json: baseline 'base' \(128 test clips, per-clip predictions included; accuracy 0\.\d{3}\)/);
    const text = await readFile(join(ws, 'metrics', 'baseline.json'), 'utf8');
    const b = JSON.parse(text);
    expect(b).toMatchObject({ schema: 'ser-baseline', schema_version: 1, name: 'base', backend: 'toy (1 thread)' });
    expect(b.clips.columns).toEqual(['id', 'fold', 'actor', 'gender', 'true', 'pred']);
    expect(b.clips.rows).toHaveLength(128);
    expect(text).toMatch(/\n {6}\["03-01-01-01-01-01-01",0,1,"male",0,\d\],\n/); // one clip per line
    expect(b.metrics).toEqual((await record(ws, 'base')).metrics);

    const viaBaseline = JSON.parse((await ser(ws, ['exp', 'diff', '--baseline', 'metrics/baseline.json', 'skill', '--json'])).stdout);
    const viaRecords = JSON.parse((await ser(ws, ['exp', 'diff', 'base', 'skill', '--json'])).stdout);
    expect(viaBaseline.metrics).toEqual(viaRecords.metrics);
    expect(viaBaseline.significance).toEqual(viaRecords.significance);
    expect(viaBaseline.a).toMatchObject({ name: 'baseline:base', kind: 'baseline', path: 'metrics/baseline.json' });
    expect(viaBaseline.artifacts.filter((x: { same: boolean }) => x.same).map((x: { id: string }) => x.id)).toEqual(['ingest', 'featurize', 'split']);
    const gate = await ser(ws, ['exp', 'diff', '--baseline', 'metrics/baseline.json', 'skill', '--md', '--fail-if', 'b(accuracy) < 0.99']);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/### Experiment diff: `baseline:base` → `skill` — ❌ gate failed/);
  });

  it('a plain metrics.json works as a baseline: deltas and the gate, no significance; a different test set is still refused', async () => {
    const a = await record(ws, 'base');
    await writeFile(join(ws, 'plain.json'), JSON.stringify(a.metrics));
    const r = await ser(ws, ['exp', 'diff', '--baseline', 'plain.json', 'skill', '--fail-if', 'accuracy < -0.5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/significance not computed: plain\.json holds no per-clip predictions/);
    expect(r.stdout).toMatch(/same counts per fold, actor and class/);
    const other = structuredClone(a.metrics);
    other.n = 64;
    other.folds_evaluated = [0];
    await writeFile(join(ws, 'other.json'), JSON.stringify(other));
    const refused = await ser(ws, ['exp', 'diff', '--baseline', 'other.json', 'skill']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/different test sets \(64 vs 128 clips; folds 0 vs 0,1\)/);
    const missing = await ser(ws, ['exp', 'diff', '--baseline', 'nope.json', 'skill']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/--baseline nope\.json: no such file \(create it with `npx ser exp export <experiment> --out nope\.json`\)/);
    await writeFile(join(ws, 'junk.json'), '{"hello": 1}');
    expect((await ser(ws, ['exp', 'diff', '--baseline', 'junk.json', 'skill'])).stderr).toMatch(/neither a baseline .* nor a metrics\.json/);
  });
});

describe('ser gc and ser exp rm', () => {
  it('gc keeps every artifact an experiment references; after exp rm it frees them', async () => {
    const w = await makeExpWorkspace();
    expect((await ser(w, ['exp', 'run', 'a'])).code).toBe(0);
    expect((await ser(w, ['exp', 'run', 'b', '--set', 'train.skill=0.8'])).code).toBe(0);
    const [ra, rb] = [await record(w, 'a'), await record(w, 'b')];
    const gc = await ser(w, ['gc']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/freed 0 B \(0 entries\); kept 9 artifacts referenced by pipeline\.lock or by 2 experiment record\(s\)/);
    const rm = await ser(w, ['exp', 'rm', 'b']);
    expect(rm.stdout).toMatch(/removed experiment 'b'/);
    expect((await ser(w, ['gc'])).stdout).toMatch(/kept 6 artifacts/);
    for (const id of ['train[fold=0]', 'train[fold=1]', 'evaluate']) expect(existsSync(join(w, 'artifacts', id.replace(/\[.*/, ''), rb.artifacts[id]))).toBe(false);
    for (const [id, key] of Object.entries(ra.artifacts)) expect(existsSync(join(w, 'artifacts', id.replace(/\[.*/, ''), key as string))).toBe(true);
    expect((await ser(w, ['exp', 'rm', 'b'])).stderr).toMatch(/no experiment 'b' \(experiments: a\)/);
  });
});
