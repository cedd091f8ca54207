// make bench-train DATA=<ravdess>: seconds per epoch of the REAL train stage code
// (src/training/fold.ts: data loading, normalization, workers, validation, progress,
// artifact writing) on fold 0's training set, against `make bench-backend`'s training
// epoch of the same model on the same number of random clips with the same threads —
// measured in the same run, backend before and after the stage (the machine is shared;
// the mean of the two backend runs is the comparison).
//
// Usage: npx tsx bench/train.ts <dataset path> [--epochs 2] [--fold 0] [--set train.k=v]…
// featurize and split come from the workspace's artifact store (`ser run featurize split
// --set dataset.path=…` first when they are not cached).
// Last line: stage_s_per_epoch=… backend_s_per_epoch=… ratio=… stage_train_s_per_epoch=…
//   stage_val_s_per_epoch=… stage_cpu_s_per_epoch=… backend_cpu_s_per_epoch=… cpu_ratio=…
//   clips=… threads=… peak_rss_mb=… load_avg=… (CPU seconds: every thread of the process,
//   the stage's including validation, the backend's training only)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { trainFold } from '../src/training/fold.ts';
import { parseTrainParams } from '../src/training/params.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string', default: '2' },
    fold: { type: 'string', default: '0' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
const data = positionals[0];
if (!data) {
  console.error('usage: npx tsx bench/train.ts <dataset path> [--epochs 2] [--fold 0] [--set train.key=value]…');
  process.exit(2);
}
const epochs = Number(opts.epochs);
const fold = Number(opts.fold);
const log = (m: string) => console.log(m);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'NA');
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

// Train params: the defaults with --set train.a.b=v (YAML values).
const raw: Record<string, unknown> = {};
for (const s of opts.set) {
  const eq = s.indexOf('=');
  const key = s.slice(0, eq).replace(/^train\./, '');
  if (eq < 0 || !key) throw new Error(`--set ${s}: expected train.key=value`);
  const parts = key.split('.');
  let node = raw;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = parseYaml(s.slice(eq + 1));
}
const params = parseTrainParams(raw);

// featurize + split artifacts for this dataset from the artifact store.
const ser = (args: string[]) => spawnSync('node', ['bin/ser.mjs', ...args, '--set', `dataset.path=${data}`], { cwd: root, encoding: 'utf8' });
function artifacts(): { features: string; split: string } | null {
  const r = ser(['status', '--json', 'featurize', 'split']);
  if (r.status !== 0) throw new Error(`ser status failed: ${r.stderr}`);
  const rows = JSON.parse(r.stdout) as { stage: string; state: string; key: string }[];
  const dir = (stage: string) => {
    const row = rows.find((x) => x.stage === stage);
    return row && ['fresh', 'cached'].includes(row.state) ? path.join(root, 'artifacts', stage, row.key) : null;
  };
  const f = dir('featurize');
  const s = dir('split');
  return f && s ? { features: path.join(f, 'features.parquet'), split: path.join(s, 'split.parquet') } : null;
}
let inputs = artifacts();
if (!inputs) {
  log(`featurize/split not cached for ${data}: ser run featurize split …`);
  const r = ser(['run', 'featurize', 'split']);
  if (r.status !== 0) throw new Error(`ser run featurize split failed:\n${r.stdout}\n${r.stderr}`);
  inputs = artifacts();
  if (!inputs) throw new Error('featurize/split still not available after ser run');
}
log(`bench-train: fold ${fold}, ${epochs} epoch(s), train params ${JSON.stringify(raw)}; cores ${os.availableParallelism()}, load average ${load()}`);
log(`features ${inputs.features}\nsplit    ${inputs.split}`);

