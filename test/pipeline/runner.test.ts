// The engine on the toy pipeline (test/fixtures/toy-pipeline): gen -> square ->
// fold[fold=0..2] -> report (report also reads gen). Runs in-process; every test works
// on its own temporary copy of a workspace.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { loadPipeline, parseOverride } from '../../src/pipeline/config.ts';
import { pipelineStatus, formatEvaluation } from '../../src/pipeline/runner.ts';
import { parse } from 'yaml';
import { cloneWorkspace, edit, makeWorkspace, removeWorkspaces, run } from './helpers.ts';

const ALL = ['fold[fold=0]', 'fold[fold=1]', 'fold[fold=2]', 'gen', 'report', 'square'];
const FOLDS = ['fold[fold=0]', 'fold[fold=1]', 'fold[fold=2]'];

let baseline: string;

beforeAll(async () => {
  baseline = await makeWorkspace();
  const r = await run(baseline);
  expect(r.ok).toBe(true);
  expect(r.ran).toEqual(ALL);
});

afterAll(async () => {
  await destroySharedPool();
  await removeWorkspaces();
});

async function statusLines(root: string, set: string[] = []): Promise<string[]> {
  const p = loadPipeline(root, { overrides: set.map((s) => parseOverride(s, '--set')) });
  return (await pipelineStatus(p)).map(formatEvaluation);
}

describe('change detection matrix', () => {
  // [what changes, how, exactly which instances must run]. Changes a stage does not
  // use must not rerun it; changes it uses must. An upstream rerun whose outputs are
  // identical must not cascade (upstream enters keys by output hash).
  const cases: [string, { set?: string[]; change?: (root: string) => Promise<void> }, string[]][] = [
    ['param nobody declares (unused.x)', { set: ['unused.x=2'] }, []],
    ['source file nobody imports (lib/unused.ts)', { change: (r) => edit(r, 'lib/unused.ts', (t) => t + 'export const MORE = 1;\n') }, []],
    ['param only report declares (report.title)', { set: ['report.title=Other'] }, ['report']],
    ['param of the first stage changing its output (gen.n)', { set: ['gen.n=3'] }, ALL],
    ['param gen and fold declare, gen output unchanged (seed)', { set: ['seed=2'] }, [...FOLDS, 'gen', 'report']],
    ['comment and type-only edit in a module gen imports: what runs is unchanged (lib/util.ts)', { change: (r) => edit(r, 'lib/util.ts', (t) => `// edited\n${t.replace('): number[]', '): Array<number>')}`) }, []],
    ['executed code in a module only gen imports, gen output unchanged (lib/util.ts)', { change: (r) => edit(r, 'lib/util.ts', (t) => t.replace('.filter(Boolean)', '.filter((s) => s.length > 0)')) }, ['gen']],
    ['module square imports, changing its output (lib/math.ts)', { change: (r) => edit(r, 'lib/math.ts', (t) => t.replace('FACTOR = 1', 'FACTOR = 2')) }, [...FOLDS, 'report', 'square']],
    ['worker task module referenced by new URL (lib/tasks.ts)', { change: (r) => edit(r, 'lib/tasks.ts', (t) => t.replace('v * arg.scale', 'v * arg.scale + 1')) }, ALL],
    ['raw data content (data/raw/b.txt)', { change: (r) => writeFile(join(r, 'data/raw/b.txt'), '11\n') }, ALL],
    ['raw data file added, gen output unchanged (data/raw/c.txt)', { change: (r) => writeFile(join(r, 'data/raw/c.txt'), '99\n') }, ['gen']],
    ['version of a package square imports (yaml in package-lock.json)', { change: (r) => edit(r, 'package-lock.json', (t) => t.replace('"version": "2.9.1"', '"version": "2.9.2"')) }, ['square']],
    ['param square declares (square.offset)', { set: ['square.offset=1'] }, [...FOLDS, 'report', 'square']],
    ['the report stage file (stages/report.ts)', { change: (r) => edit(r, 'stages/report.ts', (t) => t.replace('<h1>', '<h1 class="t">')) }, ['report']],
    ['the fold stage file, outputs unchanged (stages/fold.ts)', { change: (r) => edit(r, 'stages/fold.ts', (t) => t.replace('const fold =', 'const unused = 1;\n    const fold =')) }, FOLDS],
    ['matrix gains a value (folds)', { set: ['folds=[0,1,2,3]'] }, ['fold[fold=3]', 'report']],
  ];

  it.each(cases)('%s', async (_what, c, expected) => {
    const ws = await cloneWorkspace(baseline);
    await c.change?.(ws);
    const r = await run(ws, { set: c.set });
    expect(r.ok).toBe(true);
    expect(r.ran).toEqual([...expected].sort());
    // And afterwards everything is fresh.
    const again = await run(ws, { set: c.set });
    expect(again.ran).toEqual([]);
  });
});

