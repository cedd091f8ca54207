// ingest: find every clip under dataset.path (folder / official zip / FLAC copy;
// downloaded first when missing), parse the RAVDESS labels from the names, decode every
// clip on the worker pool to check it and verify its PCM against the official SHA-256
// table → manifest.parquet (the single source of labels), no audio stored.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cpuSeconds } from '../src/audio/cpu.ts';
import { poolMap } from '../src/audio/pool-map.ts';
import type { InspectArg, InspectResult } from '../src/audio/tasks.ts';
import { ensureDataset, whereToPutData } from '../src/dataset/ensure.ts';
import { clipRow, manifestTable, rejectedRow, sortRows, USABLE, type ManifestRow } from '../src/dataset/manifest.ts';
import { OFFICIAL_CLIP_COUNT, officialTable } from '../src/dataset/official-table.ts';
import { parseDatasetParams } from '../src/dataset/params.ts';
import { parseRavdessName, type RavdessLabels } from '../src/dataset/ravdess.ts';
import { DatasetMissingError, discoverSources, type SourceRef } from '../src/dataset/sources.ts';
import { writeParquetFile } from '../src/io/parquet.ts';
import { defineStage } from '../src/pipeline/types.ts';

const TASKS = new URL('../src/audio/tasks.ts', import.meta.url);
const MAX_LISTED = 20;

