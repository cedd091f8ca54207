// The report page: one self-contained HTML file. No <script>, no external stylesheet,
// font or image: charts are inline SVG rendered at build time (./svg.ts), every chart
// sits next to the table of its numbers, and the page works from a file:// URL offline.
// Section order follows issue 7: run summary, headline metrics, confusion matrix,
// per-class scores, training curves, gender bias, calibration, per-actor accuracy,
// input problems.
import type { MetricsFile } from '../metrics/schema.ts';
import { actorChart, biasChart, biasMetricName, calibrationChart, confusionChart, headlineChart, interval, perClassChart, trainingChart, type Cell, type Chart, type DataTable } from './charts.ts';
import { biasFindings, escapeHtml as esc } from './findings.ts';
import { renderSvg } from './svg.ts';
import type { ReportInput } from './types.ts';

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '—' : x.toFixed(digits));
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

function cell(v: Cell): string {
  if (v === null) return '—';
  return esc(String(v));
}

/** Numbers (and number-like text such as intervals) align right, words left. */
function cellClass(v: Cell): string {
  return typeof v === 'number' || (typeof v === 'string' && /^[-−[\d.,\s\]%±]+$/.test(v) && /\d/.test(v)) ? ' class="num"' : '';
}

export function tableHtml(t: DataTable, caption?: string, cls = 'data'): string {
  const head = `<thead><tr>${t.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`;
  const body = t.rows.map((r) => `<tr>${r.map((v, i) => (i === 0 ? `<th scope="row">${cell(v)}</th>` : `<td${cellClass(v)}>${cell(v)}</td>`)).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table class="${cls}">${caption ? `<caption>${esc(caption)}</caption>` : ''}${head}<tbody>${body}</tbody></table></div>`;
}

async function figure(chart: Chart, opts: { tableInDetails?: boolean; tableBelow?: boolean } = {}): Promise<string> {
  const svg = await renderSvg(chart.spec, `chart-${chart.id}`);
  // The SVG is labelled for assistive technology; the table carries the exact numbers.
  const labelled = svg.replace(/^<svg /, `<svg role="img" aria-label="${esc(chart.description)}" `);
  const table = tableHtml(chart.table, `Data: ${chart.title}`);
  const tableBlock = opts.tableInDetails ? `<details><summary>Data table (${chart.table.rows.length} rows)</summary>${table}</details>` : table;
  return `<figure class="chart" id="fig-${chart.id}" data-chart="${chart.id}">
<figcaption>${esc(chart.title)}</figcaption>
<div class="chart-body${opts.tableBelow ? ' below' : ''}"><div class="svg-wrap">${labelled}</div><div class="chart-table">${tableBlock}</div></div>
</figure>`;
}

function flatten(obj: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, JSON.stringify(obj)]);
  }
  return out;
}

function protocolWarning(input: ReportInput): string {
  const m = input.metrics;
  const random = (input.run.protocol ?? m.protocol.name) === 'random';
  const shared = m.protocol.speaker_independent === false;
  if (!random && !shared) return '';
  const actors = m.protocol.shared_actors.length ? ` (actors ${m.protocol.shared_actors.join(', ')} appear in both)` : '';
  return `<div class="warning" role="note" id="protocol-warning"><strong>Warning: speakers are shared across splits.</strong>
The ${random ? '<code>random</code> protocol' : 'split'} puts clips of the same actors in training and test sets${esc(actors)}, so these scores
measure recognition of voices the model has heard and overstate accuracy on new speakers. Use the
<code>speaker-kfold</code> protocol for speaker-independent results.</div>`;
}

