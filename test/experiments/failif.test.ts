// --fail-if: the grammar, what each function means, and how null values and typos behave.
import { describe, expect, it } from 'vitest';
import { evaluateGate, GateSyntaxError, parseGate, type GateInput } from '../../src/experiments/failif.ts';
import { computeMetrics } from '../../src/metrics/compute.ts';
import { EMOTIONS, syntheticPredictions } from '../metrics/synthetic.ts';

const metrics = (skill: number) => computeMetrics(syntheticPredictions({ skill, seed: 3, actors: [1, 2, 3, 4, 5, 6, 7, 8] }), { labels: EMOTIONS, bootstrap: 50, seed: 0 });
const a = metrics(0.6);
const b = metrics(0.45);
const significance = { mcnemar: { p_mid: 0.001, p_exact: 0.002, only_a: 30, only_b: 5 }, bootstrap: { delta: -0.1, ci_low: -0.15, ci_high: -0.05 } };
const input: GateInput = { a, b, significance };
const holds = (expr: string, g: GateInput = input) => evaluateGate(parseGate([expr]), g);

describe('--fail-if parsing', () => {
  it('parses functions, operators, percentages, signs with spaces, and lists', () => {
    const conds = parseGate(['accuracy < -0.02, rel(macro_f1) <= -5%', 'abs(bias.accuracy.diff) > .05; b(per_class.sad.recall) < 0.3', 'folds[0].accuracy != 0 and significance.mcnemar.p_mid < 0.05', 'uar < - 1e-2']);
    expect(conds.map((c) => c.text)).toEqual([
      'accuracy < -0.02', 'rel(macro_f1) <= -5%', 'abs(bias.accuracy.diff) > .05', 'b(per_class.sad.recall) < 0.3',
      'folds[0].accuracy != 0 and significance.mcnemar.p_mid < 0.05', 'uar < - 1e-2',
    ]);
    expect(conds[0].clauses[0]).toMatchObject({ fn: 'delta', bare: true, path: 'accuracy', op: '<', value: -0.02 });
    expect(conds[1].clauses[0]).toMatchObject({ fn: 'rel', path: 'macro_f1', op: '<=', value: -0.05 });
    expect(conds[2].clauses[0]).toMatchObject({ fn: 'abs', path: 'bias.accuracy.diff', op: '>', value: 0.05 });
    expect(conds[3].clauses[0]).toMatchObject({ fn: 'b', path: 'per_class.sad.recall' });
    expect(conds[4].clauses.map((c) => c.path)).toEqual(['folds[0].accuracy', 'significance.mcnemar.p_mid']);
    expect(conds[5].clauses[0].value).toBe(-0.01);
  });

  it.each([
    ['accuracy << 0.02', /cannot parse 'accuracy << 0.02'/],
    ['accuracy < ', /cannot parse/],
    ['accuracy => 0', /cannot parse/],
    ['mean(accuracy) < 0', /cannot parse/],
    ['rel(significance.mcnemar.p_mid) < 0.05', /significance\.\* values belong to the comparison/],
    [' , ', /no condition given/],
  ])('refuses %j', (expr, msg) => {
    expect(() => parseGate([expr])).toThrow(GateSyntaxError);
    expect(() => parseGate([expr])).toThrow(msg);
  });
});

describe('--fail-if evaluation', () => {
  const d = (b.accuracy as number) - (a.accuracy as number);

  it('a bare path is the delta b − a; the gate fails when any condition holds', () => {
    expect(d).toBeLessThan(-0.05); // the fixture: b is clearly worse
    const g = holds(`accuracy < ${d + 0.001}, accuracy > 0`);
    expect(g.failed).toBe(true);
    expect(g.conditions.map((c) => c.holds)).toEqual([true, false]);
    expect(g.conditions[0].clauses[0].value).toBeCloseTo(d, 12);
    expect(g.conditions[0].clauses[0].describe).toMatch(/^Δ accuracy = -0\.\d{4} \(0\.\d{4} → 0\.\d{4}\)$/);
    expect(holds(`accuracy < ${d - 0.001}`).failed).toBe(false);
  });

  it('rel, abs, a and b', () => {
    const rel = holds('rel(accuracy) < 0').conditions[0].clauses[0];
    expect(rel.value).toBeCloseTo(d / (a.accuracy as number), 12);
    expect(holds(`abs(accuracy) > ${-d - 0.001}`).failed).toBe(true);
    expect(holds(`abs(accuracy) > ${-d + 0.001}`).failed).toBe(false);
    expect(holds(`a(accuracy) == ${a.accuracy}`).failed).toBe(true);
    expect(holds(`b(accuracy) >= ${b.accuracy}`).failed).toBe(true);
    expect(holds('a(per_class.sad.recall) < 0').failed).toBe(false);
  });

  it('"and" needs every clause; significance.* reads the comparison', () => {
    expect(holds('accuracy < 0 and significance.mcnemar.p_mid < 0.05').failed).toBe(true);
    expect(holds('accuracy < 0 and significance.mcnemar.p_mid < 0.0001').failed).toBe(false);
    expect(holds('significance.bootstrap.ci_high < 0').failed).toBe(true);
    expect(() => holds('significance.mcnemar.nope < 1')).toThrow(/no value significance\.mcnemar\.nope/);
  });

  it('a null value is n/a (does not fail the gate); without significance, significance.* is n/a too', () => {
    const nulled = structuredClone(b);
    nulled.macro_f1 = null;
    const g = holds('macro_f1 < 10', { a, b: nulled, significance });
    expect(g.failed).toBe(false);
    expect(g.conditions[0].clauses[0]).toMatchObject({ value: null, holds: null });
    expect(holds('significance.mcnemar.p_mid < 1', { a, b, significance: null }).conditions[0].clauses[0].holds).toBe(null);
  });

  it('a path that is not in metrics.json, or is not a number, is an error (a typo must not pass silently)', () => {
    expect(() => holds('acuracy < 0')).toThrow(/'acuracy' is not a metric in metrics\.json \(e\.g\. accuracy, macro_f1/);
    expect(() => holds('per_class.sad < 0')).toThrow(/per_class\.sad in a is object, not a number/);
    expect(() => holds('labels < 0')).toThrow(/is a list, not a number/);
  });
});
