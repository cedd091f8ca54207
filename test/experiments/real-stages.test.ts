// Experiments over the project's REAL stages (stages/ingest, resample, featurize, split —
// the files themselves, linked into a temporary workspace) on a tiny synthetic RAVDESS
// folder: a featurize-param experiment reuses ingest, resample and split, and
// `exp show` makes the sharing visible.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { REPO } from '../pipeline/helpers.ts';
import { clip, officialPath, wavOf, writeFiles } from '../dataset/helpers.ts';
import { makeExpWorkspace, removeExpWorkspaces, ser } from './helpers.ts';

afterAll(async () => {
  await destroySharedPool();
  await removeExpWorkspaces();
});

const STAGES = ['ingest', 'resample', 'featurize', 'split'];

async function realWorkspace(): Promise<string> {
  const ws = await makeExpWorkspace();
  // The toy files are replaced by the project's own stages and src/.
  await symlink(join(REPO, 'src'), join(ws, 'src'));
  await mkdir(join(ws, 'real-stages'));
  for (const s of STAGES) await symlink(join(REPO, 'stages', `${s}.ts`), join(ws, 'real-stages', `${s}.ts`));
  const project = parse(await readFile(join(REPO, 'pipeline.yaml'), 'utf8')) as { params: Record<string, unknown>; stages: Record<string, Record<string, unknown>> };
  const params = { ...project.params };
  params.dataset = { ...(params.dataset as object), path: 'data/ravdess', download: false };
  params.split = { ...(params.split as object), protocol: 'actors', folds: [0], actors: { train: [1, 2], val: [3], test: [4] } };
  const stages = Object.fromEntries(STAGES.map((s) => [s, { ...project.stages[s], file: `real-stages/${s}.ts` }]));
  await writeFile(join(ws, 'pipeline.yaml'), stringify({ params, stages }));
  const files: Record<string, Uint8Array> = {};
  for (const actor of [1, 2, 3, 4]) {
    for (const emotion of ['01', '05']) {
      const id = `03-01-${emotion}-01-01-01-${String(actor).padStart(2, '0')}`;
      files[officialPath(id)] = wavOf(clip(id));
    }
  }
  await writeFiles(join(ws, 'data', 'ravdess'), files);
  return ws;
}

describe('experiments over the real stages', () => {
  it('a features.* change reruns featurize only; exp show shows ingest, resample and split shared', async () => {
    const ws = await realWorkspace();
    const a = await ser(ws, ['exp', 'run', 'mels64', '--stage', 'featurize', '--stage', 'split']);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    expect(a.stdout).toMatch(/4 ran, 0 reused from the cache/);
    expect(a.stdout).toContain('metrics: none (the experiment stopped before evaluate)');
    const b = await ser(ws, ['exp', 'run', 'mels32', '--stage', 'featurize', '--stage', 'split', '--set', 'features.n_mels=32']);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    for (const s of ['ingest', 'resample', 'split']) expect(b.stdout).toMatch(new RegExp(`^${s}\\s+reused\\s`, 'm'));
    expect(b.stdout).toMatch(/^featurize\s+ran\s/m);
    const show = (await ser(ws, ['exp', 'show', '--json'])).stdout;
    const [ra, rb] = JSON.parse(show);
    expect(rb.shares).toEqual({ with: 'mels64', stages: ['ingest', 'resample', 'split'] });
    expect(rb.keys.featurize).not.toBe(ra.keys.featurize);
    expect(rb.changed).toEqual(['features.n_mels=32']);
    const rec = JSON.parse(await readFile(join(ws, 'artifacts', 'experiments', 'mels32.json'), 'utf8'));
    expect(rec.params_changed).toEqual([{ path: 'features.n_mels', default: 64, value: 32 }]);
  }, 120_000);
});