describe('status reasons', () => {
  it('names the changed param, file, input and missing output', async () => {
    const ws = await cloneWorkspace(baseline);
    expect(await statusLines(ws)).toEqual(ALL.map(() => expect.stringMatching(/: fresh$/)));
    expect(await statusLines(ws, ['square.offset=3'])).toContain('square: stale — param square.offset 0 → 3');
    await edit(ws, 'lib/math.ts', (t) => t.replace('FACTOR = 1', 'FACTOR = 3'));
    const lines = await statusLines(ws);
    expect(lines).toContain('square: stale — stage code changed (lib/math.ts)');
    expect(lines).toContain('fold[fold=1]: stale — upstream stale (square)');
    // Run square alone: now fold's recorded input differs from square's new output.
    await run(ws, { targets: ['square'] });
    expect(await statusLines(ws)).toContain('fold[fold=2]: stale — input artifact changed (square)');
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    await import('node:fs/promises').then((fs) => fs.rm(join(ws, 'artifacts', 'gen', lock.stages.gen.key), { recursive: true }));
    expect(await statusLines(ws)).toContain('gen: stale — output missing');
  });

  it('says when a cached artifact will be reused instead of rerun', async () => {
    const ws = await cloneWorkspace(baseline);
    expect((await run(ws, { set: ['report.title=Two'] })).ran).toEqual(['report']);
    expect(await statusLines(ws)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^report: stale — param report.title Two → Toy \(cached artifact [0-9a-f]{12} will be reused, no rerun\)$/)]),
    );
    const back = await run(ws);
    expect(back.ran).toEqual([]);
    expect(back.reused).toEqual(['report']);
  });
});

