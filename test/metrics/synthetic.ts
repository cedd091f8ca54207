// Test fixture (not a product path): RAVDESS-shaped predictions from a seeded simulator,
// so the metrics and the report can be exercised at full size (24 actors x 60 clips,
// 6 speaker folds) before trained models exist. Male speakers are made worse on `sad`
// and a little worse overall, so the bias audit has a real gap to find.
import { argmax } from '../../src/metrics/classification.ts';
import type { PredictionRow } from '../../src/metrics/compute.ts';
import { createRng } from '../../src/util/rng.ts';

export const EMOTIONS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];
/** Where a wrong prediction of each class usually goes (the reference's main confusions). */
const CONFUSED_WITH = [1, 3, 7, 1, 6, 3, 4, 2];

export interface SyntheticOptions {
  seed?: number;
  actors?: number[];
  /** Actors per fold (consecutive groups, as the speaker-kfold protocol does). */
  actorsPerFold?: number;
  /** Base probability of a correct prediction. */
  skill?: number;
  /** Extra drop in P(correct) for male speakers on sad clips (default 0.3). */
  maleSadPenalty?: number;
}

export function ravdessId(emotion: number, intensity: number, statement: number, repetition: number, actor: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return ['03', '01', two(emotion), two(intensity), two(statement), two(repetition), two(actor)].join('-');
}

export function syntheticPredictions(opts: SyntheticOptions = {}): PredictionRow[] {
  const rng = createRng(opts.seed ?? 7);
  const actors = opts.actors ?? Array.from({ length: 24 }, (_, i) => i + 1);
  const perFold = opts.actorsPerFold ?? 4;
  const skill = opts.skill ?? 0.55;
  const malePenalty = opts.maleSadPenalty ?? 0.3;
  const rows: PredictionRow[] = [];
  actors.forEach((actor, idx) => {
    const gender = actor % 2 === 1 ? 'male' : 'female';
    const actorSkill = skill + (rng.float() - 0.5) * 0.2 - (gender === 'male' ? 0.05 : 0);
    for (let e = 1; e <= 8; e++) {
      for (const intensity of e === 1 ? [1] : [1, 2]) {
        for (let s = 1; s <= 2; s++) {
          for (let r = 1; r <= 2; r++) {
            const t = e - 1;
            const pCorrect = actorSkill + (intensity === 2 ? 0.08 : 0) - (gender === 'male' && t === 3 ? malePenalty : 0);
            const u = rng.float();
            const target = u < pCorrect ? t : u < pCorrect + (1 - pCorrect) * 0.6 ? CONFUSED_WITH[t] : rng.int(8);
            const logits = Array.from({ length: 8 }, () => rng.float() * 1.5);
            logits[target] += 1.2 + rng.float() * 2.5;
            const mx = Math.max(...logits);
            const ex = logits.map((l) => Math.exp(l - mx));
            const z = ex.reduce((a, b) => a + b, 0);
            const probs = Float32Array.from(ex.map((x) => x / z));
            rows.push({
              id: ravdessId(e, intensity, s, r, actor),
              fold: Math.floor(idx / perFold),
              actor,
              gender,
              intensity: intensity === 2 ? 'strong' : 'normal',
              true: t,
              pred: argmax(probs),
              probs,
            });
          }
        }
      }
    }
  });
  return rows;
}
