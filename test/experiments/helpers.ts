// Workspaces for the experiment tests: copies of test/fixtures/toy-exp placed at the same
// depth under test-output/exp-ws/ (so the toy stages' ../../../../src imports resolve),
// with node_modules linked; and the CLI's main() in-process.
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, serInProcess, type CliResult } from '../pipeline/helpers.ts';

const created: string[] = [];
export const WS_BASE = join(REPO, 'test-output', 'exp-ws');

export async function makeExpWorkspace(fixture = 'toy-exp'): Promise<string> {
  await mkdir(WS_BASE, { recursive: true });
  const dir = await mkdtemp(join(WS_BASE, 'ws-'));
  await cp(join(REPO, 'test', 'fixtures', fixture), dir, { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  created.push(dir);
  return dir;
}

export async function removeExpWorkspaces(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** `ser <args>` in-process in workspace `ws`. */
export function ser(ws: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return serInProcess(ws, args, { SER_SET: '', ...env });
}
