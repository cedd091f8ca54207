// Train/validation/test assignment of clips, per fold.
//  - speaker-kfold: 6 groups of 4 actors (2 male + 2 female); fold k tests group k,
//    validates on group k+1 (mod 6) and trains on every other actor.
//  - random: one fold, stratified by emotion × gender, seeded; speakers are shared
//    across roles (the original project's protocol, kept for comparison).
//  - actors: one fold from explicit actor lists.
import { createRng } from '../util/rng.ts';
import type { Protocol, SplitParams } from './params.ts';

export const ROLES = ['train', 'val', 'test'] as const;
export type Role = (typeof ROLES)[number];

export const SPEAKER_GROUPS: readonly (readonly number[])[] = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
  [17, 18, 19, 20],
  [21, 22, 23, 24],
];

export interface ClipInfo {
  id: string;
  actor: number;
  gender: string;
  emotion: string;
}

export interface Assignment {
  id: string;
  fold: number;
  role: Role;
}

export interface SplitResult {
  protocol: Protocol;
  /** False for `random`: the same speakers appear in train, val and test. */
  speakerIndependent: boolean;
  /** The folds produced, ascending. */
  folds: number[];
  /** Rows sorted by fold, then id. */
  rows: Assignment[];
  /** Clips of actors that no role of a fold takes (actors protocol), by fold. */
  unassigned: Map<number, number>;
}

export function isSpeakerIndependent(protocol: Protocol): boolean {
  return protocol !== 'random';
}

export function makeSplit(clips: readonly ClipInfo[], p: SplitParams, seed: number): SplitResult {
  const sorted = [...clips].sort((a, b) => cmp(a.id, b.id));
  const rows: Assignment[] = [];
  const unassigned = new Map<number, number>();
  if (p.protocol === 'speaker-kfold') {
    const bad = p.folds.filter((f) => f >= SPEAKER_GROUPS.length);
    if (bad.length) throw new Error(`split.folds: speaker-kfold has folds 0..${SPEAKER_GROUPS.length - 1}, got ${bad.join(', ')}`);
    for (const fold of [...p.folds].sort((a, b) => a - b)) {
      const test = new Set(SPEAKER_GROUPS[fold]);
      const val = new Set(SPEAKER_GROUPS[(fold + 1) % SPEAKER_GROUPS.length]);
      for (const c of sorted) rows.push({ id: c.id, fold, role: test.has(c.actor) ? 'test' : val.has(c.actor) ? 'val' : 'train' });
    }
  } else {
    if (p.folds.length !== 1 || p.folds[0] !== 0) {
      throw new Error(
        `split.folds is ${JSON.stringify(p.folds)}, but the '${p.protocol}' protocol has a single fold, 0: ` +
          `set split.folds=[0] (e.g. --set split.folds=[0]) together with split.protocol=${p.protocol}`,
      );
    }
    if (p.protocol === 'random') rows.push(...randomStratified(sorted, p.random, seed));
    else {
      const roleOf = actorRoles(p.actors);
      let skipped = 0;
      for (const c of sorted) {
        const role = roleOf.get(c.actor);
        if (role) rows.push({ id: c.id, fold: 0, role });
        else skipped++;
      }
      if (skipped) unassigned.set(0, skipped);
    }
  }
  const folds = [...p.folds].sort((a, b) => a - b);
  const result: SplitResult = { protocol: p.protocol, speakerIndependent: isSpeakerIndependent(p.protocol), folds, rows, unassigned };
  checkSplit(result, clips);
  return result;
}

/** Actor → role for the actors protocol; an actor in two lists is an error. */
function actorRoles(lists: Record<Role, number[]>): Map<number, Role> {
  const roleOf = new Map<number, Role>();
  for (const role of ROLES) {
    for (const a of lists[role]) {
      const prev = roleOf.get(a);
      if (prev && prev !== role) throw new Error(`split.actors: actor ${a} is listed under both '${prev}' and '${role}'`);
      roleOf.set(a, role);
    }
  }
  return roleOf;
}

