// make bench-backend: one training epoch of the default CNN (the reference architecture,
// batch 32, Adam 1e-3) on seeded random 64x188 inputs, per backend/thread mode, next to
// the PyTorch reference (anchor_results.json) and, when torch is installed, a PyTorch
// epoch of the same model timed in the same run (bench/torch_epoch.py, 2 threads).
//
// Usage: npx tsx bench/backend.ts [--clips 1152] [--batch 32] [--threads N]
//          [--modes wasm2,wasm1,wasmT,torch,cpu,tensorflow] [--cpu-steps 1] [--cpu-batch 4] [--profile]
// Modes: wasm1 = wasm on this thread; wasm2 = wasm data-parallel on N worker threads
// (default: all cores); wasmT = wasm on this thread with the THREADED SIMD build (XNNPACK
// threadpool of N threads; prepareWasmThreads), run in a child process since that build
// must be the first wasm initialised in a process; cpu = pure-JS backend, --cpu-steps steps of
// --cpu-batch samples scaled to the batch and the epoch (EXTRAPOLATED, labelled so);
// tensorflow = tfjs-node when it loads; torch = bench/torch_epoch.py.
// --profile also runs bench/profile-step.ts (per-kernel time of one shard-sized step).
// Last line: ours_s_per_epoch=… reference_s_per_epoch=… ratio=… wasm1_s_per_epoch=…
//   wasm2_s_per_epoch=… cpu_s_per_step=… torch_s_per_epoch=… peak_rss_mb=… (+ extras)
// "ours" = what training uses by default: tfjs-node when it loads, else wasm on all cores.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/model/backend.ts';
import { buildModel } from '../src/model/network.ts';
import { prepareWasmThreads } from '../src/model/train/wasm-threads.ts';
import { trainModel, type TrainResult } from '../src/model/train/trainer.ts';
import { createRng } from '../src/util/rng.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    clips: { type: 'string', default: '1152' },
    batch: { type: 'string', default: '32' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    modes: { type: 'string', default: 'wasm2,wasm1,wasmT,torch,cpu,tensorflow' },
    'cpu-steps': { type: 'string', default: '1' },
    // The pure-JS backend needs ~10 CPU-minutes for one step of 32 here: its steps use
    // this many samples and are scaled to the batch (conv cost is linear in the batch).
    'cpu-batch': { type: 'string', default: '4' },
    reference: { type: 'string', default: path.join(root, '..', 'shared', 'reference', 'anchor_results.json') },
    profile: { type: 'boolean', default: false },
  },
});
const clips = Number(opts.clips);
const batch = Number(opts.batch);
const threads = Number(opts.threads);
const cpuSteps = Number(opts['cpu-steps']);
const cpuBatch = Math.min(batch, Number(opts['cpu-batch']));
const modes = opts.modes.split(',').filter(Boolean);
const [H, W] = [64, 188];
const stepsPerEpoch = Math.ceil(clips / batch);

const fmt = (v: number | null | undefined, digits = 3) => (v == null || !Number.isFinite(v) ? 'NA' : v.toFixed(digits));
const log = (m: string) => console.log(m);

// Seeded inputs ~ N(0, 1) like normalized log-Mels; uniform labels.
function randomData(n: number) {
  const rng = createRng(0, 'bench-backend');
  const x = new Float32Array(n * H * W);
  for (let i = 0; i < x.length; i += 2) {
    const u = 1 - rng.float();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rng.float();
    x[i] = r * Math.cos(t);
    if (i + 1 < x.length) x[i + 1] = r * Math.sin(t);
  }
  const y = Int32Array.from({ length: n }, () => rng.int(8));
  return { x, y };
}

function describeTiming(name: string, r: TrainResult, samples: number): string {
  const t = r.timing;
  const per = (ms: number) => (ms / Math.max(1, t.steps)).toFixed(0);
  const other = t.stepMs - t.computeMs - t.reduceMs - t.optimizerMs;
  return `${name}: per step of ${samples} samples ${per(t.stepMs)} ms = gradients ${per(t.computeMs)} (slowest replica) + reduce ${per(t.reduceMs)}` +
    ` + Adam/BN ${per(t.optimizerMs)} + messaging/other ${per(other)}; start-up ${(t.startupMs / 1000).toFixed(1)} s`;
}

