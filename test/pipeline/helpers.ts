// Shared helpers of the engine tests: temporary copies of the toy workspaces, in-process
// runs with a MemoryReporter, and CLI runs as child processes.
import { cp, mkdtemp, readFile, symlink, writeFile, rm } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipeline, parseOverride } from '../../src/pipeline/config.ts';
import { runPipeline, type RunOptions, type RunSummary } from '../../src/pipeline/runner.ts';
import { MemoryReporter } from '../../src/pipeline/progress.ts';
import { main } from '../../src/cli/main.ts';
import { Writable } from 'node:stream';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SER_BIN = join(REPO, 'bin', 'ser.mjs');
const created: string[] = [];

/** A temporary copy of test/fixtures/<fixture>, with node_modules linked in. */
export async function makeWorkspace(fixture = 'toy-pipeline'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ser-${fixture}-`));
  await cp(join(REPO, 'test', 'fixtures', fixture), dir, { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  created.push(dir);
  return dir;
}

/** A copy of an existing workspace (artifacts, lock and state included). */
export async function cloneWorkspace(src: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ser-clone-'));
  await cp(src, dir, { recursive: true, verbatimSymlinks: true });
  created.push(dir);
  return dir;
}

export async function removeWorkspaces(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface InProcessRun extends RunSummary {
  lines: string[];
  ran: string[];
  reused: string[];
}

/** Run in-process; `set` are k=v overrides like --set. */
export async function run(root: string, opts: Partial<RunOptions> & { set?: string[] } = {}): Promise<InProcessRun> {
  const pipeline = loadPipeline(root, { overrides: (opts.set ?? []).map((s) => parseOverride(s, '--set')) });
  const reporter = new MemoryReporter();
  const summary = await runPipeline(pipeline, { reporter, ...opts });
  const by = (o: string) => summary.results.filter((r) => r.outcome === o).map((r) => r.id).sort();
  return { ...summary, lines: reporter.lines, ran: by('ran'), reused: by('reused') };
}

export async function edit(root: string, rel: string, f: (text: string) => string): Promise<void> {
  const p = join(root, rel);
  await writeFile(p, f(await readFile(p, 'utf8')));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawn `node bin/ser.mjs …` in `cwd`. */
export function spawnSer(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
  const child = spawn(process.execPath, [SER_BIN, ...args], { cwd, env: { ...process.env, ...env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

export function ser(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return spawnSer(cwd, args, env).done;
}

/** Resolve when `pred()` holds (polling), or fail after `ms`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class Collect extends Writable {
  text = '';
  _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/** The CLI's main() in-process (same code path as bin/ser.mjs, minus process start-up). */
export async function serInProcess(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await main(args, { stdout, stderr, cwd, env: { ...process.env, ...env }, signal: new AbortController().signal });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}
