// The comparison section of `ser report --compare <a> <b>` (owned by the experiments
// work, issue 8): side-by-side confusion matrices of a and b on the same colour scale,
// the matrix of count differences b − a, a chart of metric deltas, the tables behind
// every chart, the significance tests and the param differences. It is inserted first
// in b's regular report page (renderReport's extraSections hook), so the page stays one
// self-contained file: inline SVG rendered at build time, no scripts, no requests.
import type { MetricsFile } from '../metrics/schema.ts';
import type { Comparison, MetricRow } from '../experiments/comparison.ts';
import { shortCommit } from '../experiments/git.ts';
import { confusionCells, confusionGrid, confusionRateLayers, type Cell, type Chart } from './charts.ts';
import { escapeHtml as esc } from './findings.ts';
import { renderReport, tableHtml, type ExtraSection } from './render.ts';
import { renderSvg } from './svg.ts';
import type { ReportInput } from './types.ts';

const r3 = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);
const signed = (x: number | null): string => (x === null ? '—' : `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)}`);
const pv = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

export function sideConfusionChart(m: MetricsFile, name: string, id: string): Chart {
  const labels = m.labels;
  return {
    id,
    title: `${name}: confusion matrix (colour = share of the true class, number = clips)`,
    description: `Confusion matrix of ${name} on ${m.n} test clips; rows are true emotions, columns predicted ones.`,
    spec: { ...confusionGrid(labels, 34, confusionCells(m)), layer: confusionRateLayers(10) },
    table: { columns: ['true \\ predicted', ...labels], rows: labels.map((t, i) => [t, ...m.pooled.confusion.counts[i]]) },
  };
}

export function deltaConfusionChart(a: MetricsFile, b: MetricsFile, aName: string, bName: string): Chart {
  const labels = a.labels;
  const diff = labels.map((_, i) => labels.map((_, j) => b.pooled.confusion.counts[i][j] - a.pooled.confusion.counts[i][j]));
  const max = Math.max(1, ...diff.flat().map(Math.abs));
  const cells = labels.flatMap((t, i) => labels.map((p, j) => ({ true: t, predicted: p, diff: diff[i][j], good: (i === j ? 1 : -1) * diff[i][j] })));
  return {
    id: 'cmp-confusion-delta',
    title: `Change in clips per cell, ${bName} − ${aName} (blue = better: more on the diagonal, fewer off it)`,
    description: `Difference of the two confusion matrices; diagonal cells gain when ${bName} gets more clips right.`,
    spec: {
      ...confusionGrid(labels, 34, cells),
      transform: [{ calculate: "datum.diff == 0 ? '' : (datum.diff > 0 ? '+' : '') + datum.diff", as: 'label' }],
      layer: [
        { mark: 'rect', encoding: { color: { field: 'good', type: 'quantitative', scale: { scheme: 'redblue', domain: [-max, max] }, title: 'better (+)' } } },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: { text: { field: 'label', type: 'nominal' }, color: { condition: { test: `abs(datum.good) > ${0.6 * max}`, value: 'white' }, value: '#222' } },
        },
      ],
    },
    table: { columns: [`true \\ predicted (${bName} − ${aName})`, ...labels], rows: labels.map((t, i) => [t, ...diff[i]]) },
  };
}

export function deltaBarsChart(rows: MetricRow[], aName: string, bName: string): Chart {
  const values = rows.filter((r) => r.delta !== null && !r.path.startsWith('fold_std')).map((r) => ({ metric: r.label, delta: r.delta!, sign: r.delta! >= 0 ? 'up' : 'down' }));
  return {
    id: 'cmp-deltas',
    title: `Metric changes, ${bName} − ${aName}`,
    description: `Horizontal bars of the change of each metric from ${aName} to ${bName}.`,
    spec: {
      width: 360,
      height: Math.max(60, 16 * values.length),
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'metric', type: 'nominal', sort: values.map((v) => v.metric), title: null },
        x: { field: 'delta', type: 'quantitative', title: `Δ (${bName} − ${aName})` },
        color: { field: 'sign', type: 'nominal', scale: { domain: ['up', 'down'], range: ['#0072B2', '#D55E00'] }, legend: null },
      },
    },
    table: { columns: ['metric', aName, bName, 'Δ'], rows: rows.map((r): Cell[] => [r.label, r3(r.a), r3(r.b), r.delta === null ? null : signed(r.delta)]) },
  };
}

async function figure(chart: Chart, tableBelow = true): Promise<string> {
  const svg = (await renderSvg(chart.spec, `chart-${chart.id}`)).replace(/^<svg /, `<svg role="img" aria-label="${esc(chart.description)}" `);
  return `<figure class="chart" id="fig-${chart.id}" data-chart="${chart.id}">
<figcaption>${esc(chart.title)}</figcaption>
<div class="chart-body${tableBelow ? ' below' : ''}"><div class="svg-wrap">${svg}</div><div class="chart-table">${tableHtml(chart.table, `Data: ${chart.title}`)}</div></div>
</figure>`;
}

