// `ser <command> [args]`: dispatches to src/cli/commands/<command>.ts (see command.ts
// for how to add one). Exit codes: 0 ok, 1 failure, 2 usage or pipeline.yaml error,
// 130 interrupted.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Command, CommandIO } from './command.ts';
import { UsageError } from './command.ts';
import { PipelineConfigError } from '../pipeline/config.ts';

const COMMANDS_DIR = fileURLToPath(new URL('./commands/', import.meta.url));

export function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const file = join(COMMANDS_DIR, `${name}.ts`);
  if (!existsSync(file)) return undefined;
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
    if (err instanceof UsageError) {
      io.stderr.write(`ser ${name}: ${err.message}\n\nusage: ${cmd.usage}\n`);
      return 2;
    }
    if (err instanceof PipelineConfigError) {
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