/**
 * Stratified random split: within each emotion × gender stratum (ids shuffled with a
 * seeded stream of their own), the first n_test clips go to test, the next n_val to
 * val, the rest to train. Per-stratum counts are apportioned by largest remainder so
 * that the totals are round(N·fraction) exactly (1440 clips → 1152/144/144).
 */
function randomStratified(clips: readonly ClipInfo[], f: { train: number; val: number; test: number }, seed: number): Assignment[] {
  const strata = new Map<string, ClipInfo[]>();
  for (const c of clips) {
    const key = `${c.emotion}|${c.gender}`;
    let s = strata.get(key);
    if (!s) strata.set(key, (s = []));
    s.push(c);
  }
  const keys = [...strata.keys()].sort(cmp);
  const sizes = keys.map((k) => strata.get(k)!.length);
  const nTest = apportion(sizes, f.test);
  const nVal = apportion(sizes, f.val);
  const rows: Assignment[] = [];
  keys.forEach((key, s) => {
    const members = createRng(seed, `split/random/${key}`).shuffle(strata.get(key)!.map((c) => c.id));
    members.forEach((id, i) => rows.push({ id, fold: 0, role: i < nTest[s] ? 'test' : i < nTest[s] + nVal[s] ? 'val' : 'train' }));
  });
  return rows.sort((a, b) => cmp(a.id, b.id));
}

/** Largest-remainder apportionment of round(total·fraction) over groups of `sizes`. */
export function apportion(sizes: readonly number[], fraction: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const target = Math.round(total * fraction);
  const exact = sizes.map((n) => n * fraction);
  const out = exact.map(Math.floor);
  let left = target - out.reduce((a, b) => a + b, 0);
  // ties: the earlier (sorted) stratum first, so the result is deterministic
  const order = exact.map((e, i) => ({ r: e - Math.floor(e), i })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (out[i] < sizes[i]) {
      out[i]++;
      left--;
    }
  }
  return out;
}

/**
 * The guarantees every split must give, checked on the result: each fold has clips in
 * every role; under a speaker-independent protocol no actor appears in two roles of a
 * fold; every clip appears at most once per fold.
 */
export function checkSplit(r: SplitResult, clips: readonly ClipInfo[]): void {
  const actorOf = new Map(clips.map((c) => [c.id, c.actor]));
  const folds = new Map<number, { roles: Record<Role, number>; actorRole: Map<number, Role>; ids: Set<string> }>();
  for (const row of r.rows) {
    let f = folds.get(row.fold);
    if (!f) folds.set(row.fold, (f = { roles: { train: 0, val: 0, test: 0 }, actorRole: new Map(), ids: new Set() }));
    if (f.ids.has(row.id)) throw new Error(`split: clip ${row.id} is assigned twice in fold ${row.fold}`);
    f.ids.add(row.id);
    f.roles[row.role]++;
    const actor = actorOf.get(row.id);
    if (actor === undefined) throw new Error(`split: clip ${row.id} is not in the manifest`);
    const prev = f.actorRole.get(actor);
    if (r.speakerIndependent && prev && prev !== row.role) {
      throw new Error(`split (${r.protocol}): actor ${actor} appears in both '${prev}' and '${row.role}' of fold ${row.fold} — speakers would leak across roles`);
    }
    f.actorRole.set(actor, row.role);
  }
  for (const fold of r.folds) {
    if (!folds.has(fold)) throw new Error(`split (${r.protocol}): fold ${fold} has no clips at all (${clips.length} usable clips in the manifest)`);
  }
  for (const [fold, f] of folds) {
    const empty = ROLES.filter((role) => f.roles[role] === 0);
    if (empty.length) {
      throw new Error(
        `split (${r.protocol}): fold ${fold} has no ${empty.join(' and no ')} clips ` +
          `(train ${f.roles.train}, val ${f.roles.val}, test ${f.roles.test}) — are the actors of that role missing from the data?`,
      );
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
