// What split needs from ingest's manifest.parquet: the usable clips with their actor,
// gender and emotion. Usable = status ok, or modified (ingest keeps a modified clip
// only when dataset.verify lets it through; under `strict` it is rejected there).
import { readParquetFile } from '../io/parquet.ts';
import type { ClipInfo } from './protocols.ts';

export const USABLE_STATUSES = ['ok', 'modified'];

export interface ManifestClips {
  clips: ClipInfo[];
  /** Rows left out, by status (rejected, unreadable, …). */
  excluded: Record<string, number>;
}

export async function readManifestClips(path: string): Promise<ManifestClips> {
  const table = await readParquetFile(path, { columns: ['id', 'actor', 'gender', 'emotion', 'status'] });
  const ids = table.getChild('id')!.toArray() as string[];
  const actors = table.getChild('actor')!.toArray() as ArrayLike<number>;
  const genders = table.getChild('gender')!.toArray() as string[];
  const emotions = table.getChild('emotion')!.toArray() as string[];
  const statuses = table.getChild('status')!.toArray() as string[];
  const clips: ClipInfo[] = [];
  const excluded: Record<string, number> = {};
  for (let i = 0; i < ids.length; i++) {
    if (!USABLE_STATUSES.includes(statuses[i])) {
      excluded[statuses[i]] = (excluded[statuses[i]] ?? 0) + 1;
      continue;
    }
    const actor = Number(actors[i]);
    if (!Number.isInteger(actor) || actor <= 0) throw new Error(`${path}: clip ${ids[i]} has actor ${String(actors[i])}, expected a positive integer`);
    if (genders[i] !== 'male' && genders[i] !== 'female') throw new Error(`${path}: clip ${ids[i]} has gender '${genders[i]}', expected male or female`);
    if (!emotions[i]) throw new Error(`${path}: clip ${ids[i]} has no emotion label`);
    clips.push({ id: ids[i], actor, gender: genders[i], emotion: emotions[i] });
  }
  if (clips.length === 0) throw new Error(`${path}: no usable clip (status ok or modified) among ${ids.length} rows`);
  return { clips, excluded };
}