interface ModeResult { sPerEpoch: number | null; sPerStep: number | null; cpuSPerEpoch?: number | null; note: string }
const results = new Map<string, ModeResult>();
const data = randomData(clips);
log(`bench-backend: ${clips} clips ${H}x${W}, batch ${batch} (${stepsPerEpoch} steps/epoch), cores ${os.availableParallelism()}, ` +
  `load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

async function runTfjs(mode: string): Promise<void> {
  const backend = mode === 'cpu' ? 'cpu' : mode === 'tensorflow' ? 'tensorflow' : 'wasm';
  try {
    const restore = mode === 'wasmT-child' ? prepareWasmThreads(threads) : () => {};
    try {
      await initBackend(backend, { log: () => {} });
    } finally {
      restore();
    }
  } catch (err) {
    results.set(mode, { sPerEpoch: null, sPerStep: null, note: `unavailable: ${(err as Error).message.split('\n')[0]}` });
    log(`${mode}: unavailable (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const nThreads = mode === 'wasm2' ? threads : 1;
  const model = buildModel({}, 0);
  // CPU time of the whole process (every thread) during the epoch: less sensitive than
  // wall time to other load on a shared machine.
  let cpu0 = process.cpuUsage();
  const modeBatch = mode === 'cpu' ? cpuBatch : batch;
  const r = await trainModel({
    model, train: data, seed: 0, epochs: 1, batchSize: modeBatch, threads: nThreads, backend,
    maxSteps: mode === 'cpu' ? cpuSteps : undefined,
    onEpochStart: () => { cpu0 = process.cpuUsage(); },
  });
  const cpu = process.cpuUsage(cpu0);
  const epochS = r.history[0]!.train_seconds;
  // Per step of `batch` samples (cpu: measured on smaller steps, scaled linearly).
  const batchScale = batch / modeBatch;
  const perStep = (epochS / r.steps) * batchScale;
  const extrapolated = r.steps < stepsPerEpoch || modeBatch !== batch;
  const sPerEpoch = extrapolated ? perStep * stepsPerEpoch : epochS;
  const cpuSPerEpoch = ((cpu.user + cpu.system) / 1e6) * (stepsPerEpoch / r.steps) * batchScale;
  const how = `${r.steps} step${r.steps === 1 ? '' : 's'} of ${modeBatch} samples`;
  results.set(mode, { sPerEpoch, sPerStep: perStep, cpuSPerEpoch, note: extrapolated ? `extrapolated from ${how}` : 'measured' });
  log(`${mode}: backend=${r.backend} threads=${r.threads} steps=${r.steps} s_per_epoch=${fmt(sPerEpoch)}` +
    `${extrapolated ? ` (EXTRAPOLATED from ${how})` : ''} s_per_step=${fmt(perStep)} cpu_s_per_epoch=${fmt(cpuSPerEpoch)}` +
    ` train_loss=${fmt(r.history[0]!.train_loss, 4)}` +
    ` rss_now_mb=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
  log(`  ${describeTiming(mode, r, modeBatch)}`);
  model.dispose();
}

function runThreadedChild(): void {
  const p = spawnSync('npx', ['tsx', fileURLToPath(import.meta.url), '--modes', 'wasmT-child', '--clips', String(clips),
    '--batch', String(batch), '--threads', String(threads)], { encoding: 'utf8', cwd: root });
  const line = (p.stdout ?? '').split('\n').find((l) => l.startsWith('wasmT-child:'));
  if (p.status !== 0 || line == null) {
    const why = (p.stderr || `exit ${p.status}`).trim().split('\n').slice(-1)[0];
    results.set('wasmT', { sPerEpoch: null, sPerStep: null, note: `failed: ${why}` });
    log(`wasmT: failed (${why})`);
    return;
  }
  const kv = Object.fromEntries(line.split(' ').filter((t) => t.includes('=')).map((t) => t.split('=') as [string, string]));
  results.set('wasmT', { sPerEpoch: Number(kv.s_per_epoch), sPerStep: Number(kv.s_per_step), cpuSPerEpoch: Number(kv.cpu_s_per_epoch), note: line });
  log(line.replace('wasmT-child:', 'wasmT:'));
}

function runTorch(): void {
  const py = '/usr/bin/python3';
  const script = path.join(root, 'bench', 'torch_epoch.py');
  const p = spawnSync(py, [script, '--clips', String(clips), '--batch', String(batch), '--threads', '2'], { encoding: 'utf8' });
  if (p.status !== 0) {
    const why = p.status === 3 ? 'torch not installed (apt-get install -y python3-torch)' : (p.stderr || p.error?.message || `exit ${p.status}`).trim().split('\n').pop();
    results.set('torch', { sPerEpoch: null, sPerStep: null, note: `skipped: ${why}` });
    log(`torch: skipped (${why})`);
    return;
  }
  const line = p.stdout.trim().split('\n').pop() ?? '';
  const kv = Object.fromEntries(line.split(' ').map((s) => s.split('=') as [string, string]));
  results.set('torch', { sPerEpoch: Number(kv.torch_s_per_epoch), sPerStep: Number(kv.torch_s_per_step), cpuSPerEpoch: Number(kv.torch_cpu_s_per_epoch), note: line });
  log(`torch: ${line}`);
}

for (const mode of modes) {
  if (mode === 'torch') runTorch();
  else if (mode === 'wasmT') runThreadedChild();
  else if (['wasm1', 'wasm2', 'wasmT-child', 'cpu', 'tensorflow'].includes(mode)) {
    if (mode === 'cpu' && cpuSteps <= 0) continue;
    await runTfjs(mode);
  } else throw new Error(`bench-backend: unknown mode '${mode}' (wasm1, wasm2, wasmT, cpu, tensorflow, torch)`);
}

if (opts.profile) {
  const shard = Math.ceil(batch / threads);
  log(`profile of one step on one wasm thread with a ${shard}-sample shard (bench/profile-step.ts):`);
  const p = spawnSync('npx', ['tsx', path.join(root, 'bench', 'profile-step.ts'), '--batch', String(shard), '--steps', '3'],
    { encoding: 'utf8', cwd: root });
  log((p.stdout || p.stderr).trim().split('\n').map((l) => `  ${l}`).join('\n'));
}

let reference: number | null = null;
try {
  const anchor = JSON.parse(fs.readFileSync(opts.reference, 'utf8')) as { p1?: { train_s_per_epoch_mean?: number; n_train?: number } };
  reference = anchor.p1?.train_s_per_epoch_mean ?? null;
  // The reference epoch is 1152 clips; scale when benchmarking another size.
  if (reference != null && anchor.p1?.n_train && anchor.p1.n_train !== clips) reference *= clips / anchor.p1.n_train;
} catch (err) {
  log(`reference: cannot read ${opts.reference} (${(err as Error).message})`);
}
const ours = results.get('tensorflow')?.sPerEpoch ?? results.get('wasm2')?.sPerEpoch ?? null;
const torch = results.get('torch')?.sPerEpoch ?? null;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
log(`peak RSS of this process (all modes, worker threads included): ${peakRssMb.toFixed(0)} MB (target <= 2048)`);
console.log([
  `ours_s_per_epoch=${fmt(ours)}`,
  `reference_s_per_epoch=${fmt(reference)}`,
  `ratio=${ours != null && reference != null ? fmt(ours / reference, 2) : 'NA'}`,
  `wasm1_s_per_epoch=${fmt(results.get('wasm1')?.sPerEpoch)}`,
  `wasm2_s_per_epoch=${fmt(results.get('wasm2')?.sPerEpoch)}`,
  `wasmT_s_per_epoch=${fmt(results.get('wasmT')?.sPerEpoch)}`,
  `cpu_s_per_step=${fmt(results.get('cpu')?.sPerStep)}`,
  `torch_s_per_epoch=${fmt(torch)}`,
  `peak_rss_mb=${peakRssMb.toFixed(0)}`,
  `ratio_vs_torch_same_run=${ours != null && torch != null ? fmt(ours / torch, 2) : 'NA'}`,
  `wasm1_cpu_s_per_epoch=${fmt(results.get('wasm1')?.cpuSPerEpoch)}`,
  `wasm2_cpu_s_per_epoch=${fmt(results.get('wasm2')?.cpuSPerEpoch)}`,
  `wasmT_cpu_s_per_epoch=${fmt(results.get('wasmT')?.cpuSPerEpoch)}`,
  `torch_cpu_s_per_epoch=${fmt(results.get('torch')?.cpuSPerEpoch)}`,
  `wasm2_threads=${threads}`,
  `clips=${clips}`,
  `load_avg=${os.loadavg()[0]!.toFixed(2)}`,
].join(' '));
// The threaded wasm build can keep a process alive after its work (see wasm-threads.ts).
if (modes.includes('wasmT-child')) process.exit(0);
