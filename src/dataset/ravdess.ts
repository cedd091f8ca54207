// RAVDESS file names: modality-vocalChannel-emotion-intensity-statement-repetition-actor,
// e.g. 03-01-05-02-01-01-07 = audio-only, speech, angry, strong, "Kids are talking by
// the door", 1st repetition, actor 7 (odd = male). Only audio-only speech is used; any
// other name gets a reason, never a silent drop.

/** Class index order = RAVDESS code order (CONTRACTS.md). */
export const EMOTIONS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export const STATEMENTS = ['Kids are talking by the door', 'Dogs are sitting by the door'] as const;

export interface RavdessLabels {
  /** "03-01-05-02-01-01-07" */
  id: string;
  modality: string;
  vocal_channel: string;
  emotion: Emotion;
  /** 1..8 */
  emotion_code: number;
  intensity: 'normal' | 'strong';
  statement: number;
  repetition: number;
  actor: number;
  gender: 'male' | 'female';
}

export type ParsedName = { ok: true; labels: RavdessLabels } | { ok: false; reason: string };

const MODALITY: Record<string, string> = { '01': 'full-AV', '02': 'video-only', '03': 'audio-only' };
const CHANNEL: Record<string, string> = { '01': 'speech', '02': 'song' };
const NAME = /^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/;

/** Parse a file name (with or without directory and extension). */
export function parseRavdessName(fileName: string): ParsedName {
  const base = fileName.split(/[\\/]/).pop()!;
  const stem = base.replace(/\.[^.]*$/, '');
  const m = NAME.exec(stem);
  if (!m) {
    return { ok: false, reason: `name "${base}" is not a RAVDESS name (expected 7 two-digit fields like 03-01-05-02-01-01-07.wav)` };
  }
  const [, mod, ch, emo, inten, stmt, rep, act] = m;
  const bad = (what: string) => ({ ok: false as const, reason: `name "${base}": ${what}` });
  if (!MODALITY[mod]) return bad(`modality ${mod} is not 01/02/03`);
  if (mod !== '03') return bad(`modality ${mod} (${MODALITY[mod]}) is a video file; only audio-only (03) is used`);
  if (!CHANNEL[ch]) return bad(`vocal channel ${ch} is not 01 (speech) or 02 (song)`);
  if (ch !== '01') return bad('vocal channel 02 is song; only speech (01) is used');
  const code = Number(emo);
  if (code < 1 || code > 8) return bad(`emotion ${emo} is not 01..08`);
  if (inten !== '01' && inten !== '02') return bad(`intensity ${inten} is not 01 (normal) or 02 (strong)`);
  if (code === 1 && inten === '02') return bad('neutral (01) has no strong intensity in RAVDESS');
  if (stmt !== '01' && stmt !== '02') return bad(`statement ${stmt} is not 01 or 02`);
  if (rep !== '01' && rep !== '02') return bad(`repetition ${rep} is not 01 or 02`);
  const actor = Number(act);
  if (actor < 1 || actor > 24) return bad(`actor ${act} is not 01..24`);
  return {
    ok: true,
    labels: {
      id: stem,
      modality: MODALITY[mod],
      vocal_channel: CHANNEL[ch],
      emotion: EMOTIONS[code - 1],
      emotion_code: code,
      intensity: inten === '01' ? 'normal' : 'strong',
      statement: Number(stmt),
      repetition: Number(rep),
      actor,
      gender: actor % 2 === 1 ? 'male' : 'female',
    },
  };
}

/** All 1440 ids of the speech release, in sorted order. */
export function allSpeechIds(): string[] {
  const ids: string[] = [];
  for (let actor = 1; actor <= 24; actor++) {
    for (let e = 1; e <= 8; e++) {
      for (const inten of e === 1 ? [1] : [1, 2]) {
        for (const st of [1, 2]) {
          for (const rep of [1, 2]) {
            ids.push(['03', '01', e, inten, st, rep, actor].map((v) => String(v).padStart(2, '0')).join('-'));
          }
        }
      }
    }
  }
  return ids.sort();
}
