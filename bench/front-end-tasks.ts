// npx tsx bench/front-end-tasks.ts [<folder of RAVDESS WAV>] [--clips N] [--reps R]
// The front end's per-clip work on one core, in CPU time: the very task functions the
// pool workers run (ingest's inspectClips with hashing, resample's resampleClips writing
// into a laid-out audio.parquet, featurize's logMelClips reading it back), called in
// this thread on the first N clips, R rounds (the first a warm-up), median ms per clip.
// No pool, no engine: what a stage costs per clip, without its fixed costs. CPU time
// because the machine is shared (wall time mostly measures the other processes); only
// ratios from runs close in time are worth comparing — e.g. this file run from a
// checkout of an older commit and from this one, alternating. Last line: key=value.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AudioParquetLayout } from '../src/audio/audio-parquet.ts';
import { resampledLength } from '../src/audio/resample.ts';
import { inspectClips, resampleClips, type ResampleArg } from '../src/audio/tasks.ts';
import { discoverSources } from '../src/dataset/sources.ts';
import { planAudioFile } from '../src/features/audio-input.ts';
import { DEFAULT_FEATURE_PARAMS } from '../src/features/params.ts';
import { logMelClips } from '../src/features/tasks.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const dir = resolve(positional[0] ?? 'bench/.cache/wav-of-ravdess');
if (!existsSync(dir)) throw new Error(`${dir} does not exist (make bench-prep DATA=… writes the WAV copy there; or pass a folder of WAV clips)`);
const nClips = arg('--clips', 120);
const reps = arg('--reps', 5);
const BATCH = 8; // clips per task, as the stages send them

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

const found = await discoverSources(dir);
const refs = found.sources.filter((s) => s.kind === 'file').slice(0, nClips);
const tmp = await mkdtemp(join(tmpdir(), 'bench-front-end-'));
try {
  const times: Record<string, number[]> = { ingest: [], resample: [], featurize: [] };
  let audioS = 0;
  for (let r = 0; r < reps; r++) {
    // ingest: decode to check, peak, PCM SHA-256
    let c0 = cpuMs();
    const facts = [];
    for (let i = 0; i < refs.length; i += BATCH) facts.push(...(await inspectClips(refs.slice(i, i + BATCH).map((ref) => ({ ref, hash: true })))));
    const ingestMs = cpuMs() - c0;
    if (facts.some((f) => !f.ok)) throw new Error(`a clip did not decode: ${JSON.stringify(facts.find((f) => !f.ok))}`);
    const ok = facts as Extract<(typeof facts)[number], { ok: true }>[];
    audioS = ok.reduce((s, f) => s + f.frames / f.sampleRate, 0);

    // resample: into a laid-out audio.parquet, as the stage does (layout not timed)
    const path = join(tmp, `audio-${r}.parquet`);
    const lengths = ok.map((f) => resampledLength(f.frames, f.sampleRate, 16000));
    const layout = new AudioParquetLayout(path, refs.map((ref, i) => ({ id: `clip${String(i).padStart(5, '0')}`, sampleRate: 16000, length: lengths[i] })));
    const args: ResampleArg[] = refs.map((ref, i) => ({ ref, toRate: 16000, fileSize: ok[i].fileSize, out: { path: layout.tmpPath, offset: layout.offsets[i], length: lengths[i] } }));
    c0 = cpuMs();
    for (let i = 0; i < args.length; i += BATCH) {
      const res = await resampleClips(args.slice(i, i + BATCH));
      if (res.some((x) => !x.ok || !x.written)) throw new Error(`resample failed: ${JSON.stringify(res.find((x) => !x.ok || !x.written))}`);
    }
    const resampleMs = cpuMs() - c0;
    layout.close();

    // featurize: read by byte offset + log-Mel, runs of 24 clips as the stage sends them
    const plan = await planAudioFile(path);
    c0 = cpuMs();
    for (let i = 0; i < plan.clips!.length; i += 24) {
      logMelClips({ path, clips: plan.clips!.slice(i, i + 24), sampleRate: plan.sampleRate, params: DEFAULT_FEATURE_PARAMS });
    }
    const featurizeMs = cpuMs() - c0;
    await rm(path, { force: true });
    if (r > 0) {
      times.ingest.push(ingestMs / refs.length);
      times.resample.push(resampleMs / refs.length);
      times.featurize.push(featurizeMs / refs.length);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const kv: Record<string, string> = { clips: String(refs.length), audio_s: audioS.toFixed(1), reps: String(reps - 1) };
  let total = 0;
  for (const [stage, v] of Object.entries(times)) {
    const ms = median(v);
    total += ms;
    console.log(`${stage}: ${ms.toFixed(3)} ms CPU per clip (runs: ${v.map((x) => x.toFixed(3)).join(', ')})`);
    kv[`${stage}_ms`] = ms.toFixed(3);
  }
  kv.total_ms = total.toFixed(3);
  kv.corpus_cpu_s_est = ((total * 1440) / 1000).toFixed(2);
  console.log(Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(' '));
} finally {
  await rm(tmp, { recursive: true, force: true });
}
