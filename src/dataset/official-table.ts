// The per-clip facts of the official RAVDESS speech release (Zenodo 1188976), shipped
// as data in ravdess-pcm-sha256.tsv: sample rate, channels, frames and the SHA-256 of
// each clip's PCM (the WAV `data` chunk: interleaved little-endian int16). Generated
// from the verified FLAC copy's MANIFEST.tsv by build-official-table.ts; ingest checks
// every clip against it (dataset.verify).
import { readFileSync } from 'node:fs';

export interface OfficialClip {
  sampleRate: number;
  channels: number;
  frames: number;
  pcmSha256: string;
}

export const OFFICIAL_TABLE_URL = new URL('./ravdess-pcm-sha256.tsv', import.meta.url);
export const OFFICIAL_CLIP_COUNT = 1440;

let table: Map<string, OfficialClip> | undefined;

/** id → facts, for all 1440 clips. */
export function officialTable(): Map<string, OfficialClip> {
  if (table) return table;
  const text = readFileSync(OFFICIAL_TABLE_URL, 'utf8');
  const map = new Map<string, OfficialClip>();
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  const header = lines.shift();
  if (header !== 'id\tsample_rate\tchannels\tframes\tpcm_sha256') throw new Error(`${OFFICIAL_TABLE_URL.pathname}: unexpected header "${header}"`);
  for (const line of lines) {
    const [id, sr, ch, frames, sha] = line.split('\t');
    map.set(id, { sampleRate: Number(sr), channels: Number(ch), frames: Number(frames), pcmSha256: sha });
  }
  if (map.size !== OFFICIAL_CLIP_COUNT) throw new Error(`${OFFICIAL_TABLE_URL.pathname}: ${map.size} clips, expected ${OFFICIAL_CLIP_COUNT}`);
  table = map;
  return map;
}
