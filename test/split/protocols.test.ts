import { describe, expect, it } from 'vitest';
import { parseSplitParams } from '../../src/split/params.ts';
import { apportion, checkSplit, makeSplit, SPEAKER_GROUPS, type ClipInfo } from '../../src/split/protocols.ts';
import { ravdessRows } from './helpers.ts';

const clips: ClipInfo[] = ravdessRows();
const actorOf = new Map(clips.map((c) => [c.id, c.actor]));

function rolesByActor(rows: { id: string; fold: number; role: string }[], fold: number) {
  const m = new Map<number, Set<string>>();
  for (const r of rows.filter((x) => x.fold === fold)) {
    const a = actorOf.get(r.id)!;
    if (!m.has(a)) m.set(a, new Set());
    m.get(a)!.add(r.role);
  }
  return m;
}

describe('speaker-kfold', () => {
  const r = makeSplit(clips, parseSplitParams({}), 0);

  it('six folds; fold k tests group k, validates on group k+1, trains on the other 16 actors', () => {
    expect(r.folds).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.rows.length).toBe(6 * 1440);
    for (let k = 0; k < 6; k++) {
      const roles = rolesByActor(r.rows, k);
      for (let a = 1; a <= 24; a++) {
        const expected = SPEAKER_GROUPS[k].includes(a) ? 'test' : SPEAKER_GROUPS[(k + 1) % 6].includes(a) ? 'val' : 'train';
        expect([...roles.get(a)!]).toEqual([expected]);
      }
      const n = (role: string) => r.rows.filter((x) => x.fold === k && x.role === role).length;
      expect([n('train'), n('val'), n('test')]).toEqual([960, 240, 240]);
    }
  });

  it('each group holds 2 male and 2 female actors', () => {
    for (const g of SPEAKER_GROUPS) expect(g.filter((a) => a % 2 === 1).length).toBe(2);
  });

  it('every clip is tested exactly once over the six folds', () => {
    const tested = r.rows.filter((x) => x.role === 'test').map((x) => x.id);
    expect(tested.length).toBe(1440);
    expect(new Set(tested).size).toBe(1440);
  });

  it('split.folds selects folds', () => {
    const one = makeSplit(clips, parseSplitParams({ folds: [5] }), 0);
    expect(one.folds).toEqual([5]);
    expect(new Set(one.rows.map((x) => x.fold))).toEqual(new Set([5]));
    expect(rolesByActor(one.rows, 5).get(1)).toEqual(new Set(['val'])); // g0 validates fold 5
    expect(() => makeSplit(clips, parseSplitParams({ folds: [6] }), 0)).toThrow(/folds 0\.\.5, got 6/);
  });

  it('fails loudly when a fold would have an empty role (actors missing from the data)', () => {
    const partial = clips.filter((c) => c.actor > 4); // group 0 absent
    expect(() => makeSplit(partial, parseSplitParams({ folds: [0] }), 0)).toThrow(/fold 0 has no test clips/);
    expect(() => makeSplit(partial, parseSplitParams({ folds: [5] }), 0)).toThrow(/fold 5 has no val clips/);
    expect(makeSplit(partial, parseSplitParams({ folds: [2] }), 0).rows.length).toBe(partial.length);
  });
});