function summarySection(input: ReportInput): string {
  const { dataset, run, metrics: m } = input;
  const status = Object.entries(dataset.by_status).map(([s, n]) => `${n} ${esc(s)}`).join(', ');
  const protocol = run.protocol ?? m.protocol.name ?? 'unknown';
  const indep = m.protocol.speaker_independent === null ? 'not checked' : m.protocol.speaker_independent ? 'yes (no test actor was seen in training)' : 'no';
  const facts: [string, string][] = [
    ['dataset', `${esc(dataset.path ?? 'unknown')} — ${dataset.clips} clips (${status || 'no status'})`],
    ['verification', esc(dataset.verification)],
    ['protocol', `<code>${esc(protocol)}</code>, folds evaluated: ${m.folds_evaluated.join(', ')}; speaker-independent: ${indep}`],
    ['test clips', `${m.n} (female ${m.bias_audit.clips.female}, male ${m.bias_audit.clips.male})`],
    ['backend', esc(run.backend ?? 'unknown')],
    ['bias audit', `${esc(m.bias_audit.method)}, ${m.bias_audit.n_boot} replicates, seed ${m.bias_audit.seed}`],
  ];
  const params = flatten(run.params);
  const artifacts = run.artifacts.map((a): Cell[] => [a.stage, a.instance || '—', a.key]);
  const durations = run.durations.map((d): Cell[] => [d.stage, d.instance || '—', Math.round(d.seconds * 10) / 10]);
  const totalSeconds = run.durations.reduce((s, d) => s + d.seconds, 0);
  return `<section id="summary"><h2>Run summary</h2>
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="cols">
<div><h3>Parameters</h3>${params.length ? tableHtml({ columns: ['param', 'value'], rows: params }, undefined, 'data params') : '<p>No parameters recorded.</p>'}</div>
<div><h3>Artifacts</h3>${tableHtml({ columns: ['stage', 'instance', 'key'], rows: artifacts }, undefined, 'data keys')}
<h3>Durations</h3>${durations.length ? tableHtml({ columns: ['stage', 'instance', 'seconds'], rows: [...durations, ['total', '', Math.round(totalSeconds * 10) / 10]] }) : '<p>No durations recorded.</p>'}</div>
</div></section>`;
}

function headlineNumbers(m: MetricsFile): string {
  const tile = (name: string, key: 'accuracy' | 'macro_f1' | 'uar') =>
    `<div class="tile"><div class="tile-name">${name}</div><div class="tile-value">${pct(m[key])}</div><div class="tile-sub">folds: ${pct(m.fold_mean[key])} ± ${m.fold_std[key] === null ? '—' : (m.fold_std[key]! * 100).toFixed(1)}</div></div>`;
  return `<div class="tiles">${tile('accuracy', 'accuracy')}${tile('macro-F1', 'macro_f1')}${tile('UAR', 'uar')}
<div class="tile"><div class="tile-name">female / male accuracy</div><div class="tile-value">${pct(m.gender.female.accuracy)} / ${pct(m.gender.male.accuracy)}</div><div class="tile-sub">gap ${m.bias.accuracy?.diff == null ? '—' : `${(m.bias.accuracy.diff * 100).toFixed(1)} points`}</div></div></div>`;
}

function biasSection(m: MetricsFile, chart: string): string {
  const f = biasFindings(m);
  const conf = Math.round(m.bias_audit.confidence * 100);
  const gapRows = Object.entries(m.bias).map(([k, e]): Cell[] => [biasMetricName(k), fmt(e.female), fmt(e.male), fmt(e.diff), fmt(e.ratio), interval(e.ci), e.significant ? 'yes' : 'no']);
  const findings = f.significant.length
    ? `<ul class="findings">${f.significant.map((x) => `<li>${x.html}.</li>`).join('')}</ul>`
    : `<p class="findings">No gap between female and male speakers has a ${conf} % interval that excludes 0.</p>`;
  const context = f.largestOther ? `<p>Largest gap not flagged: ${f.largestOther.html}.</p>` : '';
  const degenerate = m.bias_audit.degenerate ? `<p class="warning" role="note">${esc(m.bias_audit.degenerate_reason ?? 'degenerate audit')}.</p>` : '';
  return `<section id="bias"><h2>Gender bias</h2>
<p>Scores for female and male speakers, the difference (female − male), the ratio (lower / higher) and a ${conf} % interval for the
difference from a bootstrap that resamples <em>actors</em> within each gender (${m.bias_audit.actors.female.length} female, ${m.bias_audit.actors.male.length} male;
${m.bias_audit.n_boot} replicates, seed ${m.bias_audit.seed}), because the clips of one actor are not independent. A gap is flagged when its interval excludes 0.</p>
${degenerate}<h3>Findings</h3>${findings}${context}
${chart}
<h3>Gap table</h3>${tableHtml({ columns: ['metric', 'female', 'male', 'difference', 'ratio', `${conf} % CI of difference`, 'flagged'], rows: gapRows }, 'Gender gaps (female − male)', 'data gaps')}
</section>`;
}

