// The git state recorded with an experiment: commit, dirty flag (tracked changes only), branch.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitInfo, shortCommit } from '../../src/experiments/git.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('gitInfo', () => {
  it('commit and branch; dirty only when a tracked file differs from the commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-git-'));
    dirs.push(dir);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim();
    git('init', '-q');
    await writeFile(join(dir, 'pipeline.yaml'), 'params: {}\n');
    git('add', 'pipeline.yaml');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD');
    expect(await gitInfo(dir)).toEqual({ commit: head, dirty: false, branch: 'main' });
    await writeFile(join(dir, 'scratch.txt'), 'untracked\n');
    expect((await gitInfo(dir))!.dirty).toBe(false);
    await writeFile(join(dir, 'pipeline.yaml'), 'params: { a: 1 }\n');
    const g = await gitInfo(dir);
    expect(g!.dirty).toBe(true);
    expect(shortCommit(g)).toBe(`${head.slice(0, 7)}*`);
    git('checkout', '-q', '--detach');
    expect((await gitInfo(dir))!.branch).toBeNull();
  });

  it('null outside a git work tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-nogit-'));
    dirs.push(dir);
    expect(await gitInfo(dir)).toBeNull();
    expect(shortCommit(null)).toBe('—');
  });
});
