// Is a difference between two experiments more than noise? Both tests pair the two
// models on the SAME test clips (that is what makes them sensitive: clip difficulty
// cancels out), and the caller refuses to compare different test sets (paired.ts).
//
// - McNemar's test on the discordant pairs: b = clips only A got right, c = clips only B
//   got right. Under H0 (equal accuracy) each discordant clip is B's with probability
//   1/2, so min(b, c) ~ Binomial(b + c, 1/2). Exact two-sided p = min(1, 2·P(X ≤ k));
//   the mid-p version subtracts half the probability of the observed value,
//   p_mid = 2·P(X ≤ k) − P(X = k), which keeps the exact test's validity in practice
//   while being far less conservative (Fagerland, Lydersen & Laake 2013, "The McNemar
//   test for binary matched-pairs data: mid-p and asymptotic are better than exact
//   conditional", BMC Med Res Methodol 13:91). The decision uses p_mid.
// - A paired bootstrap over actors: clips of one speaker are not independent, so the
//   unit resampled is the actor (all of its clips, for both models at once), within
//   each gender (keeping the test set's gender mix, like evaluate's bias audit). The
//   percentile interval of the accuracy difference B − A; "significant" when it
//   excludes 0. Seeded: same clips, seed and n → the same interval on every machine.
import { createRng } from '../util/rng.ts';
import { percentile } from '../metrics/bias.ts';

export interface PairedClip {
  id: string;
  actor: number;
  gender: 'female' | 'male';
  /** Model A / model B predicted this clip correctly. */
  a: boolean;
  b: boolean;
}

export interface McNemarResult {
  n: number;
  both_correct: number;
  both_wrong: number;
  /** A right, B wrong. */
  only_a: number;
  /** B right, A wrong. */
  only_b: number;
  p_exact: number;
  p_mid: number;
  alpha: number;
  significant: boolean;
}

/** log P(X = i) for X ~ Binomial(n, 1/2), i = 0..k. */
function logPmfHalf(n: number, k: number): number[] {
  const out: number[] = [];
  let l = -n * Math.LN2;
  for (let i = 0; i <= k; i++) {
    out.push(l);
    l += Math.log(n - i) - Math.log(i + 1);
  }
  return out;
}

/** Two-sided exact and mid-p McNemar p-values from the discordant counts. */
export function mcnemarP(onlyA: number, onlyB: number): { p_exact: number; p_mid: number } {
  for (const [name, v] of [['onlyA', onlyA], ['onlyB', onlyB]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`mcnemar: ${name} must be a non-negative integer, got ${v}`);
  }
  const n = onlyA + onlyB;
  if (n === 0) return { p_exact: 1, p_mid: 1 };
  const k = Math.min(onlyA, onlyB);
  const logs = logPmfHalf(n, k);
  const max = Math.max(...logs);
  const cdf = Math.exp(max) * logs.reduce((s, l) => s + Math.exp(l - max), 0);
  const atK = Math.exp(logs[k]);
  return { p_exact: Math.min(1, 2 * cdf), p_mid: Math.min(1, 2 * cdf - atK) };
}

export function mcnemar(clips: readonly PairedClip[], alpha = 0.05): McNemarResult {
  let both_correct = 0, both_wrong = 0, only_a = 0, only_b = 0;
  for (const c of clips) {
    if (c.a && c.b) both_correct++;
    else if (!c.a && !c.b) both_wrong++;
    else if (c.a) only_a++;
    else only_b++;
  }
  const p = mcnemarP(only_a, only_b);
  return { n: clips.length, both_correct, both_wrong, only_a, only_b, ...p, alpha, significant: p.p_mid < alpha };
}

export interface BootstrapOptions {
  nBoot: number;
  seed: number;
  confidence: number;
}

export interface ActorBootstrapResult {
  /** Observed accuracy of B minus accuracy of A (all test clips). */
  delta: number;
  ci_low: number;
  ci_high: number;
  confidence: number;
  n_boot: number;
  seed: number;
  actors: { female: number[]; male: number[] };
  method: string;
  /** A gender present with a single actor: the interval cannot see between-speaker variability. */
  degenerate: boolean;
  /** The interval excludes 0 (never when degenerate). */
  significant: boolean;
}

interface ActorTally {
  actor: number;
  n: number;
  /** correct(B) − correct(A) over the actor's clips. */
  diff: number;
}

export function actorBootstrap(clips: readonly PairedClip[], o: BootstrapOptions): ActorBootstrapResult {
  if (!Number.isInteger(o.nBoot) || o.nBoot < 1) throw new Error(`bootstrap: the number of replicates must be a positive integer, got ${o.nBoot}`);
  if (!(o.confidence > 0 && o.confidence < 1)) throw new Error(`bootstrap: confidence must be in (0, 1), got ${o.confidence}`);
  if (!Number.isSafeInteger(o.seed)) throw new Error(`bootstrap: seed must be an integer, got ${o.seed}`);
  if (clips.length === 0) throw new Error('bootstrap: no test clips');
  const by = new Map<number, ActorTally & { gender: string }>();
  for (const c of clips) {
    let t = by.get(c.actor);
    if (!t) by.set(c.actor, (t = { actor: c.actor, gender: c.gender, n: 0, diff: 0 }));
    if (t.gender !== c.gender) throw new Error(`bootstrap: actor ${c.actor} appears as both ${t.gender} and ${c.gender}`);
    t.n++;
    t.diff += Number(c.b) - Number(c.a);
  }
  // Sorted by actor number: the draws do not depend on clip order.
  const strata = (['female', 'male'] as const).map((g) => [...by.values()].filter((t) => t.gender === g).sort((x, y) => x.actor - y.actor)).filter((s) => s.length > 0);
  const n = clips.length;
  const delta = [...by.values()].reduce((s, t) => s + t.diff, 0) / n;
  const rng = createRng(o.seed, 'exp-diff/actor-bootstrap');
  const reps = new Float64Array(o.nBoot);
  for (let r = 0; r < o.nBoot; r++) {
    let diff = 0, total = 0;
    for (const s of strata) {
      for (let i = 0; i < s.length; i++) {
        const t = s[rng.int(s.length)];
        diff += t.diff;
        total += t.n;
      }
    }
    reps[r] = diff / total;
  }
  const sorted = Array.from(reps).sort((x, y) => x - y);
  const tail = (1 - o.confidence) / 2;
  const ci_low = percentile(sorted, tail), ci_high = percentile(sorted, 1 - tail);
  const actors = {
    female: [...by.values()].filter((t) => t.gender === 'female').map((t) => t.actor).sort((x, y) => x - y),
    male: [...by.values()].filter((t) => t.gender === 'male').map((t) => t.actor).sort((x, y) => x - y),
  };
  const degenerate = strata.some((s) => s.length < 2);
  return {
    delta,
    ci_low,
    ci_high,
    confidence: o.confidence,
    n_boot: o.nBoot,
    seed: o.seed,
    actors,
    method: 'paired percentile bootstrap over actors, stratified by gender',
    degenerate,
    significant: !degenerate && (ci_low > 0 || ci_high < 0),
  };
}