function inputsSection(input: ReportInput): string {
  const { issues, missing = [] } = input.dataset;
  const table = issues.length
    ? tableHtml(
        { columns: ['id', 'status', 'reason', 'flags', 'source'], rows: issues.map((i) => [i.id, i.status, i.reason, i.flags ?? '', i.source]) },
        'Inputs not used as-is (status other than ok, or flagged)',
      )
    : '<p>Every input clip was read, verified and used unchanged.</p>';
  const shown = missing.slice(0, 60);
  const absent = missing.length
    ? `<p>${missing.length} official clip(s) are not in the dataset: ${shown.map((m) => `<code>${esc(m)}</code>`).join(', ')}${missing.length > shown.length ? ', …' : ''}.</p>`
    : '';
  return `<section id="inputs"><h2>Rejected, modified and unreadable inputs</h2>${table}${absent}</section>`;
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1rem 1.5rem 3rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; } h3 { margin-bottom: .4rem; }
nav ul { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: 0; list-style: none; }
.warning { background: #fff4e5; border: 2px solid #d55e00; padding: .7rem 1rem; border-radius: 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.cols { display: flex; flex-wrap: wrap; gap: 2rem; } .cols > div { flex: 1 1 380px; min-width: 0; }
.tiles { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.tile { border: 1px solid #ddd; border-radius: 8px; padding: .6rem 1rem; min-width: 150px; }
.tile-name { font-size: .85rem; color: #555; } .tile-value { font-size: 1.5rem; font-weight: 650; } .tile-sub { font-size: .8rem; color: #555; }
figure.chart { margin: 1.2rem 0; } figcaption { font-weight: 600; margin-bottom: .4rem; }
.chart-body { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
.svg-wrap { flex: 0 1 auto; max-width: 100%; overflow-x: auto; } .svg-wrap svg { max-width: 100%; height: auto; }
.chart-table { flex: 1 1 300px; min-width: 0; }
.chart-body.below { flex-direction: column; } .chart-body.below .chart-table { flex: none; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table.data { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; margin: .3rem 0; }
table.data caption { text-align: left; font-size: .8rem; color: #555; padding-bottom: .2rem; }
table.data th, table.data td { border: 1px solid #ddd; padding: .15rem .45rem; text-align: left; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data th[scope=col] { background: #f3f5f7; text-align: center; } table.data th[scope=row] { text-align: left; font-weight: 500; }
table.params td, table.keys td, table.params td.num, table.keys td.num { text-align: left; font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; white-space: normal; }
ul.findings li { margin: .2rem 0; } code { background: #f3f5f7; padding: 0 .25rem; border-radius: 3px; }
details { margin: .4rem 0; } pre { background: #f7f7f7; padding: .6rem; overflow-x: auto; font-size: .75rem; max-height: 30rem; }
@media print { details { display: block; } .svg-wrap svg { max-width: 100%; } }
`;

/**
 * A section added by another module (e.g. the experiments comparison, src/report/compare.ts):
 * shown first in <main> and in the navigation. `html` is a complete <section id="…">.
 */
export interface ExtraSection {
  id: string;
  title: string;
  html: string;
}

export async function renderReport(input: ReportInput, extraSections: readonly ExtraSection[] = []): Promise<string> {
  const m = input.metrics;
  const charts = {
    headline: await figure(headlineChart(m)),
    confusion: await figure(confusionChart(m)),
    perClass: await figure(perClassChart(m)),
    training: input.histories.length ? await figure(trainingChart(input.histories), { tableInDetails: true }) : '<p>No training history available.</p>',
    bias: await figure(biasChart(m), { tableBelow: true }),
    calibration: await figure(calibrationChart(m)),
    actors: await figure(actorChart(m)),
  };
  const trainRows = input.training.map((t): Cell[] => [t.fold, t.backend, t.n_train, t.n_val, t.epochs_run, t.best_epoch, fmt(t.best_val_acc), Math.round(t.seconds_per_epoch * 100) / 100, Math.round(t.seconds)]);
  const confused = m.confused_pairs.map((p): Cell[] => [`${p.true} → ${p.pred}`, p.count, pct(p.rate)]);
  const intensity = Object.entries(m.per_intensity).map(([k, s]): Cell[] => [k, s.n, fmt(s.accuracy), fmt(s.macro_f1), fmt(s.uar)]);
  const sections: [string, string][] = [
    ...extraSections.map((x): [string, string] => [x.id, x.title]),
    ['summary', 'Run summary'], ['headline', 'Headline metrics'], ['confusion', 'Confusion matrix'], ['per-class', 'Per class'],
    ['training', 'Training'], ['bias', 'Gender bias'], ['calibration', 'Calibration'], ['actors', 'Per actor'], ['inputs', 'Inputs'], ['raw', 'metrics.json'],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${esc(input.title)}</h1>
<p>Speech emotion recognition on ${m.n} test clips, ${m.folds.length} fold(s). Every chart is drawn from the table beside it; the page makes no network requests.</p>
<nav aria-label="Sections"><ul>${sections.map(([id, name]) => `<li><a href="#${id}">${esc(name)}</a></li>`).join('')}</ul></nav>
${protocolWarning(input)}
</header>
<main>
${extraSections.map((x) => x.html).join('\n')}
${summarySection(input)}
<section id="headline"><h2>Headline metrics</h2>
<p>Pooled over every test clip; fold spread is the mean ± standard deviation (population, ddof = 0) of the per-fold scores.</p>
${headlineNumbers(m)}
${charts.headline}
</section>
<section id="confusion"><h2>Confusion matrix</h2>
${charts.confusion}
<h3>Most confused pairs</h3>${tableHtml({ columns: ['true → predicted', 'clips', 'share of true class'], rows: confused }, 'Most frequent errors (pooled)')}
</section>
<section id="per-class"><h2>Precision, recall and F1 per emotion</h2>${charts.perClass}
<h3>By intensity</h3>${tableHtml({ columns: ['intensity', 'clips', 'accuracy', 'macro-F1', 'UAR'], rows: intensity })}
</section>
<section id="training"><h2>Training curves</h2>
${input.training.length ? tableHtml({ columns: ['fold', 'backend', 'train clips', 'val clips', 'epochs', 'best epoch', 'best val acc', 's/epoch', 'seconds'], rows: trainRows }, 'Training per fold') : ''}
${charts.training}
</section>
${biasSection(m, charts.bias)}
<section id="calibration"><h2>Calibration</h2>
<p>Expected calibration error ${fmt(m.calibration.ece)} over ${m.calibration.n_bins} equal-width confidence bins (maximum gap ${fmt(m.calibration.mce)}); Brier score ${fmt(m.calibration.brier)}; log loss ${fmt(m.calibration.nll)}.</p>
${charts.calibration}
</section>
<section id="actors"><h2>Accuracy per actor</h2>${charts.actors}</section>
${inputsSection(input)}
<section id="raw"><h2>metrics.json</h2>
<details><summary>The full metrics file (schema version ${m.schema_version})</summary><pre>${esc(JSON.stringify(m, null, 1))}</pre></details>
</section>
</main>
</body>
</html>
`;
}