function sideText(s: Comparison['a']): string {
  const bits = [`git ${shortCommit(s.git)}`];
  if (s.created_at) bits.push(s.created_at.replace('T', ' ').replace('Z', ' UTC'));
  if (s.backend) bits.push(s.backend);
  if (s.kind !== 'experiment' && s.path) bits.push(s.path);
  return `<code>${esc(s.name)}</code> (${esc(bits.join(', '))})`;
}

function significanceHtml(c: Comparison): string {
  const s = c.significance;
  if (!s) return `<p>${esc(c.significance_note ?? 'Significance not computed.')}</p>`;
  const m = s.mcnemar, b = s.bootstrap;
  const conf = Math.round(b.confidence * 100);
  return `<ul class="findings">
<li>McNemar's test on the ${m.n} paired clips: ${m.only_a} right only in <code>${esc(c.a.name)}</code>, ${m.only_b} right only in <code>${esc(c.b.name)}</code>;
exact p = ${pv(m.p_exact)}, mid-p = ${pv(m.p_mid)} — <strong>${m.significant ? `significant at α = ${m.alpha}` : `not significant at α = ${m.alpha}`}</strong>.</li>
<li>Paired bootstrap over actors (${b.n_boot} replicates, seed ${b.seed}, stratified by gender; ${b.actors.female.length} female and ${b.actors.male.length} male test actors):
accuracy change ${signed(b.delta)}, ${conf} % interval [${signed(b.ci_low)}, ${signed(b.ci_high)}] — <strong>${b.degenerate ? 'degenerate (a gender has one actor)' : b.significant ? 'the interval excludes 0' : 'the interval includes 0'}</strong>.</li>
</ul>`;
}

/** The comparison as one <section id="comparison">. */
export async function comparisonSection(c: Comparison, a: MetricsFile, b: MetricsFile): Promise<string> {
  const headline = c.metrics.filter((r) => r.group === 'headline' || r.group === 'gender');
  const classes = c.metrics.filter((r) => r.group === 'class');
  const recall = classes.filter((r) => r.path.endsWith('.recall'));
  const same = c.artifacts.filter((x) => x.same).map((x) => x.id);
  const differ = c.artifacts.filter((x) => !x.same).map((x) => x.id);
  const params = c.params === null
    ? '<p>Parameters were not recorded on one side.</p>'
    : c.params.length
      ? tableHtml({ columns: ['param', c.a.name, c.b.name], rows: c.params.map((p) => [p.path, JSON.stringify(p.a) ?? '(absent)', JSON.stringify(p.b) ?? '(absent)']) }, 'Parameters that differ', 'data params')
      : '<p>Identical parameters.</p>';
  return `<section id="comparison"><h2>Comparison: ${esc(c.a.name)} → ${esc(c.b.name)}</h2>
<dl class="facts"><dt>a</dt><dd>${sideText(c.a)}</dd><dt>b</dt><dd>${sideText(c.b)} — the rest of this page is b's report</dd>
<dt>test set</dt><dd>${c.test_set.n} clips, folds ${c.test_set.folds.join(', ')}, actors ${c.test_set.actors.join(', ')} (${c.test_set.checked === 'clips' ? 'the same clips in both, checked clip by clip' : 'same counts per fold, actor and class'})</dd>
${c.artifacts.length ? `<dt>artifacts</dt><dd>${same.length ? `shared: ${esc(same.join(', '))}` : 'none shared'}${differ.length ? `; different: ${esc(differ.join(', '))}` : ''}</dd>` : ''}</dl>
<h3>Is the difference real?</h3>${significanceHtml(c)}
<h3>Metric deltas</h3>
${await figure(deltaBarsChart([...headline.filter((r) => !r.path.startsWith('calibration')), ...recall], c.a.name, c.b.name))}
<details><summary>Precision, recall and F1 per class (${classes.length} rows)</summary>${tableHtml({ columns: ['metric', c.a.name, c.b.name, 'Δ'], rows: classes.map((r) => [r.label, r3(r.a), r3(r.b), signed(r.delta)]) }, 'Per class')}</details>
<h3>Confusion matrices</h3>
<div class="cols"><div>${await figure(sideConfusionChart(a, c.a.name, 'cmp-confusion-a'))}</div><div>${await figure(sideConfusionChart(b, c.b.name, 'cmp-confusion-b'))}</div></div>
${await figure(deltaConfusionChart(a, b, c.a.name, c.b.name))}
<h3>Parameters</h3>${params}
</section>`;
}

/** b's report page with the comparison section first. */
export async function renderComparisonReport(base: ReportInput, c: Comparison, a: MetricsFile, b: MetricsFile): Promise<string> {
  const section: ExtraSection = { id: 'comparison', title: 'Comparison', html: await comparisonSection(c, a, b) };
  return renderReport({ ...base, title: `${base.title} — ${c.b.name} compared with ${c.a.name}` }, [section]);
}
