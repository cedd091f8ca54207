// split: manifest.parquet (ingest) → split.parquet (id, fold, role) + split.json (a
// readable summary: actors and clip counts per fold and role). See src/split/.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from '../src/pipeline/types.ts';
import { readManifestClips } from '../src/split/manifest.ts';
import { parseSplitParams } from '../src/split/params.ts';
import { makeSplit, ROLES, type ClipInfo, type SplitResult } from '../src/split/protocols.ts';
import { protocolLabel, writeSplitFile } from '../src/split/store.ts';

export default defineStage({
  description: 'train/val/test assignment per fold (speaker-independent actor groups by default) → split.parquet',
  outs: ['split.parquet', 'split.json'],
  async run(ctx) {
    const params = parseSplitParams(ctx.params.split);
    const seed = ctx.params.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${JSON.stringify(seed)}`);
    const upstream = ctx.inputs.ingest?.[0];
    if (!upstream) throw new Error("split needs the ingest stage's artifact (manifest.parquet): add `deps: [ingest]`");
    const { clips, excluded } = await readManifestClips(join(upstream.dir, 'manifest.parquet'));
    const result = makeSplit(clips, params, seed);
    await writeSplitFile(join(ctx.outDir, 'split.parquet'), result, seed);
    const summary = splitSummary(result, clips, excluded);
    // indented, with each actor list on one line
    const json = JSON.stringify(summary, null, 2).replace(/\[\s*(\d+(?:,\s*\d+)*)\s*\]/g, (_, list: string) => `[${list.split(/,\s*/).join(', ')}]`);
    await writeFile(join(ctx.outDir, 'split.json'), json + '\n');
    const ex = Object.entries(excluded).map(([s, n]) => `${n} ${s}`).join(', ');
    ctx.log(`${result.protocol}: ${clips.length} clips${ex ? ` (left out: ${ex})` : ''}`);
    for (const f of summary.folds) {
      ctx.log(`fold ${f.fold}: train ${f.train.clips} / val ${f.val.clips} / test ${f.test.clips} clips; test actors ${f.test.actors.join(',')}`);
    }
  },
});

function splitSummary(r: SplitResult, clips: ClipInfo[], excluded: Record<string, number>) {
  const actorOf = new Map(clips.map((c) => [c.id, c.actor]));
  return {
    protocol: r.protocol,
    speaker_independent: r.speakerIndependent,
    label: protocolLabel(r),
    clips: clips.length,
    excluded_by_status: excluded,
    folds: r.folds.map((fold) => {
      const rows = r.rows.filter((x) => x.fold === fold);
      const role = (name: (typeof ROLES)[number]) => {
        const ids = rows.filter((x) => x.role === name).map((x) => x.id);
        return { clips: ids.length, actors: [...new Set(ids.map((id) => actorOf.get(id)!))].sort((a, b) => a - b) };
      };
      return { fold, train: role('train'), val: role('val'), test: role('test'), unassigned: r.unassigned.get(fold) ?? 0 };
    }),
  };
}
