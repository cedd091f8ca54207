// make bench-zstd [AUDIO=<audio.parquet>]: what the ZSTD storage option
// (audio.compression / features.compression: zstd) costs per core, on real artifacts:
// an uncompressed audio.parquet (default: the newest one under artifacts/resample) is
// rewritten with every clip compressed as the resample workers do (encodeListRowPage),
// read back as featurize's workers do (whole clips, and the first 3 s they use), and the
// newest uncompressed features.parquet's log-Mels are compressed as the featurize
// workers do. One thread, CPU seconds, two rounds (the second is warm). Last line: one
// key=value summary.
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeAudioParquet } from '../src/audio/audio-parquet.ts';
import { planAudioFile } from '../src/features/audio-input.ts';
import { encodeListRowPage, locateFloatLists, parquetFooter, readFloatList } from '../src/io/parquet-rows.ts';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mb = (n: number) => (n / 1e6).toFixed(1);

/** The newest artifacts/<stage>/<key>/<file> whose column chunks are all uncompressed. */
function newestUncompressed(stage: string, file: string): string | undefined {
  const base = resolve('artifacts', stage);
  if (!existsSync(base)) return undefined;
  return readdirSync(base).map((k) => join(base, k, file)).filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .find((p) => {
      const fd = openSync(p, 'r');
      try {
        return parquetFooter(fd).rowGroups.every((rg) => [...rg.columns.values()].every((c) => c.codec === 'UNCOMPRESSED'));
      } finally {
        closeSync(fd);
      }
    });
}

/** Every row of a file's float32-list column, read whole. */
function readLists(path: string, column: string): { ids: string[]; rows: Float32Array[] } {
  const fd = openSync(path, 'r');
  try {
    const f = parquetFooter(fd);
    const leaf = `${column}.list.item`;
    const rows = f.rowGroups.flatMap((rg) => locateFloatLists(fd, rg.columns.get(leaf)!, f.leaves.get(leaf)!)).map((r) => {
      const x = new Float32Array(r.length);
      readFloatList(fd, r, x);
      return x;
    });
    return { ids: [], rows };
  } finally {
    closeSync(fd);
  }
}

const audioPath = resolve(process.argv[2] || newestUncompressed('resample', 'audio.parquet') || '');
if (!existsSync(audioPath)) throw new Error('no uncompressed audio.parquet: pass AUDIO=<path> or run `npx ser run resample --set dataset.path=../shared/datasets/ravdess` first');
const plan = await planAudioFile(audioPath);
const clips = readLists(audioPath, 'samples').rows;
const audioBytes = clips.reduce((n, c) => n + c.byteLength, 0);
const tmp = await mkdtemp(join(tmpdir(), 'bench-zstd-'));
const zPath = join(tmp, 'audio.parquet');
const r: Record<string, number> = {};
try {
  await writeAudioParquet(zPath, clips.map((samples, i) => ({ id: plan.ids[i], sampleRate: plan.sampleRate, samples })), 64, 'zstd');
  const zPlan = await planAudioFile(zPath);
  const buf = new Float32Array(clips.reduce((n, c) => Math.max(n, c.length), 0));
  const nUsed = 3 * plan.sampleRate;
  for (let round = 0; round < 2; round++) {
    let t = cpu();
    let zBytes = 0;
    for (const c of clips) zBytes += encodeListRowPage(c).bytes.byteLength;
    r.audio_compress_cpu_s = cpu() - t;
    const fd = openSync(zPath, 'r');
    t = cpu();
    for (const c of zPlan.clips!) readFloatList(fd, c, buf);
    r.audio_decompress_cpu_s = cpu() - t;
    t = cpu();
    for (const c of zPlan.clips!) readFloatList(fd, c, buf, Math.min(c.length, nUsed));
    r.audio_read3s_zstd_cpu_s = cpu() - t;
    closeSync(fd);
    const pfd = openSync(audioPath, 'r');
    t = cpu();
    for (const c of plan.clips!) readFloatList(pfd, c, buf, Math.min(c.length, nUsed));
    r.audio_read3s_plain_cpu_s = cpu() - t;
    closeSync(pfd);
    r.audio_mb = audioBytes / 1e6;
    r.audio_pages_mb = zBytes / 1e6;
    console.log(`round ${round + 1}: audio ${clips.length} clips, ${mb(audioBytes)} MB → ${mb(zBytes)} MB of ZSTD pages; compress ${r.audio_compress_cpu_s.toFixed(2)} CPU-s, ` +
      `decompress whole clips ${r.audio_decompress_cpu_s.toFixed(2)} CPU-s, first 3 s of each: ZSTD ${r.audio_read3s_zstd_cpu_s.toFixed(2)} vs uncompressed ${r.audio_read3s_plain_cpu_s.toFixed(2)} CPU-s`);
  }
  r.audio_file_mb = statSync(audioPath).size / 1e6;
  r.audio_zstd_file_mb = statSync(zPath).size / 1e6;
} finally {
  await rm(tmp, { recursive: true, force: true });
}
const featuresPath = newestUncompressed('featurize', 'features.parquet');
if (featuresPath) {
  const mels = readLists(featuresPath, 'logmel').rows;
  const bytes = mels.reduce((n, c) => n + c.byteLength, 0);
  for (let round = 0; round < 2; round++) {
    const t = cpu();
    let z = 0;
    for (const m of mels) z += encodeListRowPage(m).bytes.byteLength;
    r.features_compress_cpu_s = cpu() - t;
    r.features_mb = bytes / 1e6;
    r.features_pages_mb = z / 1e6;
    console.log(`round ${round + 1}: features ${mels.length} log-Mels, ${mb(bytes)} MB → ${mb(z)} MB of ZSTD pages; compress ${r.features_compress_cpu_s.toFixed(2)} CPU-s`);
  }
} else console.log('no uncompressed features.parquet under artifacts/featurize: features part skipped');
console.log(Object.entries(r).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' '));
