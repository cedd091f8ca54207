// resample: every clip ingest accepted (status ok or modified) decoded again from the
// dataset and resampled to audio.sample_rate on the worker pool → audio.parquet
// (full clip length, mono float32). The file is laid out first from the manifest's
// frame counts, and each worker writes its clips' samples into their places: the main
// thread never holds or copies audio. With audio.compression: zstd each worker
// compresses its clips into pages instead, appended here in clip order (see
// src/audio/audio-parquet.ts). Labels stay in ingest's manifest.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ResampledAudioOutput } from '../src/audio/resampled-output.ts';
import { parseAudioParams } from '../src/audio/params.ts';
import { resampledLength } from '../src/audio/resample.ts';
import { poolForEach } from '../src/audio/pool-map.ts';
import type { ResampleArg, ResampleResult } from '../src/audio/tasks.ts';
import { USABLE, type ClipStatus } from '../src/dataset/manifest.ts';
import { resolveSources } from '../src/dataset/sources.ts';
import { utf8Values } from '../src/io/arrow-columns.ts';
import { readParquetFile } from '../src/io/parquet.ts';
import { defineStage } from '../src/pipeline/types.ts';
import { cpuSeconds } from '../src/audio/cpu.ts';

const TASKS = new URL('../src/audio/tasks.ts', import.meta.url);

export default defineStage({
  description: 'decode every accepted clip again and resample it (band-limited polyphase sinc) to audio.sample_rate → audio.parquet',
  outs: ['audio.parquet'],

  async run(ctx) {
    const { sample_rate: rate, compression } = parseAudioParams(ctx.params.audio);
    const ingest = ctx.inputs.ingest?.[0];
    if (!ingest) throw new Error('resample needs the ingest stage\'s artifact (manifest.parquet): add `deps: [ingest]`');
    const t0 = performance.now();
    const cpu0 = cpuSeconds();
    const manifest = await readParquetFile(join(ingest.dir, 'manifest.parquet'), { columns: ['id', 'source', 'status', 'file_size', 'sample_rate', 'frames'] });
    const dataset = JSON.parse(await readFile(join(ingest.dir, 'dataset.json'), 'utf8')) as { path: string };
    const [ids, sources, statuses] = ['id', 'source', 'status'].map((name) => utf8Values(manifest.getChild(name)!) as string[]);
    const [sizes, rates, frames] = ['file_size', 'sample_rate', 'frames'].map((name) => manifest.getChild(name)!.toArray() as ArrayLike<number | bigint>);
    const clips = ids.map((id, i) => ({ id, source: sources[i], size: Number(sizes[i]), rate: Number(rates[i]), frames: Number(frames[i]) }))
      .filter((_, i) => USABLE.includes(statuses[i] as ClipStatus));

    // Locate the sources again (zip entries need their offsets).
    const root = resolve(ctx.root, dataset.path);
    const { refs: byRel, missing: gone } = await resolveSources(root, clips.map((c) => c.source));
    if (gone.length) {
      throw new Error(`${gone.length} clip(s) that ingest read are no longer in ${dataset.path} (e.g. ${gone[0]}); rerun ingest (npx ser run resample --force … or fix the data)`);
    }

    // Every clip's length is known now (ceil(frames · out/in)): reserve its place.
    const lengths = clips.map((c) => resampledLength(c.frames, c.rate, rate));
    // audio.parquet is hashed while it is written (clips are delivered in order).
    const output = new ResampledAudioOutput(join(ctx.outDir, 'audio.parquet'), clips.map((c, i) => ({ id: c.id, sampleRate: rate, length: lengths[i] })), compression);
    const failed: string[] = [];
    let inSeconds = 0;
    try {
      await poolForEach<ResampleArg, ResampleResult>(ctx.pool, TASKS, compression === 'zstd' ? 'resampleClipsToPages' : 'resampleClips',
        clips.map((c, i) => ({ ref: byRel.get(c.source)!, toRate: rate, fileSize: c.size, out: output.target(i) })),
        (r, i) => {
          const c = clips[i];
          if (!r.ok) {
            failed.push(r.reason);
            return;
          }
          if (r.fromRate !== c.rate || r.frames !== c.frames || r.length !== lengths[i] || !r.written) {
            throw new Error(`${c.source}: decoded ${r.frames} frames at ${r.fromRate} Hz → ${r.length} samples, but ingest saw ${c.frames} at ${c.rate} Hz (→ ${lengths[i]}); rerun ingest`);
          }
          inSeconds += c.frames / c.rate;
          if (!failed.length) output.accept(i, r.page);
        },
        { progress: (d, t) => ctx.progress(d, t) });
      if (failed.length) {
        throw new Error(`${failed.length} clip(s) that ingest accepted failed to decode now:\n  ${failed.slice(0, 10).join('\n  ')}`);
      }
    } catch (err) {
      await output.abort();
      throw err;
    }
    const h0 = performance.now();
    const beforeFinish = output.writeMs;
    const sha256 = await output.finish();
    ctx.outputHashed?.('audio.parquet', sha256);
    const writeMs = output.writeMs;
    const hashTailMs = performance.now() - h0 - (writeMs - beforeFinish);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - cpu0;
    const fromRates = [...new Set(clips.map((c) => c.rate))].sort((a, b) => a - b).join(', ');
    ctx.log(`${clips.length} clips (${(inSeconds / 60).toFixed(1)} min) from ${fromRates} Hz → ${rate} Hz: decode+resample ${(seconds - (writeMs + hashTailMs) / 1000).toFixed(2)} s ` +
      `on ${ctx.pool.size} threads (${(inSeconds / seconds).toFixed(0)}× realtime), write ${(writeMs / 1000).toFixed(2)} s (${compression === 'zstd' ? 'ZSTD pages appended + footer; the workers compress the samples' : 'layout + footer; the workers write the samples'}), sha256 tail ${(hashTailMs / 1000).toFixed(2)} s (the rest overlapped); CPU ${cpu.toFixed(2)} s`);
  },
});
