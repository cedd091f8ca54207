// Rendering experiments for people: aligned text tables for the terminal, Markdown for
// pull-request comments and $GITHUB_STEP_SUMMARY. (--json output is the objects
// themselves.) Pure functions of the records/comparison: tested by string checks.
import { createHash } from 'node:crypto';
import type { Comparison, MetricRow } from './comparison.ts';
import type { GateResult } from './failif.ts';
import { shortCommit } from './git.ts';
import type { ExperimentRecord, ParamChange } from './record.ts';

export type Cell = string | number | null;

export function formatValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(3));
export const signed3 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${x < 0 && x.toFixed(3) !== '-0.000' ? '-' : '+'}${Math.abs(x).toFixed(3)}`);
export const pValue = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/** Aligned plain-text table; numbers-looking cells align right. */
export function textTable(columns: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '—' : String(c))));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => text.length > 0 && text.every((r) => /^[-+−±]?[\d.]+(%| %)?$|^—$/.test(r[i] ?? '')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function mdTable(columns: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '—' : mdEscape(String(c)))));
  const numeric = columns.map((_, i) => text.length > 0 && text.every((r) => /^[-+−±]?[\d.]+(%| %)?$|^—$|^\*\*/.test(r[i] ?? '')));
  return [`| ${columns.map(mdEscape).join(' | ')} |`, `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`, ...text.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ---------------------------------------------------------------------------------
// exp show

export interface ShowRow {
  name: string;
  created_at: string;
  commit: string;
  backend: string | null;
  accuracy: number | null;
  macro_f1: number | null;
  uar: number | null;
  /** bias.accuracy.diff: female − male accuracy. */
  gender_gap: number | null;
  changed: string[];
  /** Stage -> short key (one instance) or digest of its instances' keys with ×N. */
  keys: Record<string, string>;
  /** Stages computed by this experiment (the others came from the cache). */
  ran: string[];
  /** Earlier experiment sharing the most stage artifacts, and which stages. */
  shares: { with: string; stages: string[] } | null;
  duration_s: number;
}

export function changeText(c: ParamChange): string {
  return `${c.path}=${c.value === undefined ? '(removed)' : formatValue(c.value)}`;
}

/** Short id of a stage's artifacts in one experiment: the key, or a digest of all instances' keys. */
export function stageKeyId(keys: string[]): string {
  if (keys.length === 1) return keys[0].slice(0, 7);
  const d = createHash('sha256').update([...keys].sort().join('\n')).digest('hex').slice(0, 7);
  return `${d}×${keys.length}`;
}

export function stageOrder(records: readonly ExperimentRecord[]): string[] {
  const order: string[] = [];
  for (const r of records) for (const s of r.stages) if (!order.includes(s.stage)) order.push(s.stage);
  return order;
}

export function showRows(records: readonly ExperimentRecord[]): ShowRow[] {
  const rows: ShowRow[] = [];
  for (const r of records) {
    const byStage = new Map<string, string[]>();
    for (const s of r.stages) byStage.set(s.stage, [...(byStage.get(s.stage) ?? []), s.key]);
    const keys = Object.fromEntries([...byStage].map(([st, ks]) => [st, stageKeyId(ks)]));
    let shares: ShowRow['shares'] = null;
    for (const prev of rows) {
      const common = Object.keys(keys).filter((st) => prev.keys[st] === keys[st]);
      if (common.length && (!shares || common.length > shares.stages.length)) shares = { with: prev.name, stages: common };
    }
    const m = r.metrics;
    rows.push({
      name: r.name,
      created_at: r.created_at,
      commit: shortCommit(r.git),
      backend: r.backend,
      accuracy: m?.accuracy ?? null,
      macro_f1: m?.macro_f1 ?? null,
      uar: m?.uar ?? null,
      gender_gap: m?.bias.accuracy?.diff ?? null,
      changed: r.params_changed.map(changeText),
      keys,
      ran: [...new Set(r.stages.filter((s) => s.outcome === 'ran').map((s) => s.stage))],
      shares,
      duration_s: r.duration_s,
    });
  }
  return rows;
}

function showTable(rows: ShowRow[], stages: string[], full: boolean): { columns: string[]; cells: Cell[][] } {
  const columns = ['experiment', 'commit', 'accuracy', 'macro-F1', 'UAR', 'gap F−M', 'changed params', ...stages];
  const clip = (s: string) => (full || s.length <= 48 ? s : s.slice(0, 47) + '…');
  const cells = rows.map((r): Cell[] => [
    r.name,
    r.commit,
    f3(r.accuracy),
    f3(r.macro_f1),
    f3(r.uar),
    signed3(r.gender_gap),
    clip(r.changed.join(', ') || '(defaults)'),
    ...stages.map((st) => (r.keys[st] ? `${r.keys[st]}${r.ran.includes(st) ? '' : '='}` : '')),
  ]);
  return { columns, cells };
}

function sharesLines(rows: ShowRow[]): string[] {
  return rows.filter((r) => r.shares).map((r) => `${r.name} shares ${r.shares!.stages.join(', ')} with ${r.shares!.with} (same artifacts, not recomputed)`);
}

export function renderShowText(records: readonly ExperimentRecord[]): string {
  if (!records.length) return 'no experiments yet: run `npx ser exp run <name> --set key=value`';
  const rows = showRows(records);
  const { columns, cells } = showTable(rows, stageOrder(records), false);
  return [
    textTable(columns, cells),
    '',
    'Stage columns: artifact key (7 hex; ×N = digest of N matrix instances); `=` = taken from the cache, not computed by that experiment.',
    'Equal keys in a column = the same artifact. gap F−M = female − male accuracy.',
    ...sharesLines(rows),
  ].join('\n');
}

export function renderShowMarkdown(records: readonly ExperimentRecord[]): string {
  if (!records.length) return '_No experiments yet._';
  const rows = showRows(records);
  const { columns, cells } = showTable(rows, stageOrder(records), true);
  const shares = sharesLines(rows);
  return [
    '### Experiments',
    '',
    mdTable(columns, cells.map((r) => r.map((c, i) => (i >= 7 && c ? `\`${c}\`` : c)))),
    '',
    '_Stage columns: artifact key (`=`: reused from the cache). Equal keys = the same artifact. gap F−M = female − male accuracy._',
    ...(shares.length ? ['', ...shares.map((s) => `- ${s}`)] : []),
  ].join('\n');
}

