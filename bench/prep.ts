// make bench-prep DATA=<folder> [ZIP=1]
// Times the audio front end of the pipeline on the full corpus the way a user runs it:
// `ser run <last>` through the engine, in a temporary workspace (cold artifact store),
// for whichever of ingest → resample → featurize pipeline.yaml declares; per-stage
// seconds come from that workspace's pipeline.lock (duration_s).
//
// Starts from WAV files, as the reference does: when DATA holds FLAC, a WAV copy with
// the same PCM is written once, untimed, into bench/.cache/ (verified by ingest against
// the official checksums); the FLAC input is then timed too and reported separately.
// ZIP=1 also zips the WAV copy like the official Audio_Speech_Actors_01-24.zip
// (entries Actor_XX/…wav) and times the zip input.
// Compared with the reference (../shared/reference/anchor_results.json, feature
// extraction of the 1440 files: decode + resample + log-Mel).
//
// The machine is shared, so wall times mostly measure the other processes: the summary
// also gives CPU seconds — per stage (each stage logs its process CPU, all threads) and
// for the whole `ser run` (/usr/bin/time: process start, data hashing, everything) —
// the load average before and after, and quiet_est_s, an estimate of the stages' wall
// time on an idle machine: each stage's CPU spread over the threads, plus the part of
// it that runs on the main thread alone (its log's serial seconds, scaled by the same
// CPU/wall ratio as the rest of the stage). Even CPU seconds vary several-fold with the
// load here, so the reference's own resampler (scipy, bench/ref_resample.py) is timed
// right before and after the WAV run: ref_now_est_s is the reference's 11.65 s scaled to
// this moment's machine speed, speedup_vs_ref_now our total against it.
// Last line: one key=value summary.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { parse as parseYaml } from 'yaml';
import yazl from 'yazl';
import { decodeAudioFile } from '../src/audio/decode.ts';
import { resample } from '../src/audio/resample.ts';
import { discoverSources } from '../src/dataset/sources.ts';
import { readParquetFile } from '../src/io/parquet.ts';
import { createWorkerPool } from '../src/pipeline/pool.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SER = join(REPO, 'bin', 'ser.mjs');
const CACHE = join(REPO, 'bench', '.cache');
const FRONT_END = ['ingest', 'resample', 'featurize'];

const fmt = (s: number) => s.toFixed(2);

