// `ser <command> [args]`: dispatches to src/cli/commands/<command>.ts (see command.ts
// for how to add one). Exit codes: 0 ok, 1 failure, 2 usage or pipeline.yaml error,
// 130 interrupted.
import { existsSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Command, CommandIO } from './command.ts';
import { isUsageError } from './command.ts';
import { enginePath, ensureTypeScript } from '../pipeline/paths.ts';

const COMMANDS_DIR = enginePath('cli', 'commands');

// The engine's own commands, imported with literal specifiers so that bin/ser.mjs's
// cached bundle contains them (a no-op `ser status` then loads no TypeScript at all).
// Every other file in commands/ is found by name at run time.
const ENGINE_COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  gc: () => import('./commands/gc.ts'),
  help: () => import('./commands/help.ts'),
  run: () => import('./commands/run.ts'),
  status: () => import('./commands/status.ts'),
};

export function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  if (Object.hasOwn(ENGINE_COMMANDS, name)) return (await ENGINE_COMMANDS[name]()).default;
  const file = join(COMMANDS_DIR, `${name}.ts`);
  if (!existsSync(file)) return undefined;
  await ensureTypeScript();
  return ((await import(pathToFileURL(file).href)) as { default: Command }).default;
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return main(['help', ...rest], io);
  if (name === '--version') {
    io.stdout.write('ser-pipeline\n');
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.stderr.write(`ser: unknown command '${name}' (commands: ${commandNames().join(', ')}); see \`ser help\`\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (isUsageError(err)) {
      io.stderr.write(`ser ${name}: ${err.message}\n\nusage: ${cmd.usage}\n`);
      return 2;
    }
    if (err instanceof Error && err.name === 'PipelineConfigError') {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (io.signal.aborted) {
      io.stderr.write('ser: interrupted\n');
      return 130;
    }
    const e = err as Error;
    io.stderr.write(`ser ${name}: ${io.env.SER_DEBUG ? (e.stack ?? e.message) : e.message}\n`);
    return 1;
  }
}

/** Entry used by bin/ser.mjs: real stdio, Ctrl-C handling, process exit code. */
export async function cli(argv: string[]): Promise<void> {
  const ac = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nser: interrupting (stages are cancelled; temporary outputs removed). Ctrl-C again to quit at once.\n');
      ac.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
    } else {
      process.exit(130);
    }
  });
  process.on('SIGTERM', () => ac.abort(Object.assign(new Error('terminated'), { name: 'AbortError' })));
  const code = await main(argv, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: ac.signal });
  process.exitCode = ac.signal.aborted && code !== 0 ? 130 : code;
}
