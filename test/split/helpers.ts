// A synthetic ingest manifest with the RAVDESS structure (24 actors × 60 clips), built
// with ingest's own table builder, for split tests.
import type { Table } from 'apache-arrow';
import { manifestTable as ingestManifestTable, type ClipStatus, type ManifestRow as IngestRow } from '../../src/dataset/manifest.ts';
import type { Emotion } from '../../src/dataset/ravdess.ts';

export const EMOTIONS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];

export interface ManifestRow {
  id: string;
  actor: number;
  emotion: string;
  emotion_code: number;
  intensity: string;
  statement: number;
  repetition: number;
  gender: string;
  status: string;
}

export function ravdessRows(actors: number[] = Array.from({ length: 24 }, (_, i) => i + 1)): ManifestRow[] {
  const rows: ManifestRow[] = [];
  const p2 = (n: number) => String(n).padStart(2, '0');
  for (const actor of actors) {
    for (let e = 1; e <= 8; e++) {
      for (const intensity of e === 1 ? [1] : [1, 2]) {
        for (const statement of [1, 2]) {
          for (const repetition of [1, 2]) {
            rows.push({
              id: `03-01-${p2(e)}-${p2(intensity)}-${p2(statement)}-${p2(repetition)}-${p2(actor)}`,
              actor,
              emotion: EMOTIONS[e - 1],
              emotion_code: e,
              intensity: intensity === 1 ? 'normal' : 'strong',
              statement,
              repetition,
              gender: actor % 2 ? 'male' : 'female',
              status: 'ok',
            });
          }
        }
      }
    }
  }
  return rows;
}

/** The manifest table as ingest writes it (the ingest stage's own builder), plus `extra` rows as ingest makes them. */
export function manifestTable(rows: ManifestRow[], extra: IngestRow[] = []): Table {
  return ingestManifestTable([
    ...rows.map((r): IngestRow => ({
      id: r.id,
      source: `Actor_${r.id.slice(-2)}/${r.id}.wav`,
      labels: {
        id: r.id, modality: 'audio-only', vocal_channel: 'speech', emotion: r.emotion as Emotion, emotion_code: r.emotion_code,
        intensity: r.intensity as 'normal' | 'strong', statement: r.statement, repetition: r.repetition, actor: r.actor, gender: r.gender as 'male' | 'female',
      },
      sample_rate: 48000, channels: 1, frames: 170000, duration_s: 170000 / 48000, pcm_sha256: '0'.repeat(64),
      status: r.status as ClipStatus, reason: r.status === 'ok' ? '' : `test: ${r.status}`, flags: '', file_size: 1000,
    })),
    ...extra,
  ]);
}