// The backend benchmark's epoch (bench/backend.ts, its wasm data-parallel mode, or the
// single-thread mode for threads = 1), same clip count and batch size.
function backendEpoch(clips: number): { wall: number; cpu: number } {
  const mode = params.threads > 1 ? 'wasm2' : 'wasm1';
  const r = spawnSync('npx', ['tsx', path.join(root, 'bench', 'backend.ts'), '--modes', mode, '--clips', String(clips),
    '--batch', String(params.batch_size), '--threads', String(params.threads)], { cwd: root, encoding: 'utf8' });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  const kv = Object.fromEntries(line.split(' ').filter((t) => t.includes('=')).map((t) => t.split('=') as [string, string]));
  const v = Number(kv[`${mode}_s_per_epoch`]);
  if (r.status !== 0 || !Number.isFinite(v)) throw new Error(`bench/backend.ts failed (exit ${r.status}): ${(r.stderr || line).trim().split('\n').slice(-3).join(' | ')}`);
  log(`backend (${mode}, ${clips} random clips): ${v.toFixed(3)} s/epoch   [${line}]`);
  return { wall: v, cpu: Number(kv[`${mode}_cpu_s_per_epoch`]) };
}

const splitRows = (await import('../src/split/store.ts')).readSplitFile;
const nTrain = (await splitRows(inputs.split)).ids(fold, 'train').length;
const before = backendEpoch(nTrain);

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
// CPU time of the whole process (main thread + gradient workers) over the epochs: much
// less sensitive than wall time to other jobs on a shared machine.
let cpu0 = process.cpuUsage();
let cpuEpochs = 0;
const r = await trainFold({
  featuresPath: inputs.features, splitPath: inputs.split, fold, params, seed: 0, outDir, maxEpochs: epochs,
  log: (m) => log(`  ${m}`),
  onEpochStart: (e) => { if (e === 1) cpu0 = process.cpuUsage(); },
  onEpochEnd: (e) => {
    const c = process.cpuUsage(cpu0);
    cpuEpochs = (c.user + c.system) / 1e6 / e.epoch;
  },
});
fs.rmSync(outDir, { recursive: true, force: true });
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const h = r.result.history;
const mean = (f: (x: (typeof h)[number]) => number) => h.reduce((s, x) => s + f(x), 0) / h.length;
const stage = mean((x) => x.seconds);
const stageTrain = mean((x) => x.train_seconds);
const stageVal = mean((x) => x.val_seconds);
log(`stage: ${h.map((x) => `epoch ${x.epoch} ${x.train_seconds.toFixed(2)}+${x.val_seconds.toFixed(2)} s`).join(', ')}; ` +
  `per step ${(r.result.timing.stepMs / r.result.steps).toFixed(0)} ms (gradients ${(r.result.timing.computeMs / r.result.steps).toFixed(0)} ms)`);

const after = backendEpoch(nTrain);
const backend = (before.wall + after.wall) / 2;
const backendCpu = (before.cpu + after.cpu) / 2;
log(`peak RSS of the stage process (main + gradient workers): ${peakRssMb.toFixed(0)} MB (target <= 2048)`);
console.log([
  `stage_s_per_epoch=${fmt(stage)}`,
  `backend_s_per_epoch=${fmt(backend)}`,
  `ratio=${fmt(stage / backend)}`,
  `stage_train_s_per_epoch=${fmt(stageTrain)}`,
  `stage_val_s_per_epoch=${fmt(stageVal)}`,
  `stage_cpu_s_per_epoch=${fmt(cpuEpochs)}`,
  `backend_cpu_s_per_epoch=${fmt(backendCpu)}`,
  `cpu_ratio=${fmt(cpuEpochs / backendCpu)}`,
  `backend_before=${fmt(before.wall)}`,
  `backend_after=${fmt(after.wall)}`,
  `clips=${nTrain}`,
  `threads=${params.threads}`,
  `epochs=${h.length}`,
  `peak_rss_mb=${peakRssMb.toFixed(0)}`,
  `load_avg=${os.loadavg()[0]!.toFixed(2)}`,
].join(' '));
