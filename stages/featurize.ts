// featurize: audio.parquet (resample) → features.parquet, one log-Mel spectrogram per
// decoded clip with librosa's definitions (see src/features/logmel.ts). Clips that
// failed upstream are simply absent from audio.parquet and so from the features.
import { join } from 'node:path';
import { defineStage } from '../src/pipeline/types.ts';
import { cpuSeconds } from '../src/audio/cpu.ts';
import { featurizeAudioFile } from '../src/features/featurize.ts';
import { parseFeaturizeParams } from '../src/features/params.ts';
import { writeFeaturesFile } from '../src/features/store.ts';

export default defineStage({
  description: 'log-Mel spectrograms (librosa definitions, fixed length) of every decoded clip → features.parquet',
  outs: ['features.parquet'],
  async run(ctx) {
    const { features: params, compression } = parseFeaturizeParams(ctx.params.features);
    const upstream = ctx.inputs.resample?.[0];
    if (!upstream) throw new Error('featurize needs the resample stage\'s artifact (audio.parquet): add `deps: [resample]`');
    const t0 = performance.now();
    const cpu0 = cpuSeconds();
    const r = await featurizeAudioFile(join(upstream.dir, 'audio.parquet'), params, { pool: ctx.pool, progress: (d, t) => ctx.progress(d, t), compression });
    const t1 = performance.now();
    await writeFeaturesFile(join(ctx.outDir, 'features.parquet'), { ids: r.ids, nMels: r.shape.nMels, nFrames: r.shape.nFrames, logmel: r.logmel }, params, r.sampleRate, { compression, pages: r.pages });
    const t2 = performance.now();
    ctx.log(
      `${r.ids.length} clips → ${r.shape.nMels}×${r.shape.nFrames} log-Mel at ${r.sampleRate} Hz` +
        `${params.trim_silence ? ` (silence trimmed at ${params.trim_top_db} dB)` : ''}; ` +
        `read + log-Mel${compression === 'zstd' ? ' + ZSTD' : ''} ${((t1 - t0) / 1000).toFixed(2)} s on ${ctx.pool.size} threads, write ${((t2 - t1) / 1000).toFixed(2)} s${compression === 'zstd' ? ' (ZSTD)' : ''}; CPU ${(cpuSeconds() - cpu0).toFixed(2)} s`,
    );
  },
});
