// --fail-if: the regression gate of `ser exp diff`.
//
// Grammar (whitespace is free; `and` is case-insensitive):
//
//   gate      := condition { ("," | ";") condition }     the gate fails if ANY condition holds
//   condition := clause { ("and" | "&&") clause }        a condition holds if ALL its clauses do
//   clause    := operand op number ["%"]                 "%" divides the number by 100
//   operand   := path | fn "(" path ")"
//   fn        := delta | rel | abs | a | b
//   op        := "<" | "<=" | ">" | ">=" | "==" | "!="
//   path      := a metrics.json path: name { "." key | "[" index "]" }
//                e.g. accuracy, macro_f1, per_class.sad.recall, gender.male.uar,
//                bias.accuracy.diff, folds[0].accuracy, calibration.ece
//              | significance.<field>: mcnemar.p_mid, mcnemar.p_exact, mcnemar.only_a,
//                mcnemar.only_b, bootstrap.delta, bootstrap.ci_low, bootstrap.ci_high
//
// A bare metric path means delta(path) = b − a (the candidate minus the baseline), so
// "accuracy < -0.02" fails when accuracy dropped by more than 2 points. rel(p) = (b − a)/|a|,
// abs(p) = |b − a|, a(p) and b(p) are the two values themselves. significance.* paths
// are values of the comparison (no function). Several --fail-if flags add conditions.
// A clause on a value that is null (undefined for lack of data) does not hold and is
// reported as n/a; a path that exists in neither metrics file is an error (a typo must
// not pass a gate silently).
import { metricAt } from '../metrics/schema.ts';
import type { MetricsFile } from '../metrics/schema.ts';

export type Fn = 'delta' | 'rel' | 'abs' | 'a' | 'b';
export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Clause {
  text: string;
  fn: Fn;
  /** true when written without a function (delta by default). */
  bare: boolean;
  path: string;
  op: Op;
  value: number;
}

export interface Condition {
  text: string;
  clauses: Clause[];
}

/** A --fail-if that cannot be parsed or names no metric: a usage error (exit 2). */
export class GateSyntaxError extends Error {}

