// DAG scheduling: independent stages run concurrently within -j, a stage's max_parallel
// caps its matrix instances; prepare() fetches missing data before the key is computed.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { loadPipeline } from '../../src/pipeline/config.ts';
import { pipelineStatus, formatEvaluation } from '../../src/pipeline/status.ts';
import { makeWorkspace, removeWorkspaces, run } from './helpers.ts';

afterAll(async () => {
  await destroySharedPool();
  await removeWorkspaces();
});

interface Interval {
  stage: string;
  matrix: Record<string, number>;
  start: number;
  end: number;
}

async function intervals(r: Awaited<ReturnType<typeof run>>): Promise<Record<string, Interval>> {
  const out: Record<string, Interval> = {};
  for (const x of r.results) if (x.dir && x.stage !== 'fetch') out[x.id] = JSON.parse(await readFile(join(x.dir, 'interval.json'), 'utf8'));
  return out;
}

const overlap = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

describe('scheduling', () => {
  it('runs independent stages concurrently; max_parallel: 1 serializes matrix instances', async () => {
    const ws = await makeWorkspace('toy-extra');
    const r = await run(ws, { jobs: 4, targets: ['a', 'b', 'm'] });
    expect(r.ok).toBe(true);
    const iv = await intervals(r);
    expect(Object.keys(iv).sort()).toEqual(['a', 'b', 'm[i=1]', 'm[i=2]', 'm[i=3]']);
    expect(overlap(iv.a, iv.b)).toBe(true);
    const ms = [iv['m[i=1]'], iv['m[i=2]'], iv['m[i=3]']];
    expect(overlap(ms[0], ms[1]) || overlap(ms[1], ms[2]) || overlap(ms[0], ms[2])).toBe(false);
  });

  it('-j 1 runs one stage instance at a time', async () => {
    const ws = await makeWorkspace('toy-extra');
    const r = await run(ws, { jobs: 1, targets: ['a', 'b'], set: ['sleep_ms=150'] });
    const iv = await intervals(r);
    expect(overlap(iv.a, iv.b)).toBe(false);
  });
});

describe('prepare()', () => {
  it('status reports missing data; run calls prepare, then hashes and runs', async () => {
    const ws = await makeWorkspace('toy-extra');
    const before = (await pipelineStatus(loadPipeline(ws), ['fetch'])).map(formatEvaluation);
    expect(before).toEqual(['fetch: stale — never run; data missing (data/fetched.txt)']);
    const r = await run(ws, { targets: ['fetch'] });
    expect(r.ok).toBe(true);
    expect(r.lines).toContain('fetch: preparing (data missing)');
    expect(r.ran).toEqual(['fetch']);
    expect(await readFile(join(r.results[0].dir!, 'copy.txt'), 'utf8')).toBe('downloaded\n');
    // Present data: prepare is not called again, and nothing reruns.
    const again = await run(ws, { targets: ['fetch'] });
    expect(again.lines).not.toContain('fetch: preparing (data missing)');
    expect(again.ran).toEqual([]);
  });

  it('fails clearly when the data is still missing after prepare', async () => {
    const ws = await makeWorkspace('toy-extra');
    await rm(join(ws, 'stages', 'fetch.ts'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(ws, 'stages', 'fetch.ts'), "export default { description: 'x', outs: [], async run() {} };\n");
    await expect(run(ws, { targets: ['fetch'] })).rejects.toThrow(/fetch: data path data\/fetched.txt does not exist \(stages.fetch.data in pipeline.yaml\)/);
  });
});
