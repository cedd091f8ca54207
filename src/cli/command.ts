// The CLI is a small registry: every file src/cli/commands/<name>.ts is the command
// `ser <name>`. To add a command (predict, exp, report, …) create that file with
//
//   import { defineCommand } from '../command.ts';
//   export default defineCommand({
//     name: 'predict',
//     summary: 'one line for `ser help`',
//     usage: 'ser predict <file>… [--json]\n  details…',
//     async run(args, io) { …; return 0; },   // exit code
//   });
//
// No registration step: the dispatcher (main.ts) finds it by file name and imports only
// the command being run. Keep heavy imports (tfjs, …) inside run() so that
// `ser help` and the other commands stay fast. Use parseCommandArgs() for options and
// loadPipelineFromArgs() for the shared --set / SER_SET handling.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import type { Pipeline } from '../pipeline/config.ts';
import { envOverrides, findRoot, loadPipeline, parseOverride } from '../pipeline/config.ts';

export interface CommandIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C (the CLI exits on the second one). */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

export function defineCommand(c: Command): Command {
  return c;
}

/**
 * A usage error: printed with the command's usage, exit code 2. Recognised by its
 * `name`, not by instanceof: bin/ser.mjs runs the engine from a bundle while other
 * commands load through tsx, so the two sides hold different class objects.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** True for a UsageError from either module instance (see UsageError). */
export function isUsageError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'UsageError';
}

/** node:util parseArgs with errors turned into UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The options every pipeline command shares. */
export const setOption = { set: { type: 'string', multiple: true, short: 's' } } as const;

/** Find the project root from cwd and load pipeline.yaml with SER_SET, then --set overrides. */
export function loadPipelineFromArgs(io: CommandIO, sets: string[] | undefined): Pipeline {
  const root = findRoot(io.cwd);
  const overrides = [...envOverrides(io.env), ...(sets ?? []).map((s) => parseOverride(s, '--set'))];
  return loadPipeline(root, { overrides });
}