describe('run options', () => {
  it('--dry prints what would run and why, and runs nothing', async () => {
    const ws = await makeWorkspace();
    const r = await run(ws, { dry: true });
    expect(r.ran).toEqual([]);
    expect(r.lines).toContain('would run gen — never run');
    expect(r.lines).toContain('would run square — never run; upstream stale (gen)');
    // With a lock entry, a stage behind a stale upstream only *may* run.
    const warm = await cloneWorkspace(baseline);
    const d2 = await run(warm, { dry: true, set: ['gen.n=3'] });
    expect(d2.lines).toContain('would run gen — param gen.n 4 → 3');
    expect(d2.lines).toContain('may run square — upstream stale (gen) (skipped if the upstream outputs come out unchanged)');
    expect(d2.ran).toEqual([]);
    expect(existsSync(join(ws, 'artifacts', 'gen'))).toBe(false);
    expect(existsSync(join(ws, 'pipeline.lock'))).toBe(false);
  });

  it('`run <stage>` brings only that stage and its upstream up to date', async () => {
    const ws = await makeWorkspace();
    const r = await run(ws, { targets: ['square'] });
    expect(r.ran).toEqual(['gen', 'square']);
    expect(await statusLines(ws)).toContain('report: stale — never run; upstream stale (fold)');
  });

  it('--force reruns the named stage even when fresh, not its upstream', async () => {
    const ws = await cloneWorkspace(baseline);
    const r = await run(ws, { targets: ['square'], force: true });
    expect(r.ran).toEqual(['square']);
    expect(r.lines.some((l) => l.startsWith('square: running (forced'))).toBe(true);
    // Same key, same outputs: downstream stays fresh.
    expect((await run(ws)).ran).toEqual([]);
  });

  it('--only fails clearly when an upstream artifact is missing', async () => {
    const ws = await makeWorkspace();
    await expect(run(ws, { targets: ['square'], only: true })).rejects.toThrow(/square --only: no artifact of upstream stage 'gen' \(not in pipeline.lock\); run `npx ser run gen` first/);
  });

  it('--only reruns just the stage from the recorded upstream artifact, even if upstream is stale', async () => {
    const ws = await cloneWorkspace(baseline);
    const r = await run(ws, { targets: ['square'], only: true, force: true, set: ['gen.n=2'] });
    expect(r.ran).toEqual(['square']);
    const sq = JSON.parse(await readFile(join(r.results.find((x) => x.id === 'square')!.dir!, 'squares.json'), 'utf8'));
    expect(sq).toHaveLength(4); // from the recorded gen artifact (n=4), not n=2
    expect(await statusLines(ws, ['gen.n=2'])).toContain('gen: stale — param gen.n 4 → 2');
  });

  it('runs matrix instances with their own keys and hands all of them downstream in order', async () => {
    const lock = parse(await readFile(join(baseline, 'pipeline.lock'), 'utf8'));
    const keys = FOLDS.map((id) => lock.stages[id].key);
    expect(new Set(keys).size).toBe(3);
    for (const [i, id] of FOLDS.entries()) {
      expect(lock.stages[id].matrix).toEqual({ fold: i });
      const out = JSON.parse(await readFile(join(baseline, 'artifacts', 'fold', keys[i], 'fold.json'), 'utf8'));
      expect(out.fold).toBe(i);
    }
    expect(Object.keys(lock.stages.report.inputs)).toEqual(['fold[fold=0]', 'fold[fold=1]', 'fold[fold=2]', 'gen']);
    const html = await readFile(join(baseline, 'artifacts', 'report', lock.stages.report.key, 'report.html'), 'utf8');
    expect(html).toMatch(/"fold":0.*"fold":1.*"fold":2/);
  });

  it('publishes stable copies and refreshes them', async () => {
    const ws = await cloneWorkspace(baseline);
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    const stable = join(ws, 'artifacts', 'report.html');
    expect(await readFile(stable, 'utf8')).toBe(await readFile(join(ws, 'artifacts', 'report', lock.stages.report.key, 'report.html'), 'utf8'));
    await writeFile(stable, 'stale copy');
    const r = await run(ws);
    expect(r.ran).toEqual([]);
    expect(await readFile(stable, 'utf8')).toContain('<h1>Toy</h1>');
    await run(ws, { set: ['report.title=New'] });
    expect(await readFile(stable, 'utf8')).toContain('<h1>New</h1>');
    // publish: false (experiments) runs the stage but leaves the stable copy alone.
    const r2 = await run(ws, { set: ['report.title=Variant'], publish: false });
    expect(r2.ran).toEqual(['report']);
    expect(await readFile(stable, 'utf8')).toContain('<h1>New</h1>');
  });
});

describe('pipeline.lock', () => {
  it('records key, params, code, inputs, outputs and timing per instance', async () => {
    const lock = parse(await readFile(join(baseline, 'pipeline.lock'), 'utf8'));
    expect(Object.keys(lock.stages)).toEqual(['gen', 'square', 'fold[fold=0]', 'fold[fold=1]', 'fold[fold=2]', 'report']);
    const sq = lock.stages.square;
    expect(sq.key).toMatch(/^[0-9a-f]{64}$/);
    expect(sq.params).toEqual({ square: { fail: false, offset: 0 } });
    expect(Object.keys(sq.code)).toEqual(['lib/math.ts', 'stages/square.ts']);
    expect(sq.packages).toEqual({ yaml: '2.9.1' });
    expect(sq.inputs).toEqual({ gen: lock.stages.gen.out_hash });
    expect(sq.outs.map((o: { path: string }) => o.path)).toEqual(['extra/partial.txt', 'extra/squares.yaml', 'squares.json']);
    expect(sq.outs[2]).toEqual({ path: 'squares.json', size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(typeof sq.duration_s).toBe('number');
    expect(sq.produced_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(lock.stages.gen.code)).toEqual(['lib/tasks.ts', 'lib/util.ts', 'stages/gen.ts']);
    expect(lock.stages.gen.data['data/raw']).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), files: 2, bytes: 9 });
  });

  it('is byte-identical after a warm rerun', async () => {
    const ws = await cloneWorkspace(baseline);
    const before = await readFile(join(ws, 'pipeline.lock'), 'utf8');
    expect((await run(ws)).ran).toEqual([]);
    expect(await readFile(join(ws, 'pipeline.lock'), 'utf8')).toBe(before);
  });

  it('differs only in duration_s and produced_at between two clean runs', async () => {
    const ws = await makeWorkspace();
    await run(ws);
    const strip = (t: string) => t.split('\n').filter((l) => !/^\s+(duration_s|produced_at):/.test(l));
    const a = await readFile(join(ws, 'pipeline.lock'), 'utf8');
    const b = await readFile(join(baseline, 'pipeline.lock'), 'utf8');
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a).length).toBeGreaterThan(50);
  });
});