export default defineStage({
  description: 'RAVDESS clips (folder, official zip or FLAC; downloaded when missing) → labels, decode check and PCM verification in manifest.parquet',
  outs: ['manifest.parquet', 'rejected.json', 'dataset.json'],

  async prepare(ctx) {
    const params = parseDatasetParams(ctx.params.dataset);
    await ensureDataset({
      root: ctx.root, absPath: resolve(ctx.root, params.path), params, signal: ctx.signal,
      log: (m) => ctx.log(m), progress: (d, t, n) => ctx.progress(d, t, n),
    });
  },

  async run(ctx) {
    const params = parseDatasetParams(ctx.params.dataset);
    const absPath = resolve(ctx.root, params.path);
    const t0 = performance.now();
    const cpu0 = cpuSeconds();
    let found;
    try {
      found = await discoverSources(absPath);
    } catch (err) {
      if (err instanceof DatasetMissingError) throw new Error(whereToPutData(absPath, ctx.root, params));
      throw err;
    }
    ctx.log(`dataset ${params.path}: ${found.layout}, ${found.sources.length} audio file(s)` +
      (found.skipped.length ? `; skipped ${found.skipped.length} non-audio file(s) (${found.skipped.slice(0, 3).join(', ')}${found.skipped.length > 3 ? ', …' : ''})` : ''));

    // Names first (cheap): refused names and duplicates are listed, not decoded.
    const rows: ManifestRow[] = [];
    const todo: { labels: RavdessLabels; ref: SourceRef }[] = [];
    const firstSource = new Map<string, string>();
    // dataset.actors (a subset, e.g. for a quick smoke experiment): other actors' clips are left out entirely.
    const actorSet = params.actors ? new Set(params.actors) : null;
    let otherActors = 0;
    for (const ref of found.sources) {
      const parsed = parseRavdessName(ref.rel);
      const stem = ref.rel.slice(ref.rel.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
      if (!parsed.ok) {
        rows.push(rejectedRow(stem, ref.rel, parsed.reason));
        continue;
      }
      if (actorSet && !actorSet.has(parsed.labels.actor)) {
        otherActors++;
        continue;
      }
      const first = firstSource.get(parsed.labels.id);
      if (first !== undefined) {
        rows.push(rejectedRow(parsed.labels.id, ref.rel, `duplicate of ${first} (same clip id)`));
        continue;
      }
      firstSource.set(parsed.labels.id, ref.rel);
      todo.push({ labels: parsed.labels, ref });
    }

    // Decode (and hash) every clip on the pool; a bad file is a row, not a failure.
    const table = officialTable();
    const results = await poolMap<InspectArg, InspectResult>(ctx.pool, TASKS, 'inspectClips',
      todo.map(({ ref }) => ({ ref, hash: params.verify !== 'off' })), { progress: (d, t) => ctx.progress(d, t) });
    todo.forEach(({ labels, ref }, i) => rows.push(clipRow(labels, ref.rel, results[i], table.get(labels.id), params.verify)));
    sortRows(rows);

    const by = (s: string) => rows.filter((r) => r.status === s);
    const [ok, modified, rejected, unreadable] = ['ok', 'modified', 'rejected', 'unreadable'].map(by);
    const silent = rows.filter((r) => r.flags.split(',').includes('silent'));
    const present = new Set(rows.filter((r) => r.status !== 'rejected').map((r) => r.id));
    const missing = [...table.keys()].filter((id) => !present.has(id) && (!actorSet || actorSet.has(Number(id.slice(-2)))));
    if (actorSet) ctx.log(`dataset.actors = [${params.actors!.join(', ')}]: left out ${otherActors} clip(s) of other actors`);
    const seconds = rows.reduce((s, r) => s + (USABLE.includes(r.status) ? r.duration_s ?? 0 : 0), 0);
    ctx.log(`${rows.length} file(s): ${ok.length} ok, ${modified.length} modified, ${rejected.length} rejected, ${unreadable.length} unreadable` +
      `${silent.length ? `, ${silent.length} silent (flagged)` : ''}; ${(seconds / 60).toFixed(1)} min of usable audio; ` +
      `verify=${params.verify}; ${((performance.now() - t0) / 1000).toFixed(2)} s on ${ctx.pool.size} threads, CPU ${(cpuSeconds() - cpu0).toFixed(2)} s`);
    for (const r of [...modified, ...unreadable, ...rejected].slice(0, MAX_LISTED)) ctx.log(`  ${r.status}: ${r.source}: ${r.reason}`);
    if (modified.length + unreadable.length + rejected.length > MAX_LISTED) ctx.log(`  … (all in rejected.json)`);
    if (rejected.some((r) => !r.labels)) {
      ctx.log('  files whose names are not RAVDESS names carry no emotion labels, so they cannot be used for training; `ser predict` classifies any clip');
    }
    const officialCount = actorSet ? [...table.keys()].filter((id) => actorSet.has(Number(id.slice(-2)))).length : OFFICIAL_CLIP_COUNT;
    if (missing.length && missing.length < officialCount) {
      ctx.log(`${missing.length} of the ${officialCount} official clips${actorSet ? ' of these actors' : ''} are not in this dataset (e.g. ${missing.slice(0, 3).join(', ')})`);
    }

    if (params.verify === 'strict' && modified.length + unreadable.length > 0) {
      const bad = [...modified, ...unreadable];
      throw new Error(`dataset.verify=strict: ${bad.length} clip(s) are not the official audio:\n` +
        bad.slice(0, MAX_LISTED).map((r) => `  ${r.source}: ${r.status}: ${r.reason}`).join('\n') +
        (bad.length > MAX_LISTED ? `\n  … and ${bad.length - MAX_LISTED} more` : '') +
        '\nReplace them with the official files, or run with --set dataset.verify=warn to keep them flagged.');
    }
    if (ok.length + modified.length === 0) {
      throw new Error(`no usable RAVDESS clip in ${params.path}: ${rows.length} audio file(s) found, none decodes with a RAVDESS name` +
        (rows.length ? ` (first: ${rows[0].source}: ${rows[0].reason})` : '') +
        (otherActors ? `; dataset.actors = [${params.actors!.join(', ')}] left out ${otherActors} clip(s) of other actors` : '') + `\n${whereToPutData(absPath, ctx.root, params)}`);
    }

    await writeParquetFile(join(ctx.outDir, 'manifest.parquet'), manifestTable(rows));
    const notOk = rows.filter((r) => r.status !== 'ok' || r.flags).map((r) => ({ id: r.id, source: r.source, status: r.status, reason: r.reason, flags: r.flags }));
    await writeFile(join(ctx.outDir, 'rejected.json'), JSON.stringify({ files: notOk, missing }, null, 1) + '\n');
    await writeFile(join(ctx.outDir, 'dataset.json'), JSON.stringify({
      path: params.path, layout: found.layout, files: rows.length, skipped: found.skipped, ...(params.actors ? { actors: params.actors } : {}),
    }, null, 1) + '\n');
  },
});