export function renderList(records: readonly ExperimentRecord[]): string {
  if (!records.length) return 'no experiments yet';
  return textTable(
    ['experiment', 'created', 'commit', 'up to', 'accuracy', 'changed params'],
    records.map((r) => [r.name, r.created_at.replace('T', ' ').replace('Z', ''), shortCommit(r.git), r.targets.length ? r.targets.join(',') : (r.stages[r.stages.length - 1]?.stage ?? '—'), f3(r.metrics?.accuracy), r.params_changed.map(changeText).join(', ') || '(defaults)']),
  );
}

// ---------------------------------------------------------------------------------
// exp diff

function sideLine(s: Comparison['a']): string {
  const bits = [shortCommit(s.git)];
  if (s.created_at) bits.push(s.created_at.replace('T', ' ').replace('Z', ''));
  if (s.backend) bits.push(s.backend);
  return `${s.name}${s.path && s.kind !== 'experiment' ? ` (${s.path})` : ''} [${bits.join(', ')}]`;
}

function artifactSummary(c: Comparison): string | null {
  if (!c.artifacts.length) return null;
  const same = c.artifacts.filter((x) => x.same).map((x) => x.id);
  const diff = c.artifacts.filter((x) => !x.same).map((x) => x.id);
  return `${same.length ? `same artifacts: ${same.join(', ')}` : 'no artifact in common'}${diff.length ? `; different: ${diff.join(', ')}` : ''}`;
}

const GROUP_TITLES: Record<MetricRow['group'], string> = {
  headline: 'Headline metrics',
  gender: 'Per gender',
  class: 'Per class',
  intensity: 'Per intensity',
  fold: 'Per fold',
};

function metricCells(rows: MetricRow[]): Cell[][] {
  return rows.map((r) => [r.label, f3(r.a), f3(r.b), signed3(r.delta)]);
}

function significanceLines(c: Comparison): string[] {
  const s = c.significance;
  if (!s) return [c.significance_note ?? 'significance not computed'];
  const m = s.mcnemar, b = s.bootstrap;
  const conf = Math.round(b.confidence * 100);
  const nActors = b.actors.female.length + b.actors.male.length;
  return [
    `McNemar (paired on ${m.n} clips): ${m.only_a} right only in ${c.a.name}, ${m.only_b} right only in ${c.b.name}; ` +
      `exact p = ${pValue(m.p_exact)}, mid-p = ${pValue(m.p_mid)} → ${m.significant ? `significant at α = ${m.alpha}` : `not significant at α = ${m.alpha}`}`,
    `Actor bootstrap: Δ accuracy ${signed3(b.delta)}, ${conf} % CI [${signed3(b.ci_low)}, ${signed3(b.ci_high)}] over ${nActors} test actors ` +
      `(${b.actors.female.length} female, ${b.actors.male.length} male; ${b.n_boot} replicates, seed ${b.seed}) → ` +
      (b.degenerate ? 'degenerate (a gender has a single actor: speaker variability unmeasured)' : b.significant ? 'CI excludes 0' : 'CI includes 0'),
  ];
}

