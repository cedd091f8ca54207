// make bench-featurize [AUDIO=<audio.parquet>]: times the featurize stage's work on a
// resampled corpus (default: the newest artifacts/resample/*/audio.parquet, e.g. after
// `npx ser run resample --set dataset.path=../shared/datasets/ravdess`).
// Phases: read + log-Mel on the worker pool (each worker reads its own row groups), and
// the features.parquet write; plus the log-Mel alone on one core (CPU ms per clip).
// Compared with the reference implementation's log-Mel (anchor_results.json; its
// decode/resample are covered by make bench-prep). Last line: one key=value summary.
import { readFileSync, statSync, readdirSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { featurizeAudioFile } from '../src/features/featurize.ts';
import { planAudioFile, readAudioRowGroup, readClips } from '../src/features/audio-input.ts';
import { logMelExtractor } from '../src/features/logmel.ts';
import { DEFAULT_FEATURE_PARAMS } from '../src/features/params.ts';
import { writeFeaturesFile } from '../src/features/store.ts';
import { createWorkerPool } from '../src/pipeline/pool.ts';

function newestAudioParquet(): string {
  const base = resolve('artifacts/resample');
  const found = existsSync(base)
    ? readdirSync(base).map((k) => join(base, k, 'audio.parquet')).filter((p) => existsSync(p)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  if (!found.length) throw new Error('no audio.parquet: pass AUDIO=<path> or run `npx ser run resample --set dataset.path=../shared/datasets/ravdess` first');
  return found[0];
}

const path = resolve(process.argv[2] || newestAudioParquet());
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const reference = JSON.parse(readFileSync(new URL('../../shared/reference/anchor_results.json', import.meta.url), 'utf8')) as {
  feature_extraction: { logmel_s: number; total_s: number };
};

const pool = createWorkerPool();
const out = await mkdtemp(join(tmpdir(), 'bench-featurize-'));
try {
  // warm-up: worker start-up and module loading are not what is measured
  const plan = await planAudioFile(path);
  const tasks = new URL('../src/features/tasks.ts', import.meta.url);
  await Promise.all(Array.from({ length: pool.size }, () => plan.clips
    ? pool.run(tasks, 'logMelClips', { path, clips: plan.clips.slice(-2), sampleRate: plan.sampleRate, params: DEFAULT_FEATURE_PARAMS })
    : pool.run(tasks, 'logMelRowGroup', { path, group: plan.rowGroups.length - 1, sampleRate: plan.sampleRate, params: DEFAULT_FEATURE_PARAMS })));

  const c0 = cpu();
  const t0 = performance.now();
  const r = await featurizeAudioFile(path, DEFAULT_FEATURE_PARAMS, { pool });
  const t1 = performance.now();
  await writeFeaturesFile(join(out, 'features.parquet'), { ids: r.ids, nMels: r.shape.nMels, nFrames: r.shape.nFrames, logmel: r.logmel }, DEFAULT_FEATURE_PARAMS, r.sampleRate);
  const t2 = performance.now();
  const processCpu = cpu() - c0; // main thread + workers

  // log-Mel alone, one core: CPU ms per clip over the first 128 clips (already read)
  const ex = logMelExtractor(DEFAULT_FEATURE_PARAMS, r.sampleRate);
  const clips: Float32Array[] = [];
  if (plan.clips) {
    const c = readClips(path, plan.clips.slice(0, 128), ex.shape.nSamples);
    for (let k = 0; k < c.starts.length; k++) clips.push(c.samples.subarray(c.starts[k], c.starts[k] + c.lengths[k]));
  } else {
    const rows = await readAudioRowGroup(path, 0);
    for (let i = 0; i < rows.ids.length; i++) clips.push(rows.samples(i));
  }
  const buf = new Float32Array(ex.shape.size);
  for (let k = 0; k < 8; k++) ex.compute(clips[k % clips.length], buf); // warm-up
  const c3 = cpu();
  for (const clip of clips) ex.compute(clip, buf);
  const logmelMsPerClip = ((cpu() - c3) / clips.length) * 1000;

  const s = (x: number) => (x / 1000).toFixed(2);
  const total = (t2 - t0) / 1000;
  console.log(`audio: ${path} (${r.ids.length} clips, ${plan.rowGroups.length} row groups, ${(statSync(path).size / 1e6).toFixed(0)} MB, ${plan.clips ? 'read by byte offset' : 'decoded by parquet-wasm'})`);
  console.log(`read + log-Mel on ${pool.size} threads: ${s(t1 - t0)} s; write features.parquet: ${s(t2 - t1)} s; process CPU ${processCpu.toFixed(2)} s`);
  console.log(`log-Mel alone: ${logmelMsPerClip.toFixed(2)} ms CPU per clip → ${((logmelMsPerClip * r.ids.length) / 1000).toFixed(2)} s for the corpus on one core`);
  console.log(
    [
      `clips=${r.ids.length}`,
      `threads=${pool.size}`,
      `cores=${availableParallelism()}`,
      `read_logmel_s=${s(t1 - t0)}`,
      `write_s=${s(t2 - t1)}`,
      `featurize_s=${total.toFixed(2)}`,
      `process_cpu_s=${processCpu.toFixed(2)}`,
      `logmel_ms_per_clip_1core=${logmelMsPerClip.toFixed(2)}`,
      `peak_rss_mb=${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`,
      `ref_logmel_s=${reference.feature_extraction.logmel_s.toFixed(2)}`,
      `logmel_speedup=${(reference.feature_extraction.logmel_s / total).toFixed(2)}`,
    ].join(' '),
  );
} finally {
  await pool.destroy();
  await rm(out, { recursive: true, force: true });
}
