// pipeline.yaml validation: every error names file:line:col, the field, and what is expected.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envOverrides, expandInstances, loadPipeline, parseOverride, PipelineConfigError } from '../../src/pipeline/config.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A workspace with this pipeline.yaml and an (empty) stage file for each name. */
async function workspace(yaml: string, stageFiles: string[] = ['a', 'b', 'c']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ser-config-'));
  dirs.push(dir);
  await mkdir(join(dir, 'stages'));
  for (const s of stageFiles) await writeFile(join(dir, 'stages', `${s}.ts`), 'export default {};\n');
  await writeFile(join(dir, 'pipeline.yaml'), yaml);
  return dir;
}

function problems(root: string, overrides: string[] = []): string[] {
  try {
    loadPipeline(root, { overrides: overrides.map((o) => parseOverride(o, '--set')) });
  } catch (err) {
    if (err instanceof PipelineConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

const file = (root: string) => relative(process.cwd(), join(root, 'pipeline.yaml'));

describe('pipeline.yaml validation', () => {
  it('accepts an empty stage list', async () => {
    const root = await workspace('params:\n  seed: 0\nstages: {}\n', []);
    const p = loadPipeline(root);
    expect(p.stages).toEqual([]);
    expect(p.params).toEqual({ seed: 0 });
  });

  it('unknown stage in deps: line, field and the stages that exist', async () => {
    const root = await workspace(`params: {x: 1}
stages:
  a: {}
  b:
    deps: [a, featurise]
`);
    expect(problems(root)).toEqual([`${file(root)}:5:15: stages.b.deps[1]: unknown stage 'featurise' (expected one of: a)`]);
  });

  it('dependency cycle: prints the cycle', async () => {
    const root = await workspace(`stages:
  a: { deps: [c] }
  b: { deps: [a] }
  c: { deps: [b] }
`);
    expect(problems(root)).toEqual([`${file(root)}:2:15: stages.a.deps[0]: dependency cycle: a → c → b → a`]);
  });

  it('unknown param reference, in params: and in ${} interpolation', async () => {
    const root = await workspace(`params:
  train: { lr: 0.001 }
  folds: [0, 1]
stages:
  a:
    params: [train.lr, trian]
    data: ['\${dataset.path}']
  b:
    matrix: { fold: '\${split.folds}' }
`);
    expect(problems(root)).toEqual([
      `${file(root)}:6:24: stages.a.params[1]: unknown param reference 'trian' — no such key under params: (expected a dotted path such as train, folds)`,
      `${file(root)}:7:12: stages.a.data[0]: unknown param reference '\${dataset.path}' — no param 'dataset.path' under params:`,
      `${file(root)}:9:21: stages.b.matrix.fold: unknown param reference '\${split.folds}' — no param 'split.folds' under params:`,
    ]);
  });

  it('wrong types say what is expected', async () => {
    const root = await workspace(`stages:
  a:
    deps: b
    max_parallel: two
  b:
    params: [1]
`);
    expect(problems(root)).toEqual([
      `${file(root)}:3:11: stages.a.deps: expected a list of stage names, e.g. [ingest]`,
      `${file(root)}:4:19: stages.a.max_parallel: expected a positive integer`,
      `${file(root)}:6:14: stages.b.params[0]: expected param path (string)`,
    ]);
  });

  it('unknown keys point at the key', async () => {
    const root = await workspace(`stages:
  a:
    dep: [b]
  b: {}
paramz: {}
`);
    expect(problems(root)).toEqual([
      `${file(root)}:3:5: stages.a.dep: unknown key 'dep' (expected one of: file, deps, data, params, matrix, max_parallel)`,
      `${file(root)}:5:1: paramz: unknown key 'paramz' (expected one of: params, stages)`,
    ]);
  });

  it('missing stage file', async () => {
    const root = await workspace(`stages:
  a: {}
  zz: { deps: [a] }
  y: { file: stages/nope.ts }
`, ['a']);
    expect(problems(root)).toEqual([
      `${file(root)}:3:3: stages.zz: stage file stages/zz.ts does not exist (file: defaults to stages/zz.ts)`,
      `${file(root)}:4:14: stages.y.file: stage file stages/nope.ts does not exist`,
    ]);
  });

  it('matrix values must be a non-empty list of scalars', async () => {
    const root = await workspace(`params: { n: 3 }
stages:
  a: { matrix: { fold: '\${n}' } }
  b: { matrix: { fold: [] } }
  c: { matrix: { fold: [{x: 1}] } }
`);
    expect(problems(root)).toEqual([
      `${file(root)}:3:24: stages.a.matrix.fold: expected a non-empty list of values, got 3 (from '\${n}')`,
      `${file(root)}:4:24: stages.b.matrix.fold: expected a non-empty list of values, got []`,
      `${file(root)}:5:24: stages.c.matrix.fold: matrix values must be scalars (numbers, strings, booleans), got {"x":1}`,
    ]);
  });

  it('YAML syntax errors carry their line', async () => {
    const root = await workspace('params:\n  a: [1, 2\nstages: {}\n');
    const p = problems(root);
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(new RegExp(`^${file(root).replace(/[.]/g, '\\.')}:\\d+:\\d+: YAML syntax error`));
  });

  it('invalid and reserved stage names', async () => {
    const root = await workspace('stages:\n  Bad_Name: {}\n  experiments: {}\n', ['Bad_Name', 'experiments']);
    expect(problems(root)).toEqual([
      `${file(root)}:2:3: stages.Bad_Name: invalid stage name 'Bad_Name': expected lowercase letters, digits, '-' or '_', starting with a letter`,
      `${file(root)}:3:3: stages.experiments: stage name 'experiments' is reserved (artifacts/experiments/ is used by the tool)`,
    ]);
  });
});

describe('params, interpolation and overrides', () => {
  it('interpolates ${} in data and matrix, after --set overrides', async () => {
    const root = await workspace(`params:
  dataset: { path: data/raw/x }
  split: { folds: [0, 1, 2] }
stages:
  a: { data: ['\${dataset.path}', 'extra/\${dataset.path}'], params: [dataset] }
  b: { deps: [a], matrix: { fold: '\${split.folds}', size: [s, m] } }
`);
    const p = loadPipeline(root, { overrides: [parseOverride('split.folds=[5]', '--set'), parseOverride('dataset.path=/abs/d', '--set')] });
    expect(p.byName.get('a')!.data).toEqual([
      { path: '/abs/d', abs: '/abs/d' },
      { path: 'extra//abs/d', abs: join(root, 'extra/abs/d') },
    ]);
    expect(expandInstances(p.byName.get('b')!).map((i) => i.id)).toEqual(['b[fold=5,size=s]', 'b[fold=5,size=m]']);
    expect(p.stages.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('--set values are YAML-typed; SER_SET splits on ;', () => {
    expect(parseOverride('train.lr=0.0005', '--set').value).toBe(0.0005);
    expect(parseOverride('a=true', '--set').value).toBe(true);
    expect(parseOverride('a=[1, 2]', '--set').value).toEqual([1, 2]);
    expect(parseOverride('a={x: 1}', '--set').value).toEqual({ x: 1 });
    expect(parseOverride('a=hello world', '--set').value).toBe('hello world');
    expect(parseOverride('a=', '--set').value).toBe(null);
    expect(() => parseOverride('novalue', '--set')).toThrow(/expected key=value/);
    expect(envOverrides({ SER_SET: 'a.b=1; c=[x,y]' })).toEqual([
      { path: 'a.b', value: 1, source: 'SER_SET' },
      { path: 'c', value: ['x', 'y'], source: 'SER_SET' },
    ]);
  });

  it('warns about overrides no stage reads, and refuses to descend into a scalar', async () => {
    const root = await workspace('params: { a: { b: 1 }, s: 2 }\nstages:\n  a: { params: [a] }\n', ['a']);
    const p = loadPipeline(root, { overrides: [parseOverride('a.typo=1', '--set'), parseOverride('zz=1', '--set')] });
    expect(p.warnings).toEqual([
      '--set a.typo: not a param in pipeline.yaml; adding it',
      '--set zz: not a param in pipeline.yaml; adding it',
      '--set zz: no stage declares this param, so it changes nothing',
    ]);
    expect(problems(root, ['s.x=1'])).toEqual(['--set: s.x: cannot set s.x: s is 2, not a mapping']);
  });
});
