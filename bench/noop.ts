// make bench-noop DATA=<folder>
// How fast the engine decides "nothing to do" over a big raw-data dependency. In a
// temporary workspace with a one-stage pipeline whose `data:` is DATA, it measures
//   first_hash_s   hashing DATA with a cold state cache (in-process, the engine's hashPath)
//   first_status_s `ser status` as a fresh process with a cold state cache
//   noop_status_s  `ser status` once everything is fresh (separate process, median of 5)
//   noop_run_s     `ser run` once everything is fresh (separate process, median of 5)
// Last line: files=… bytes=… first_hash_s=… first_hash_mb_s=… first_status_s=… noop_status_s=… noop_run_s=…
// (+ noop_*_cpu_s = CPU seconds of those processes, and the 1-min load average).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateCache, hashPath, sha256 } from '../src/pipeline/hash.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SER = join(REPO, 'bin', 'ser.mjs');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// GNU time, when installed, also gives the process's CPU time (user + sys): on a
// machine shared with other jobs that is the steadier figure (wall time includes
// waiting for a core).
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function timeSer(cwd: string, args: string[]): { s: number; cpu?: number; stdout: string } {
  const t0 = performance.now();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', 'SER_CPU %U %S', process.execPath, SER, ...args], { cwd, encoding: 'utf8' })
    : spawnSync(process.execPath, [SER, ...args], { cwd, encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ser ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /SER_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { s, cpu: m ? Number(m[1]) + Number(m[2]) : undefined, stdout: r.stdout };
}

async function main(): Promise<void> {
  const dataArg = process.argv[2];
  if (!dataArg) throw new Error('usage: make bench-noop DATA=<folder>');
  const data = resolve(dataArg);
  if (!existsSync(data)) throw new Error(`DATA folder ${data} does not exist`);

  const ws = await mkdtemp(join(tmpdir(), 'ser-bench-noop-'));
  try {
    await mkdir(join(ws, 'stages'));
    await writeFile(join(ws, 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(
      join(ws, 'pipeline.yaml'),
      `params:\n  dataset: { path: ${JSON.stringify(data)} }\nstages:\n  scan:\n    data: ['\${dataset.path}']\n    params: [dataset]\n`,
    );
    // The stage lists the folder: cheap, so the benchmark measures the engine.
    await writeFile(
      join(ws, 'stages', 'scan.ts'),
      `import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
export default {
  description: 'bench: list the data folder',
  outs: ['files.txt'],
  async run(ctx) {
    const files = (await readdir(ctx.data[0], { recursive: true })).sort();
    await writeFile(join(ctx.outDir, 'files.txt'), files.join('\\n'));
  },
};
`,
    );

    // sha256 speed in memory, for reference (SHA-NI makes this >1 GB/s).
    const buf = Buffer.alloc(64 * 1024 * 1024, 7);
    let t0 = performance.now();
    sha256(buf);
    const shaMbS = 64 / ((performance.now() - t0) / 1000);

    // 1. First full hash, cold state cache (page cache as it is).
    const state = await StateCache.load(ws);
    t0 = performance.now();
    const h = await hashPath(data, state);
    const firstHashS = (performance.now() - t0) / 1000;
    const mb = h.bytes / 1e6;
    console.log(`first hash: ${h.files} files, ${mb.toFixed(1)} MB in ${firstHashS.toFixed(3)} s (${(mb / firstHashS).toFixed(0)} MB/s; in-memory sha256 ${shaMbS.toFixed(0)} MB/s)`);

    // 2. `ser status` as a process with a cold state cache (the state above is not saved).
    const firstStatus = timeSer(ws, ['status']);
    console.log(`first ser status (cold state cache): ${firstStatus.s.toFixed(3)} s: ${firstStatus.stdout.trim()}`);

    // 3. Make it fresh.
    const run = timeSer(ws, ['run']);
    console.log(`ser run (runs the stage): ${run.s.toFixed(3)} s`);

    // 4. No-op status / run, separate processes.
    const statusTimes: number[] = [];
    const runTimes: number[] = [];
    const statusCpu: number[] = [];
    const runCpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = timeSer(ws, ['status']);
      if (!/^scan: fresh$/m.test(s.stdout)) throw new Error(`expected 'scan: fresh', got: ${s.stdout}`);
      statusTimes.push(s.s);
      if (s.cpu !== undefined) statusCpu.push(s.cpu);
      const r = timeSer(ws, ['run']);
      if (!/0 ran, 0 reused from cache, 1 fresh/.test(r.stdout)) throw new Error(`expected a no-op run, got: ${r.stdout}`);
      runTimes.push(r.s);
      if (r.cpu !== undefined) runCpu.push(r.cpu);
    }
    console.log(`no-op ser status: ${statusTimes.map((t) => t.toFixed(3)).join(' ')} s wall${statusCpu.length ? `; ${statusCpu.map((t) => t.toFixed(2)).join(' ')} s CPU` : ''}`);
    console.log(`no-op ser run:    ${runTimes.map((t) => t.toFixed(3)).join(' ')} s wall${runCpu.length ? `; ${runCpu.map((t) => t.toFixed(2)).join(' ')} s CPU` : ''}`);
    const load = (await import('node:os')).loadavg()[0];
    console.log(
      `files=${h.files} bytes=${h.bytes} first_hash_s=${firstHashS.toFixed(3)} first_hash_mb_s=${(mb / firstHashS).toFixed(0)} sha256_mem_mb_s=${shaMbS.toFixed(0)} ` +
        `first_status_s=${firstStatus.s.toFixed(3)} noop_status_s=${median(statusTimes).toFixed(3)} noop_run_s=${median(runTimes).toFixed(3)}` +
        (statusCpu.length ? ` noop_status_cpu_s=${median(statusCpu).toFixed(2)} noop_run_cpu_s=${median(runCpu).toFixed(2)}` : '') +
        ` loadavg=${load.toFixed(1)}`,
    );
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench-noop: ${(err as Error).message}`);
  process.exit(1);
});