/** A WAV copy of a FLAC corpus, made once (marker file `.complete`). */
async function wavCopy(data: string, flacs: { path: string; rel: string }[]): Promise<string> {
  const dir = join(CACHE, `wav-of-${basename(data)}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker) && Number(readFileSync(marker, 'utf8')) === flacs.length) return dir;
  console.log(`writing a WAV copy of ${flacs.length} FLAC files to ${relative(REPO, dir)} (once, untimed)…`);
  await rm(dir, { recursive: true, force: true });
  const pool = createWorkerPool();
  const task = new URL('./prep-tasks.ts', import.meta.url);
  const limit = pLimit(pool.size * 3);
  try {
    await Promise.all(flacs.map((f) => limit(() => pool.run(task, 'flacToWav', { src: f.path, dest: join(dir, f.rel.replace(/\.flac$/i, '.wav')) }))));
  } finally {
    await pool.destroy();
  }
  await writeFile(marker, String(flacs.length));
  return dir;
}

/** The WAV copy zipped with the official zip's layout (entries Actor_XX/…wav, deflated). */
async function zipCopy(wavDir: string): Promise<string> {
  const path = join(CACHE, 'Audio_Speech_Actors_01-24.zip');
  if (existsSync(path)) return path;
  console.log(`zipping ${relative(REPO, wavDir)} into ${relative(REPO, path)} (once, untimed)…`);
  const found = await discoverSources(wavDir);
  const zip = new yazl.ZipFile();
  for (const s of found.sources) if (s.kind === 'file') zip.addFile(s.path, s.rel);
  zip.end();
  const tmp = `${path}.tmp`;
  await new Promise<void>((res, rej) => zip.outputStream.pipe(createWriteStream(tmp)).on('close', res).on('error', rej));
  await (await import('node:fs/promises')).rename(tmp, path);
  return path;
}

interface RunResult {
  label: string;
  wallS: number;
  stages: Record<string, number>;
  peakRssMb: number;
  audioS: number;
  files: number;
  statuses: Record<string, number>;
  /** From resample's log line: decode+resample on the pool vs the audio.parquet write. */
  resampleComputeS?: number;
  /** From featurize's log line: the features.parquet write (main thread only). */
  featurizeWriteS?: number;
  resampleWriteS?: number;
  /** CPU seconds (user + system) of the whole `ser run`, all threads. */
  cpuS?: number;
  /** Per stage, from its log line: CPU seconds of the stage (all threads). */
  stageCpu: Record<string, number>;
  /** Load average (1 min) before and after the run. */
  load: [number, number];
}

/** `ser run <target>` in a fresh workspace over the repo's code; per-stage seconds from its lock. */
async function timedRun(label: string, dataPath: string, target: string, stages: string[]): Promise<RunResult> {
  const ws = await mkdtemp(join(tmpdir(), `ser-bench-prep-${label}-`));
  try {
    for (const name of ['src', 'stages', 'bin', 'node_modules', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      if (existsSync(join(REPO, name))) await symlink(join(REPO, name), join(ws, name));
    }
    await writeFile(join(ws, 'pipeline.yaml'), await readFile(join(REPO, 'pipeline.yaml')));
    const log = join(CACHE, `prep-${label}.log`);
    const out = createWriteStream(log);
    let peakKb = 0;
    const loadBefore = loadavg()[0];
    const t0 = performance.now();
    // /usr/bin/time (when there) gives the run's CPU seconds, which unlike wall time
    // hardly depend on what else the machine is doing.
    const timeFile = join(ws, 'time.txt');
    const serArgs = [SER, 'run', target, '--set', `dataset.path=${dataPath}`];
    const useTime = existsSync('/usr/bin/time');
    const child = useTime
      ? spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...serArgs], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, serArgs, { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    // Peak RSS of the run (main thread + worker threads share the process): VmHWM.
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 50);
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
    clearInterval(poll);
    let cpuS: number | undefined;
    if (useTime && existsSync(timeFile)) {
      const [user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      cpuS = user + sys;
      peakKb = Math.max(peakKb, maxKb);
    }
    const wallS = (performance.now() - t0) / 1000;
    const loadAfter = loadavg()[0];
    if (code !== 0) throw new Error(`ser run ${target} on ${dataPath} failed (exit ${code}); log: ${log}\n${readFileSync(log, 'utf8').slice(-3000)}`);
    const lock = parseYaml(await readFile(join(ws, 'pipeline.lock'), 'utf8')) as Record<string, unknown>;
    const entries = collectEntries(lock);
    const durations: Record<string, number> = {};
    let ingestKey = '';
    for (const e of entries) {
      if (stages.includes(e.stage)) durations[e.stage] = e.duration_s;
      if (e.stage === 'ingest') ingestKey = e.key;
    }
    const manifest = await readParquetFile(join(ws, 'artifacts', 'ingest', ingestKey, 'manifest.parquet'), { columns: ['status', 'duration_s'] });
    const status = manifest.getChild('status')!.toArray() as string[];
    const dur = manifest.getChild('duration_s')!.toArray() as (number | null)[];
    const statuses: Record<string, number> = {};
    let audioS = 0;
    status.forEach((s, i) => {
      statuses[s] = (statuses[s] ?? 0) + 1;
      if (s === 'ok' || s === 'modified') audioS += dur[i] ?? 0;
    });
    const logText = readFileSync(log, 'utf8');
    const split = /decode\+resample ([\d.]+) s .*write ([\d.]+) s/.exec(logText);
    const stageCpu: Record<string, number> = {};
    for (const m of logText.matchAll(/^\[[^\]]*\] (\w+): .*CPU ([\d.]+) s/gm)) stageCpu[m[1]] = Number(m[2]);
    return {
      label, wallS, stages: durations, peakRssMb: peakKb / 1024, audioS, files: status.length, statuses,
      resampleComputeS: split ? Number(split[1]) : undefined, resampleWriteS: split ? Number(split[2]) : undefined, cpuS,
      stageCpu, load: [loadBefore, loadAfter], featurizeWriteS: Number(/featurize: .*, write (?:\+ sha256 )?([\d.]+) s/.exec(logText)?.[1] ?? 0),
    };
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}

/** Lock entries, whatever the lock's top-level layout (a map or a list of instances). */
function collectEntries(node: unknown): { stage: string; key: string; duration_s: number }[] {
  const out: { stage: string; key: string; duration_s: number }[] = [];
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.stage === 'string' && typeof o.key === 'string' && typeof o.duration_s === 'number') out.push({ stage: o.stage, key: o.key, duration_s: o.duration_s });
      else Object.values(o).forEach(visit);
    }
  };
  visit(node);
  return out;
}

/**
 * The resampler alone on one core, in this process: CPU seconds of resample() over the
 * first `n` WAV clips (decoded beforehand), as × realtime; plus WAV decode ms per clip.
 */
async function oneCore(wavDir: string, n = 120): Promise<{ resampleX: number; decodeMs: number }> {
  const found = await discoverSources(wavDir);
  const files = found.sources.slice(0, n).flatMap((s) => (s.kind === 'file' ? [s.path] : []));
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const clips = [];
  for (const f of files.slice(0, 10)) resample((await decodeAudioFile(f)).mono, 48000, 16000); // warm-up
  let c = cpu();
  for (const f of files) clips.push(await decodeAudioFile(f));
  const decodeS = cpu() - c;
  let audio = 0;
  c = cpu();
  for (const d of clips) {
    resample(d.mono, d.sampleRate, 16000);
    audio += d.frames / d.sampleRate;
  }
  return { resampleX: audio / (cpu() - c), decodeMs: (decodeS / files.length) * 1000 };
}

/**
 * Idle-machine wall estimate of the stages: per stage, CPU / threads, plus the
 * main-thread-only part (ingest/featurize: stage wall minus the pool phase; resample:
 * its layout + footer write) converted to CPU by the stage's own CPU/wall ratio — on a
 * loaded machine that part is also slowed down, and on an idle one it is not.
 */
function quietEstimate(r: RunResult, stages: string[]): number {
  const threads = Number(process.env.SER_THREADS) || availableParallelism();
  let est = 0;
  for (const s of stages) {
    const cpu = r.stageCpu[s];
    const wall = r.stages[s];
    const serialWall = s === 'resample' ? r.resampleWriteS ?? 0 : s === 'featurize' ? r.featurizeWriteS ?? 0 : 0;
    // CPU per wall second while the stage ran: the share of a core it got
    const share = wall > 0 ? Math.min(threads, cpu / wall) : 1;
    const serialCpu = serialWall * Math.min(1, share);
    est += (cpu - serialCpu) / threads + serialCpu;
  }
  return est;
}

/**
 * The reference's resampler (scipy resample_poly, bench/ref_resample.py) timed now, ms of
 * CPU per clip; [] without python3/scipy. Against the reference's 3.67 ms per clip it says
 * how fast the shared machine is at the moment (measured: 3.4–4.7 ms within minutes).
 */
function refGauge(wavDir: string): number[] {
  const r = spawnSync('python3', [join(REPO, 'bench', 'ref_resample.py'), wavDir, '--clips', '240'], { encoding: 'utf8' });
  const m = /ref_resample_ms_per_clip=([\d.]+)/.exec(r.stdout ?? '');
  return m ? [Number(m[1])] : [];
}

function describeRun(r: RunResult, stages: string[]): string {
  const total = stages.reduce((s, st) => s + (r.stages[st] ?? 0), 0);
  const per = stages.map((s) => `${s} ${fmt(r.stages[s] ?? NaN)} s`).join(', ');
  const st = Object.entries(r.statuses).map(([k, v]) => `${v} ${k}`).join(', ');
  return `${r.label}: ${per} → ${fmt(total)} s for ${r.files} files (${st}; ${(r.audioS / 60).toFixed(1)} min of audio, ` +
    `${(r.audioS / total).toFixed(0)}× realtime)` +
    (r.resampleComputeS !== undefined ? `; resample = decode+resample ${fmt(r.resampleComputeS)} s + write ${fmt(r.resampleWriteS!)} s` : '') +
    `; wall ${fmt(r.wallS)} s incl. engine start and data hashing` + (r.cpuS !== undefined ? `, CPU ${fmt(r.cpuS)} s` : '') +
    `; stage CPU ${stages.map((s) => `${s} ${fmt(r.stageCpu[s] ?? NaN)} s`).join(', ')}; load ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}; peak RSS ${r.peakRssMb.toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const dataArg = process.argv[2];
  const wantZip = process.argv.includes('--zip');
  if (!dataArg) throw new Error('usage: make bench-prep DATA=<folder of RAVDESS WAV or FLAC> [ZIP=1]');
  const data = resolve(dataArg);
  if (!existsSync(data)) throw new Error(`DATA ${data} does not exist`);
  await mkdir(CACHE, { recursive: true });

  const pipeline = parseYaml(await readFile(join(REPO, 'pipeline.yaml'), 'utf8')) as { stages?: Record<string, unknown> };
  const stages = FRONT_END.filter((s) => pipeline.stages && s in pipeline.stages);
  if (!stages.includes('ingest')) throw new Error('pipeline.yaml has no ingest stage');
  const target = stages[stages.length - 1];

  const found = await discoverSources(data);
  const flacs = found.sources.flatMap((s) => (s.kind === 'file' && /\.flac$/i.test(s.rel) ? [{ path: s.path, rel: s.rel }] : []));
  const wavDir = flacs.length ? await wavCopy(data, flacs) : data;
  const runs: [string, string][] = [['wav', wavDir]];
  if (wantZip) runs.push(['zip', await zipCopy(wavDir)]);
  if (flacs.length) runs.push(['flac', data]);

  const core = await oneCore(wavDir);
  console.log(`one core: resample() ${core.resampleX.toFixed(0)}× realtime (CPU time), WAV decode ${core.decodeMs.toFixed(2)} ms per clip`);

  const results: RunResult[] = [];
  const gauges: number[] = [];
  for (const [label, path] of runs) {
    console.log(`timing ${stages.join(' → ')} on ${label} input (${relative(REPO, path) || path})…`);
    if (label === 'wav') gauges.push(...refGauge(wavDir));
    const r = await timedRun(label, path, target, stages);
    if (label === 'wav') gauges.push(...refGauge(wavDir));
    console.log(describeRun(r, stages));
    results.push(r);
  }

  const refPath = join(REPO, '..', 'shared', 'reference', 'anchor_results.json');
  const ref = existsSync(refPath)
    ? (JSON.parse(readFileSync(refPath, 'utf8')) as { feature_extraction: { total_s: number; decode_s: number; resample_s: number; logmel_s: number } }).feature_extraction
    : undefined;
  // Same scope on both sides: decode+resample(+log-Mel when featurize is there).
  const refS = ref ? (stages.includes('featurize') ? ref.total_s : ref.decode_s + ref.resample_s) : NaN;
  const wav = results[0];
  const total = (r: RunResult) => stages.reduce((s, st) => s + (r.stages[st] ?? 0), 0);
  const ours = total(wav);
  if (ref) console.log(`reference (PyTorch/scipy, same kind of machine): decode ${fmt(ref.decode_s)} s + resample ${fmt(ref.resample_s)} s + log-Mel ${fmt(ref.logmel_s)} s = ${fmt(ref.total_s)} s; compared scope: ${fmt(refS)} s`);
  const kv: Record<string, string | number> = {
    files: wav.files, audio_min: (wav.audioS / 60).toFixed(1), stages: stages.join('+'),
    ...Object.fromEntries(stages.map((s) => [`${s}_s`, fmt(wav.stages[s] ?? NaN)])),
    ...(wav.resampleComputeS !== undefined ? { resample_compute_s: fmt(wav.resampleComputeS), resample_write_s: fmt(wav.resampleWriteS!) } : {}),
    ...Object.fromEntries(stages.filter((s) => wav.stageCpu[s] !== undefined).map((s) => [`${s}_cpu_s`, fmt(wav.stageCpu[s])])),
    total_s: fmt(ours), ...(wav.cpuS !== undefined ? { run_cpu_s: fmt(wav.cpuS) } : {}),
    ...(stages.every((s) => wav.stageCpu[s] !== undefined) ? { stages_cpu_s: fmt(stages.reduce((a, s) => a + wav.stageCpu[s], 0)), quiet_est_s: fmt(quietEstimate(wav, stages)) } : {}),
    load_before: wav.load[0].toFixed(1), load_after: wav.load[1].toFixed(1),
    realtime: (wav.audioS / ours).toFixed(0), peak_rss_mb: wav.peakRssMb.toFixed(0),
    ref_s: fmt(refS), speedup: (refS / ours).toFixed(2), resampler_rt_1core: core.resampleX.toFixed(0),
  };
  if (ref && gauges.length) {
    // The reference at this moment's machine speed: its total scaled by how its own
    // resampler runs now against when it was measured (5.29 s for 1440 clips).
    const gauge = gauges.reduce((a, b) => a + b, 0) / gauges.length;
    const factor = gauge / ((ref.resample_s / 1440) * 1000);
    kv.ref_gauge_ms = gauge.toFixed(2);
    kv.ref_now_est_s = fmt(refS * factor);
    kv.speedup_vs_ref_now = ((refS * factor) / ours).toFixed(2);
    console.log(`reference's resampler now: ${gauges.map((g) => g.toFixed(2)).join(', ')} ms per clip (measured then: ${((ref.resample_s / 1440) * 1000).toFixed(2)}) → the reference would take ~${fmt(refS * factor)} s now`);
  }
  for (const r of results.slice(1)) {
    for (const s of stages) kv[`${r.label}_${s}_s`] = fmt(r.stages[s] ?? NaN);
    kv[`${r.label}_total_s`] = fmt(total(r));
  }
  console.log(Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(' '));
}

main().catch((err) => {
  console.error(`bench-prep: ${(err as Error).message}`);
  process.exit(1);
});
