// The `split.*` params of pipeline.yaml.
import { z } from 'zod';

export const PROTOCOLS = ['speaker-kfold', 'random', 'actors'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const actorList = z.array(z.number().int().positive()).min(1, 'must list at least one actor');
const fraction = z.number().gt(0).lt(1);

export const splitParamsSchema = z.strictObject({
  /** speaker-kfold (default, speaker-independent) | random (stratified, speakers shared) | actors (explicit lists). */
  protocol: z.enum(PROTOCOLS).default('speaker-kfold'),
  /** Which folds to produce (train runs one instance per fold). random and actors have only fold 0. */
  folds: z.array(z.number().int().nonnegative()).min(1, 'must select at least one fold').default([0, 1, 2, 3, 4, 5]),
  /** random protocol: fractions of each emotion × gender stratum per role (sum 1). */
  random: z
    .strictObject({ train: fraction.default(0.8), val: fraction.default(0.1), test: fraction.default(0.1) })
    .default({ train: 0.8, val: 0.1, test: 0.1 }),
  /** actors protocol: the actors of each role. */
  actors: z
    .strictObject({ train: actorList, val: actorList, test: actorList })
    .default({ train: range(1, 16), val: range(17, 20), test: range(21, 24) }),
});

export type SplitParams = z.output<typeof splitParamsSchema>;

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

export function parseSplitParams(raw: unknown, where = 'split'): SplitParams {
  const r = splitParamsSchema.safeParse(raw ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
    throw new Error(`invalid split params:\n  ${lines.join('\n  ')}`);
  }
  const p = r.data;
  const dup = p.folds.find((f, i) => p.folds.indexOf(f) !== i);
  if (dup !== undefined) throw new Error(`${where}.folds: fold ${dup} is listed twice (${JSON.stringify(p.folds)})`);
  if (p.protocol === 'random') {
    const sum = p.random.train + p.random.val + p.random.test;
    if (Math.abs(sum - 1) > 1e-9) throw new Error(`${where}.random: train + val + test must be 1, got ${sum}`);
  }
  return p;
}
