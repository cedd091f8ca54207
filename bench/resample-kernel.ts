// npx tsx bench/resample-kernel.ts [<folder of RAVDESS WAV/FLAC>] [--clips N] [--reps R]
// The resampler's kernels alone, on one core, in CPU time: the generic polyphase kernel
// (resample-kernel.ts, one output at a time) against the symmetric decimator generated
// for the filter (decimate-kernel.ts), on the same decoded clips, alternating, R rounds
// (the first is a warm-up); medians of ms per clip and × realtime. Also the decimator
// at other register blockings G (groups of 4 outputs per pass). CPU time, because the
// machine is shared and wall time mostly measures the other processes; even so only
// ratios from one run are worth comparing. Last line: one key=value summary.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeAudioFile } from '../src/audio/decode.ts';
import { decimator, DEFAULT_G, runDecimator } from '../src/audio/decimate-kernel.ts';
import { resampleDesign, resampledLength } from '../src/audio/resample.ts';
import { runKernel } from '../src/audio/resample-kernel.ts';
import { discoverSources } from '../src/dataset/sources.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const dir = resolve(positional[0] ?? (existsSync('bench/.cache/wav-of-ravdess') ? 'bench/.cache/wav-of-ravdess' : '../shared/datasets/ravdess'));
const nClips = arg('--clips', 100);
const reps = arg('--reps', 7);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

const found = await discoverSources(dir);
const paths = found.sources.flatMap((s) => (s.kind === 'file' ? [s.path] : [])).slice(0, nClips);
if (!paths.length) throw new Error(`no audio files in ${dir}`);
const clips = [];
for (const p of paths) clips.push(await decodeAudioFile(p));
const rate = clips[0].sampleRate;
if (clips.some((c) => c.sampleRate !== rate)) throw new Error('clips at mixed rates: pass a folder of one rate');
const d = resampleDesign(rate, 16000);
if (d.up !== 1) throw new Error(`${rate} → 16000 Hz is not an integer decimation; the decimator does not apply`);
const audioS = clips.reduce((s, c) => s + c.frames / rate, 0);
const half = d.taps / 2;

const variants: Record<string, (x: Float32Array) => Float32Array> = {
  generic: (x) => runKernel({
    table: d.table, taps: d.taps, x, pad: half, paddedLength: x.length + d.taps + 1, n: resampledLength(x.length, rate, 16000),
    up: 1, stepPhase: 0, stepBase: d.down, phase0: 0, base0: 1, rowScale: 0,
  }, null),
};
for (const G of [DEFAULT_G, 2, 3, 5]) {
  const k = decimator(d.table, d.down, 1, G);
  if (!k) throw new Error('no decimator for this filter (not symmetric, or no WebAssembly SIMD)');
  variants[`decimator_G${G}`] = (x) => runDecimator(k, x, half, resampledLength(x.length, rate, 16000));
}

// same output from every variant (within float32 rounding of a different summation order)
const ref = variants.generic(clips[0].mono).slice();
for (const [name, f] of Object.entries(variants)) {
  const y = f(clips[0].mono);
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
  if (y.length !== ref.length || worst > 1e-5) throw new Error(`${name} differs from the generic kernel by ${worst}`);
}

const times: Record<string, number[]> = {};
for (let r = 0; r < reps; r++) {
  for (const [name, f] of Object.entries(variants)) {
    const c0 = cpuMs();
    for (const c of clips) f(c.mono);
    if (r > 0) (times[name] ??= []).push((cpuMs() - c0) / clips.length);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const kv: Record<string, string> = { clips: String(clips.length), rate: String(rate), taps: String(d.taps), reps: String(reps - 1) };
for (const [name, v] of Object.entries(times)) {
  const ms = median(v);
  console.log(`${name}: ${ms.toFixed(3)} ms CPU per clip (min ${Math.min(...v).toFixed(3)}), ${(audioS / ((ms * clips.length) / 1000)).toFixed(0)}× realtime`);
  kv[`${name}_ms`] = ms.toFixed(3);
}
kv.speedup = (median(times.generic) / median(times[`decimator_G${DEFAULT_G}`])).toFixed(2);
kv.decimator_rt_1core = (audioS / ((median(times[`decimator_G${DEFAULT_G}`]) * clips.length) / 1000)).toFixed(0);
console.log(Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(' '));
