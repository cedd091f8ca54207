// featurize: audio.parquet (resample) → features.parquet, one log-Mel spectrogram per
// decoded clip with librosa's definitions (see src/features/logmel.ts). Clips that
// failed upstream are simply absent from audio.parquet and so from the features.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { defineStage } from '../src/pipeline/types.ts';
import { cpuSeconds } from '../src/audio/cpu.ts';
import { featurizeAudioFile, planFeatures } from '../src/features/featurize.ts';
import { parseFeaturizeParams } from '../src/features/params.ts';
import { FeaturesWriter } from '../src/features/store.ts';

export default defineStage({
  description: 'log-Mel spectrograms (librosa definitions, fixed length) of every decoded clip → features.parquet',
  outs: ['features.parquet'],
  async run(ctx) {
    const { features: params, compression } = parseFeaturizeParams(ctx.params.features);
    const upstream = ctx.inputs.resample?.[0];
    if (!upstream) throw new Error('featurize needs the resample stage\'s artifact (audio.parquet): add `deps: [resample]`');
    const t0 = performance.now();
    const cpu0 = cpuSeconds();
    // features.parquet is written, and hashed, row group by row group as the clips come
    // in (in order), not after the last one: the stage's tail is the last row group only.
    const audioPath = join(upstream.dir, 'audio.parquet');
    const plan = await planFeatures(audioPath, params);
    const hash = createHash('sha256');
    const out = new FeaturesWriter(join(ctx.outDir, 'features.parquet'), { ids: plan.ids, nMels: plan.shape.nMels, nFrames: plan.shape.nFrames }, params, plan.sampleRate,
      { compression, onWrite: (bytes) => hash.update(bytes) });
    let writeMs = 0;
    let r;
    try {
      r = await featurizeAudioFile(audioPath, params, {
        pool: ctx.pool, progress: (d, t) => ctx.progress(d, t), compression, plan,
        onRows: (start, count, logmel, pages) => {
          const w0 = performance.now();
          out.rows(start, count, logmel, pages);
          writeMs += performance.now() - w0;
        },
      });
      const w0 = performance.now();
      out.close();
      writeMs += performance.now() - w0;
    } catch (err) {
      await out.abort();
      throw err;
    }
    ctx.outputHashed?.('features.parquet', hash.digest('hex'));
    const t2 = performance.now();
    const t1 = t2 - writeMs;
    ctx.log(
      `${r.ids.length} clips → ${r.shape.nMels}×${r.shape.nFrames} log-Mel at ${r.sampleRate} Hz` +
        `${params.trim_silence ? ` (silence trimmed at ${params.trim_top_db} dB)` : ''}; ` +
        `read + log-Mel${compression === 'zstd' ? ' + ZSTD' : ''} ${((t1 - t0) / 1000).toFixed(2)} s on ${ctx.pool.size} threads, write + sha256 ${((t2 - t1) / 1000).toFixed(2)} s${compression === 'zstd' ? ' (ZSTD)' : ''} (as the clips came in); CPU ${(cpuSeconds() - cpu0).toFixed(2)} s`,
    );
  },
});
