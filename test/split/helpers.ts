// A synthetic ingest manifest with the RAVDESS structure (24 actors × 60 clips) and
// every column of CONTRACTS.md, for split tests.
import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';

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

export function manifestTable(rows: ManifestRow[]): Table {
  const n = rows.length;
  const str = (f: (r: ManifestRow) => string) => vectorFromArray(rows.map(f), new Utf8());
  const int = (f: (r: ManifestRow) => number) => makeVector(Int32Array.from(rows, f));
  return new Table({
    id: str((r) => r.id),
    source: str((r) => `Actor_${r.id.slice(-2)}/${r.id}.wav`),
    modality: str(() => 'audio-only'),
    vocal_channel: str(() => 'speech'),
    emotion: str((r) => r.emotion),
    emotion_code: int((r) => r.emotion_code),
    intensity: str((r) => r.intensity),
    statement: int((r) => r.statement),
    repetition: int((r) => r.repetition),
    actor: int((r) => r.actor),
    gender: str((r) => r.gender),
    sample_rate: int(() => 48000),
    channels: int(() => 1),
    frames: int(() => 170000),
    duration_s: makeVector(new Float64Array(n).fill(170000 / 48000)),
    pcm_sha256: str(() => '0'.repeat(64)),
    status: str((r) => r.status),
    reason: str((r) => (r.status === 'ok' ? '' : `test: ${r.status}`)),
  });
}