const PATH = String.raw`[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+|\[\d+\])*`;
const NUMBER = String.raw`[+-]?\s*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const CLAUSE = new RegExp(String.raw`^(?:(delta|rel|abs|a|b)\s*\(\s*(${PATH})\s*\)|(${PATH}))\s*(<=|>=|==|!=|<|>)\s*(${NUMBER})\s*(%?)$`);

export const GATE_EXAMPLES = '"accuracy < -0.02", "rel(macro_f1) < -5%", "abs(bias.accuracy.diff) > 0.05", "b(uar) < 0.3", "accuracy < 0 and significance.mcnemar.p_mid < 0.05"';

export function parseClause(text: string, whole: string): Clause {
  const m = CLAUSE.exec(text.trim());
  if (!m) {
    throw new GateSyntaxError(
      `--fail-if "${whole}": cannot parse '${text.trim()}': expected <metric path> <op> <number>, with op one of < <= > >= == != ` +
        `and an optional delta/rel/abs/a/b(...) around the path, e.g. ${GATE_EXAMPLES}`,
    );
  }
  const [, fn, fnPath, barePath, op, num, pct] = m;
  const path = fnPath ?? barePath;
  let value = Number(num.replace(/\s+/g, ''));
  if (pct) value /= 100;
  if (path.startsWith('significance.') && fn) {
    throw new GateSyntaxError(`--fail-if "${whole}": ${fn}(${path}): significance.* values belong to the comparison, not to one experiment; write them without a function`);
  }
  return { text: text.trim(), fn: (fn as Fn) ?? 'delta', bare: !fn, path, op: op as Op, value };
}

/** Parse every --fail-if value (each may hold several conditions separated by , or ;). */
export function parseGate(exprs: readonly string[]): Condition[] {
  const out: Condition[] = [];
  for (const e of exprs) {
    for (const part of e.split(/[,;]/)) {
      if (!part.trim()) continue;
      const clauses = part.split(/\s+and\s+|&&/i).map((c) => parseClause(c, e));
      out.push({ text: part.trim(), clauses });
    }
  }
  if (exprs.length && !out.length) throw new GateSyntaxError(`--fail-if: no condition given, e.g. ${GATE_EXAMPLES}`);
  return out;
}

export interface GateInput {
  a: MetricsFile;
  b: MetricsFile;
  /** The comparison's significance results (null when not computed). */
  significance: unknown;
}

export interface ClauseResult {
  text: string;
  /** What was compared: e.g. "Δ accuracy = -0.0375". */
  describe: string;
  value: number | null;
  /** null = n/a (a value is null). */
  holds: boolean | null;
}

export interface ConditionResult {
  text: string;
  clauses: ClauseResult[];
  /** All clauses hold. */
  holds: boolean;
}

export interface GateResult {
  conditions: ConditionResult[];
  /** Some condition holds: the gate fails. */
  failed: boolean;
}

function compare(x: number, op: Op, y: number): boolean {
  switch (op) {
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '==': return x === y;
    case '!=': return x !== y;
  }
}

function topKeys(m: MetricsFile): string {
  return ['accuracy', 'macro_f1', 'uar', `per_class.${m.labels[0] ?? '<label>'}.recall`, 'gender.female.accuracy', 'bias.accuracy.diff', 'fold_mean.accuracy', 'calibration.ece'].join(', ');
}

function numeric(v: unknown, path: string, where: string): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new GateSyntaxError(`--fail-if: ${path} in ${where} is ${Array.isArray(v) ? 'a list' : typeof v}, not a number (address one value, e.g. ${path}.accuracy or ${path}[0])`);
}

export function evaluateClause(c: Clause, g: GateInput): ClauseResult {
  let value: number | null;
  let describe: string;
  if (c.path.startsWith('significance.')) {
    const raw = metricAt(g.significance, c.path.slice('significance.'.length));
    if (raw === undefined && g.significance !== null) {
      throw new GateSyntaxError(`--fail-if: no value ${c.path} (significance fields: mcnemar.p_mid, mcnemar.p_exact, mcnemar.only_a, mcnemar.only_b, bootstrap.delta, bootstrap.ci_low, bootstrap.ci_high)`);
    }
    value = raw === undefined ? null : numeric(raw, c.path, 'the significance results');
    describe = `${c.path} = ${fmt(value)}`;
  } else {
    const ra = metricAt(g.a, c.path), rb = metricAt(g.b, c.path);
    if (ra === undefined && rb === undefined) throw new GateSyntaxError(`--fail-if: '${c.path}' is not a metric in metrics.json (e.g. ${topKeys(g.a)})`);
    const a = ra === undefined ? null : numeric(ra, c.path, 'a'), b = rb === undefined ? null : numeric(rb, c.path, 'b');
    const d = a === null || b === null ? null : b - a;
    switch (c.fn) {
      case 'delta': value = d; describe = `Δ ${c.path} = ${fmt(d, true)} (${fmt(a)} → ${fmt(b)})`; break;
      case 'abs': value = d === null ? null : Math.abs(d); describe = `|Δ ${c.path}| = ${fmt(value)} (${fmt(a)} → ${fmt(b)})`; break;
      case 'rel': value = d === null || a === null ? null : a === 0 ? (d === 0 ? 0 : null) : d / Math.abs(a); describe = `relative Δ ${c.path} = ${value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`} (${fmt(a)} → ${fmt(b)})`; break;
      case 'a': value = a; describe = `a ${c.path} = ${fmt(a)}`; break;
      case 'b': value = b; describe = `b ${c.path} = ${fmt(b)}`; break;
    }
  }
  return { text: c.text, describe, value, holds: value === null ? null : compare(value, c.op, c.value) };
}

export function evaluateGate(conditions: readonly Condition[], g: GateInput): GateResult {
  const results = conditions.map((cond) => {
    const clauses = cond.clauses.map((c) => evaluateClause(c, g));
    return { text: cond.text, clauses, holds: clauses.every((c) => c.holds === true) };
  });
  return { conditions: results, failed: results.some((r) => r.holds) };
}

function fmt(x: number | null, signed = false): string {
  if (x === null) return 'n/a';
  const s = Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 1e-4) ? x.toExponential(3) : x.toFixed(4);
  return signed && x > 0 ? `+${s}` : s;
}