describe('random (stratified, speakers shared)', () => {
  const p = parseSplitParams({ protocol: 'random', folds: [0] });

  it('1152/144/144 with every emotion × gender stratum split 80/10/10 (±1 clip)', () => {
    const r = makeSplit(clips, p, 0);
    expect(r.speakerIndependent).toBe(false);
    const n = (role: string) => r.rows.filter((x) => x.role === role).length;
    expect([n('train'), n('val'), n('test')]).toEqual([1152, 144, 144]);
    const byId = new Map(clips.map((c) => [c.id, c]));
    const strata = new Map<string, Record<string, number>>();
    for (const row of r.rows) {
      const c = byId.get(row.id)!;
      const k = `${c.emotion}|${c.gender}`;
      const s = strata.get(k) ?? { train: 0, val: 0, test: 0 };
      s[row.role]++;
      strata.set(k, s);
    }
    expect(strata.size).toBe(16);
    for (const s of strata.values()) {
      const total = s.train + s.val + s.test;
      expect(Math.abs(s.test - total * 0.1)).toBeLessThan(1);
      expect(Math.abs(s.val - total * 0.1)).toBeLessThan(1);
    }
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = makeSplit(clips, p, 0).rows;
    expect(makeSplit([...clips].reverse(), p, 0).rows).toEqual(a); // input order is irrelevant
    const b = makeSplit(clips, p, 1).rows;
    expect(b).not.toEqual(a);
    expect(b.filter((x) => x.role === 'test').length).toBe(144);
  });

  it('refuses folds other than [0], saying what to set', () => {
    expect(() => makeSplit(clips, parseSplitParams({ protocol: 'random' }), 0)).toThrow(/single fold, 0: set split\.folds=\[0\]/);
  });

  it('fractions must add up to 1', () => {
    expect(() => parseSplitParams({ protocol: 'random', folds: [0], random: { train: 0.7, val: 0.1, test: 0.1 } })).toThrow(/must be 1/);
  });
});

describe('actors (explicit lists)', () => {
  it('assigns by actor and leaves unlisted actors out', () => {
    const p = parseSplitParams({ protocol: 'actors', folds: [0], actors: { train: [1, 2, 3, 4, 5, 6], val: [7, 8], test: [9, 10] } });
    const r = makeSplit(clips, p, 0);
    expect(r.rows.length).toBe(600);
    expect(r.unassigned.get(0)).toBe(840);
    expect(rolesByActor(r.rows, 0).get(9)).toEqual(new Set(['test']));
  });

  it('an actor in two lists is an error naming the actor', () => {
    const p = parseSplitParams({ protocol: 'actors', folds: [0], actors: { train: [1, 2, 3], val: [3], test: [4] } });
    expect(() => makeSplit(clips, p, 0)).toThrow(/actor 3 is listed under both 'train' and 'val'/);
  });

  it('an empty list is refused by the params check', () => {
    expect(() => parseSplitParams({ protocol: 'actors', folds: [0], actors: { train: [1], val: [], test: [2] } })).toThrow(/split\.actors\.val/);
  });
});

describe('split guarantees', () => {
  it('checkSplit rejects an actor in two roles of a fold under a speaker-independent protocol', () => {
    const two = clips.filter((c) => c.actor === 1).slice(0, 3);
    const bad = { protocol: 'speaker-kfold' as const, speakerIndependent: true, folds: [0], unassigned: new Map(), rows: [
      { id: two[0].id, fold: 0, role: 'train' as const },
      { id: two[1].id, fold: 0, role: 'test' as const },
      { id: clips[100].id, fold: 0, role: 'val' as const },
    ] };
    expect(() => checkSplit(bad, clips)).toThrow(/actor 1 appears in both 'train' and 'test' of fold 0/);
    expect(() => checkSplit({ ...bad, protocol: 'random', speakerIndependent: false }, clips)).not.toThrow();
  });

  it('params: unknown protocol, duplicate folds and typos are named', () => {
    expect(() => parseSplitParams({ protocol: 'loso' })).toThrow(/split\.protocol/);
    expect(() => parseSplitParams({ folds: [1, 1] })).toThrow(/fold 1 is listed twice/);
    expect(() => parseSplitParams({ fold: [1] })).toThrow(/fold/);
  });

  it('apportion gives exact totals by largest remainder', () => {
    // quotas 9.6, 9.6, 4.8: floors 9, 9, 4; the two spare go to the largest remainders (.8, then the first .6)
    expect(apportion([96, 96, 48], 0.1)).toEqual([10, 9, 5]);
    expect(apportion([96, 96, 48], 0.1).reduce((a, b) => a + b)).toBe(24);
    expect(apportion([3, 3, 3], 0.5)).toEqual([2, 2, 1]);
  });
});
