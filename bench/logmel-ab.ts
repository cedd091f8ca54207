// npx tsx bench/logmel-ab.ts <a.wasm> <b.wasm> [--audio <audio.parquet>] [--clips N] [--rounds R]
// Two builds of the log-Mel kernel (src/features/simd/logmel.wasm, e.g. the committed one
// from `git show HEAD~1:src/features/simd/logmel.wasm > /tmp/a.wasm` and a fresh build)
// in one process, on the same clips, alternating for R rounds (the first a warm-up):
// CPU ms per clip, medians, and whether the outputs are identical. On this shared
// machine only such in-process alternation gives ratios worth quoting: runs in separate
// processes minutes apart differed by up to 40 % with the same code. Default audio: the
// newest artifacts/resample/*/audio.parquet. Last line: one key=value summary.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { planAudioFile, readClips } from '../src/features/audio-input.ts';
import { LogMelExtractor } from '../src/features/extractor.ts';
import type { LogMelKernel as Kernel, LogMelKernelSetup } from '../src/features/logmel-kernel.ts';
import { DEFAULT_FEATURE_PARAMS } from '../src/features/params.ts';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const [wasmA, wasmB] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (!wasmA || !wasmB) throw new Error('usage: npx tsx bench/logmel-ab.ts <a.wasm> <b.wasm> [--audio <audio.parquet>] [--clips N] [--rounds R]');

function newestAudio(): string {
  const base = resolve('artifacts/resample');
  const found = existsSync(base)
    ? readdirSync(base).map((k) => join(base, k, 'audio.parquet')).filter((p) => existsSync(p)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  if (!found.length) throw new Error('no audio.parquet: pass --audio <path>');
  return found[0];
}
const audio = resolve(opt('--audio') ?? newestAudio());
const nClips = Number(opt('--clips') ?? 48);
const rounds = Number(opt('--rounds') ?? 16);

// Each build gets its own copy of the loader module next to it (the loader reads
// ./simd/logmel.wasm relative to itself), so both load in this process.
const tmp = await mkdtemp(join(tmpdir(), 'logmel-ab-'));
try {
  const loader = fileURLToPath(new URL('../src/features/logmel-kernel.ts', import.meta.url));
  const load = async (name: string, wasm: string): Promise<typeof Kernel> => {
    mkdirSync(join(tmp, name, 'simd'), { recursive: true });
    copyFileSync(loader, join(tmp, name, 'logmel-kernel.ts'));
    copyFileSync(resolve(wasm), join(tmp, name, 'simd', 'logmel.wasm'));
    return (await import(pathToFileURL(join(tmp, name, 'logmel-kernel.ts')).href)).LogMelKernel;
  };
  const KA = await load('a', wasmA);
  const KB = await load('b', wasmB);
  const ex = new LogMelExtractor(DEFAULT_FEATURE_PARAMS, 16000);
  const setup = (ex as unknown as { kernel: { s: LogMelKernelSetup } }).kernel.s;
  const kA = KA.create(setup)!;
  const kB = KB.create(setup)!;
  const plan = await planAudioFile(audio);
  if (!plan.clips) throw new Error(`${audio} is not laid out for reading by byte offset`);
  const c = readClips(audio, plan.clips.slice(0, nClips), ex.shape.nSamples);
  const clips = Array.from(c.starts, (s, k) => c.samples.slice(s, s + c.lengths[k]));
  const oA = new Float32Array(ex.shape.size);
  const oB = new Float32Array(ex.shape.size);
  let worst = 0;
  for (const x of clips) {
    kA.compute(x, x.length, oA);
    kB.compute(x, x.length, oB);
    for (let i = 0; i < oA.length; i++) worst = Math.max(worst, Math.abs(oA[i] - oB[i]));
  }
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e3;
  };
  const t = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, k, o] of [['a', kA, oA], ['b', kB, oB]] as const) {
      const c0 = cpuMs();
      for (const x of clips) k.compute(x, x.length, o);
      if (r > 0) t[name].push((cpuMs() - c0) / clips.length);
    }
  }
  const med = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1];
  console.log(`a ${wasmA}: ${med(t.a).toFixed(3)} ms per clip (min ${Math.min(...t.a).toFixed(3)})`);
  console.log(`b ${wasmB}: ${med(t.b).toFixed(3)} ms per clip (min ${Math.min(...t.b).toFixed(3)})`);
  console.log(`clips=${clips.length} rounds=${rounds - 1} a_ms=${med(t.a).toFixed(3)} b_ms=${med(t.b).toFixed(3)} b_over_a=${(med(t.b) / med(t.a)).toFixed(3)} max_abs_diff_db=${worst}`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
