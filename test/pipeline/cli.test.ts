// The CLI as a user runs it: child processes where processes matter (kill -9, Ctrl-C,
// two runs on one workspace), the same main() in-process for output and exit codes.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { collectGarbage } from '../../src/pipeline/gc.ts';
import { acquireWorkspaceLock, lockPathOf } from '../../src/pipeline/wslock.ts';
import { cloneWorkspace, edit, makeWorkspace, removeWorkspaces, run, ser, serInProcess, spawnSer, waitFor } from './helpers.ts';

let baseline: string;
beforeAll(async () => {
  baseline = await makeWorkspace();
  expect((await run(baseline)).ok).toBe(true);
});
afterAll(async () => {
  await destroySharedPool();
  await removeWorkspaces();
});

const keyDirs = async (dir: string) => (existsSync(dir) ? (await readdir(dir)).filter((e) => /^[0-9a-f]{64}$/.test(e)) : []);

describe('ser CLI', () => {
  it('kill -9 during a slow stage leaves nothing complete-looking; the rerun redoes the stage', async () => {
    const ws = await makeWorkspace();
    const a = spawnSer(ws, ['run'], { TOY_SQUARE_SLEEP_MS: '60000' });
    await waitFor(() => a.output().includes('square: sleeping'), 30_000, 'square to start');
    a.child.kill('SIGKILL');
    expect((await a.done).signal).toBe('SIGKILL');

    const sq = join(ws, 'artifacts', 'square');
    expect(await keyDirs(sq)).toEqual([]);
    const temps = (await readdir(sq)).filter((e) => e.startsWith('.tmp-'));
    expect(temps.length).toBeGreaterThan(0); // the partial output, clearly a temp dir
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    expect(Object.keys(lock.stages)).toEqual(['gen']);
    expect(existsSync(lockPathOf(ws))).toBe(true); // left behind by the dead run

    const st = await serInProcess(ws, ['status']);
    expect(st.stdout).toContain('square: stale — never run');

    const b = await ser(ws, ['run']); // takes over the dead run's workspace lock
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/square: running \(never run\)/);
    expect(b.stdout).toMatch(/done: 5 ran, 0 reused from cache, 1 fresh/);
    expect(await keyDirs(sq)).toHaveLength(1);
    expect((await readdir(sq)).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
  });

  it('Ctrl-C (SIGINT) cancels the running stage cleanly: exit 130, no artifact, no temp dir', async () => {
    const ws = await makeWorkspace();
    // Through the tsx path of bin/ser.mjs (the other tests use its cached bundle).
    const a = spawnSer(ws, ['run'], { TOY_SQUARE_SLEEP_MS: '60000', SER_NO_BUNDLE: '1' });
    await waitFor(() => a.output().includes('square: sleeping'), 30_000, 'square to start');
    a.child.kill('SIGINT');
    const r = await a.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupting/);
    expect(r.stdout).toMatch(/square: cancelled/);
    const sq = join(ws, 'artifacts', 'square');
    expect((await readdir(sq)).filter((e) => !e.endsWith('.log'))).toEqual([]);
    expect(existsSync(lockPathOf(ws))).toBe(false); // released
  });

  it('a second run waits for the first; --no-wait and --wait-timeout fail clearly', async () => {
    const ws = await makeWorkspace();
    const release = join(ws, 'release-square');
    // A's square stage runs until the test creates `release`.
    const a = spawnSer(ws, ['run'], { TOY_SQUARE_UNTIL_FILE: release });
    await waitFor(() => a.output().includes('square: sleeping'), 30_000, 'square to start');
    const b = spawnSer(ws, ['run']);
    const [c, d] = await Promise.all([ser(ws, ['run', '--no-wait']), ser(ws, ['run', '--wait-timeout', '0.3'])]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/another ser run holds this workspace \(pid \d+, `ser run`, started .*\); not waiting \(--no-wait\)/);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/gave up after 0.3 s waiting for another ser run/);
    await waitFor(() => b.output().includes('waiting for another ser run to finish'), 30_000, 'b to wait');
    await writeFile(release, '');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    expect(rb.stdout).toMatch(/done: 0 ran, 0 reused from cache, 6 fresh/);
  }, 90_000);

  it('status prints one line per instance with the reason; --json for scripts', async () => {
    const ws = await cloneWorkspace(baseline);
    await edit(ws, 'lib/math.ts', (t) => t.replace('FACTOR = 1', 'FACTOR = 2'));
    const r = await serInProcess(ws, ['status', '--set', 'report.title=X']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'gen: fresh',
      'square: stale — stage code changed (lib/math.ts)',
      'fold[fold=0]: stale — upstream stale (square)',
      'fold[fold=1]: stale — upstream stale (square)',
      'fold[fold=2]: stale — upstream stale (square)',
      'report: stale — upstream stale (fold); param report.title Toy → X',
    ]);
    const j = await serInProcess(ws, ['status', '--json'], { SER_SET: 'gen.n=2' });
    const rows = JSON.parse(j.stdout);
    expect(rows[0]).toMatchObject({ id: 'gen', stage: 'gen', state: 'stale', reasons: ['param gen.n 4 → 2'], lock_key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(rows[2]).toMatchObject({ id: 'fold[fold=0]', matrix: { fold: 0 }, state: 'blocked' });
  });

  it('validation errors and usage errors exit 2 with a clear message', async () => {
    const ws = await cloneWorkspace(baseline);
    await edit(ws, 'pipeline.yaml', (t) => t.replace('deps: [square]', 'deps: [squar]'));
    const r = await serInProcess(ws, ['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline.yaml:\d+:\d+: stages.fold.deps\[0\]: unknown stage 'squar' \(expected one of: gen, square, report\)/);
    const u = await serInProcess(ws, ['run', '--bogus']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: ser run/);
    const h = await serInProcess(ws, ['help']);
    expect(h.stdout).toMatch(/run\s+bring stages up to date/);
    expect(h.stdout).toMatch(/gc\s+delete artifacts/);
  });

  it('gc --dry lists, gc deletes unreferenced artifacts, keeps what experiments reference', async () => {
    const ws = await cloneWorkspace(baseline);
    await run(ws, { set: ['report.title=Old'] });
    await run(ws); // back to the default title: the lock points at the first report again
    const lock = parse(await readFile(join(ws, 'pipeline.lock'), 'utf8'));
    const reports = await keyDirs(join(ws, 'artifacts', 'report'));
    expect(reports).toHaveLength(2);
    const old = reports.find((k) => k !== lock.stages.report.key)!;
    // A dead run's temp dir, and an experiment record.
    await mkdir(join(ws, 'artifacts', 'gen', `.tmp-${'0'.repeat(16)}-999999-abcdef`));
    await mkdir(join(ws, 'artifacts', 'experiments'), { recursive: true });
    await writeFile(join(ws, 'artifacts', 'experiments', 'exp1.json'), JSON.stringify({ name: 'exp1', artifacts: { report: old } }));

    const dry = await serInProcess(ws, ['gc', '--dry']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would delete artifacts\/gen\/\.tmp-0+-999999-abcdef/);
    expect(dry.stdout).not.toContain(old);
    expect(dry.stdout).toMatch(/kept 7 artifacts referenced by pipeline.lock or by 1 experiment record\(s\)/);
    expect(existsSync(join(ws, 'artifacts', 'gen', `.tmp-${'0'.repeat(16)}-999999-abcdef`))).toBe(true);

    await writeFile(join(ws, 'artifacts', 'experiments', 'exp1.json'), JSON.stringify({ name: 'exp1', artifacts: {} }));
    const r = await serInProcess(ws, ['gc']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`deleted artifacts/report/${old} (`);
    expect(r.stdout).toContain(`deleted artifacts/report/${old}.log (`);
    expect(r.stdout).toMatch(/freed \d+(\.\d+)? (B|KB) \(3 entries\)/);
    expect(await keyDirs(join(ws, 'artifacts', 'report'))).toEqual([lock.stages.report.key]);
    // Everything the lock references survived: the pipeline is still fresh.
    expect((await run(ws)).ran).toEqual([]);
    expect((await collectGarbage(ws)).deleted).toEqual([]);
  });
});

describe('workspace lock', () => {
  it('takes over a lock whose process is dead; waits for a live one', async () => {
    const ws = await makeWorkspace();
    await mkdir(join(ws, '.ser'), { recursive: true });
    const host = (await import('node:os')).hostname();
    await writeFile(lockPathOf(ws), JSON.stringify({ pid: 999999, host, started: 'then', command: 'ser run' }));
    const release = await acquireWorkspaceLock(ws, { wait: false });
    expect(JSON.parse(await readFile(lockPathOf(ws), 'utf8')).pid).toBe(process.pid);
    // A second acquirer in the same (live) process must wait, then time out.
    const msgs: string[] = [];
    await expect(acquireWorkspaceLock(ws, { timeoutS: 0.3, onWait: (m) => msgs.push(m) })).rejects.toThrow(/gave up after 0.3 s/);
    expect(msgs[0]).toMatch(/waiting for another ser run to finish \(pid \d+/);
    await release();
    expect(existsSync(lockPathOf(ws))).toBe(false);
    const again = await acquireWorkspaceLock(ws, { wait: false });
    await again();
  });
});