function gateLines(g: GateResult): string[] {
  return g.conditions.map((c) => `${c.holds ? 'FAIL' : 'pass'}  ${c.text}: ${c.clauses.map((x) => `${x.describe}${x.holds === null ? ' (n/a)' : ''}`).join(' and ')}`);
}

export function renderDiffText(c: Comparison, gate?: GateResult, opts: { all?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`a: ${sideLine(c.a)}`, `b: ${sideLine(c.b)}`);
  out.push(`test set: ${c.test_set.n} clips, fold${c.test_set.folds.length === 1 ? '' : 's'} ${c.test_set.folds.join(',')}, actors ${c.test_set.actors.join(',')} — ${c.test_set.checked === 'clips' ? 'the same clips in both (checked clip by clip)' : 'same counts per fold, actor and class (clip ids not available)'}`);
  const art = artifactSummary(c);
  if (art) out.push(art);
  out.push('');
  if (c.params === null) out.push('params: not recorded on one side');
  else if (!c.params.length) out.push('params: identical');
  else out.push('params (a → b):', ...textTable(['param', 'a', 'b'], c.params.map((p) => [p.path, formatValue(p.a), formatValue(p.b)])).split('\n').map((l) => `  ${l}`));
  out.push('');
  const groups = (opts.all ? ['headline', 'gender', 'class', 'intensity', 'fold'] : ['headline', 'gender', 'class']) as MetricRow['group'][];
  for (const g of groups) {
    const rows = c.metrics.filter((r) => r.group === g);
    if (!rows.length) continue;
    out.push(`${GROUP_TITLES[g]}:`, ...textTable(['metric', 'a', 'b', 'Δ b − a'], metricCells(rows)).split('\n').map((l) => `  ${l}`), '');
  }
  out.push('Significance of the accuracy difference:', ...significanceLines(c).map((l) => `  ${l}`));
  if (gate) out.push('', `Gate (--fail-if): ${gate.failed ? 'FAILED' : 'passed'}`, ...gateLines(gate).map((l) => `  ${l}`));
  return out.join('\n');
}

export function renderDiffMarkdown(c: Comparison, gate?: GateResult): string {
  const out: string[] = [];
  const verdict = gate ? (gate.failed ? ' — ❌ gate failed' : ' — ✅ gate passed') : '';
  out.push(`### Experiment diff: \`${c.a.name}\` → \`${c.b.name}\`${verdict}`, '');
  out.push(`- **a**: ${sideLine(c.a)}`, `- **b**: ${sideLine(c.b)}`);
  out.push(`- **test set**: ${c.test_set.n} clips, folds ${c.test_set.folds.join(',')}, actors ${c.test_set.actors.join(',')} (${c.test_set.checked === 'clips' ? 'identical clips' : 'identical counts'})`);
  const art = artifactSummary(c);
  if (art) out.push(`- **artifacts**: ${art}`);
  out.push('');
  const head = c.metrics.filter((r) => r.group === 'headline');
  out.push(mdTable(['metric', 'a', 'b', 'Δ b − a'], metricCells(head)), '');
  out.push('**Significance** (accuracy, paired on the same clips):', '', ...significanceLines(c).map((l) => `- ${l}`), '');
  if (gate) out.push(`**Gate** (\`--fail-if\`): ${gate.failed ? '**failed**' : 'passed'}`, '', ...gateLines(gate).map((l) => `- ${l.startsWith('FAIL') ? `❌ ${l}` : `✅ ${l}`}`), '');
  if (c.params?.length) out.push('<details><summary>Params that differ</summary>', '', mdTable(['param', 'a', 'b'], c.params.map((p) => [`\`${p.path}\``, formatValue(p.a), formatValue(p.b)])), '', '</details>', '');
  for (const g of ['gender', 'class', 'intensity', 'fold'] as const) {
    const rows = c.metrics.filter((r) => r.group === g);
    if (rows.length) out.push(`<details><summary>${GROUP_TITLES[g]}</summary>`, '', mdTable(['metric', 'a', 'b', 'Δ b − a'], metricCells(rows)), '', '</details>', '');
  }
  return out.join('\n').trimEnd() + '\n';
}