describe('failures, cancellation, tampering', () => {
  it('a failing stage leaves nothing that looks complete; downstream is skipped', async () => {
    const ws = await makeWorkspace();
    const r = await run(ws, { set: ['square.fail=true'] });
    expect(r.ok).toBe(false);
    expect(r.ran).toEqual(['gen']);
    expect(r.results.find((x) => x.id === 'square')!.outcome).toBe('failed');
    expect(r.results.find((x) => x.id === 'square')!.error!.message).toMatch(/square failed on purpose/);
    expect(r.results.filter((x) => x.outcome === 'skipped').map((x) => x.id).sort()).toEqual([...FOLDS, 'report']);
    const entries = await readdir(join(ws, 'artifacts', 'square'));
    expect(entries.filter((e) => /^[0-9a-f]{64}$/.test(e))).toEqual([]);
    expect(entries.filter((e) => e.startsWith('.tmp'))).toEqual([]);
    const failedLog = entries.find((e) => e.endsWith('.failed.log'))!;
    expect(await readFile(join(ws, 'artifacts', 'square', failedLog), 'utf8')).toMatch(/FAILED: Error: square failed on purpose/);
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    expect(Object.keys(lock.stages)).toEqual(['gen']);
  });

  it('a stage that does not write a declared output fails', async () => {
    const ws = await cloneWorkspace(baseline);
    await edit(ws, 'stages/report.ts', (t) => t.replace("outs: ['report.html']", "outs: ['report.html', 'summary.json']"));
    const r = await run(ws);
    expect(r.ok).toBe(false);
    expect(r.results.find((x) => x.id === 'report')!.error!.message).toMatch(/did not write its declared output summary.json/);
  });

  it('a stage reading a param it does not declare fails with a clear error', async () => {
    const ws = await cloneWorkspace(baseline);
    await edit(ws, 'stages/fold.ts', (t) => t.replace('const seed =', 'const peek = (ctx.params as any).gen; const seed ='));
    const r = await run(ws);
    expect(r.ok).toBe(false);
    expect(r.results.find((x) => x.outcome === 'failed')!.error!.message).toMatch(/stage 'fold' read param 'gen', which it does not declare: add it to stages.fold.params/);
  });

  it('Ctrl-C (signal) cancels the running stage and leaves no artifact or temp dir', async () => {
    const ws = await makeWorkspace();
    const ac = new AbortController();
    process.env.TOY_SQUARE_SLEEP_MS = '20000';
    try {
      const p = run(ws, { signal: ac.signal });
      const t0 = Date.now();
      while (!existsSync(join(ws, 'artifacts', 'square')) && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      ac.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
      const r = await p;
      expect(r.ok).toBe(false);
      expect(r.cancelled).toBe(true);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.results.find((x) => x.id === 'square')!.outcome).toBe('skipped');
    } finally {
      delete process.env.TOY_SQUARE_SLEEP_MS;
    }
    expect((await readdir(join(ws, 'artifacts', 'square'))).filter((e) => !e.endsWith('.log'))).toEqual([]);
  });

  it('detects a tampered input artifact and suggests --force; --force repairs it', async () => {
    const ws = await cloneWorkspace(baseline);
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    await appendFile(join(ws, 'artifacts', 'gen', lock.stages.gen.key, 'numbers.json'), ' ');
    const r = await run(ws, { set: ['square.offset=5'] });
    expect(r.ok).toBe(false);
    const msg = r.results.find((x) => x.outcome === 'failed')!.error!.message;
    expect(msg).toMatch(/input artifact gen \(artifacts\/gen\/[0-9a-f]{64}\) of square is corrupted or was modified after it was produced: numbers.json has 11 bytes, 10 were written/);
    expect(msg).toMatch(/npx ser run gen --force/);
    expect((await run(ws, { targets: ['gen'], force: true })).ran).toEqual(['gen']);
    const fixed = await run(ws, { set: ['square.offset=5'] });
    expect(fixed.ok).toBe(true);
    expect(fixed.ran).toEqual([...FOLDS, 'report', 'square']);
  });
});
