// The git state an experiment ran from: commit, whether tracked files were modified
// (uncommitted changes make the commit an incomplete description of the code), branch.
// null outside a git work tree or without git: experiments still work.
import { execFile } from 'node:child_process';
import type { GitInfo } from './record.ts';

function git(root: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: root, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
}

export async function gitInfo(root: string): Promise<GitInfo | null> {
  const commit = await git(root, ['rev-parse', '--verify', 'HEAD']);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
  // Tracked changes only: untracked scratch files do not change what the commit means.
  const status = await git(root, ['status', '--porcelain', '--untracked-files=no']);
  const branch = await git(root, ['symbolic-ref', '--short', '-q', 'HEAD']);
  return { commit, dirty: status === null ? true : status.length > 0, branch: branch || null };
}

/** `1a2b3c4` or `1a2b3c4*` (dirty), `—` when unknown. */
export function shortCommit(g: GitInfo | null | undefined): string {
  return g ? `${g.commit.slice(0, 7)}${g.dirty ? '*' : ''}` : '—';
}
