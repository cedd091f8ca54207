// The report's charts as Vega-Lite specs, each paired with the table of exactly the
// numbers it draws (shown beside the chart: readable by screen readers, copyable).
import type { MetricsFile } from '../metrics/schema.ts';
import type { ChartSpec } from './svg.ts';
import type { HistoryRow } from './types.ts';

export type Cell = string | number | null;
export interface DataTable {
  columns: string[];
  rows: Cell[][];
}
export interface Chart {
  id: string;
  title: string;
  /** One sentence for screen readers (the SVG's aria-label). */
  description: string;
  spec: ChartSpec;
  table: DataTable;
}

export const GENDER_COLORS = { domain: ['female', 'male'], range: ['#E69F00', '#0072B2'] };
const HEADLINE = [
  ['accuracy', 'accuracy'],
  ['macro_f1', 'macro-F1'],
  ['uar', 'UAR'],
] as const;

const r3 = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);

export function headlineChart(m: MetricsFile): Chart {
  const points = m.folds.flatMap((f) => HEADLINE.map(([key, name]) => ({ metric: name, fold: `fold ${f.fold}`, value: f[key] })));
  const summary = HEADLINE.map(([key, name]) => {
    const mean = m.fold_mean[key], std = m.fold_std[key];
    return { metric: name, pooled: m[key], mean, lo: mean !== null && std !== null ? mean - std : null, hi: mean !== null && std !== null ? mean + std : null };
  });
  return {
    id: 'headline',
    title: 'Headline metrics: pooled, fold mean ± std, and each fold',
    description: `Bars: pooled accuracy ${r3(m.accuracy)}, macro-F1 ${r3(m.macro_f1)}, UAR ${r3(m.uar)}; whiskers: fold mean ± std; dots: folds.`,
    spec: {
      width: 360,
      height: 220,
      layer: [
        {
          data: { values: summary },
          mark: { type: 'bar', color: '#c9d9ea', size: 46 },
          encoding: {
            x: { field: 'metric', type: 'nominal', sort: HEADLINE.map((h) => h[1]), title: null, axis: { labelAngle: 0 } },
            y: { field: 'pooled', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
          },
        },
        {
          data: { values: summary },
          mark: { type: 'rule', strokeWidth: 2, color: '#333' },
          encoding: { x: { field: 'metric', type: 'nominal', sort: HEADLINE.map((h) => h[1]) }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
        },
        {
          data: { values: summary },
          mark: { type: 'tick', thickness: 2, size: 18, color: '#333' },
          encoding: { x: { field: 'metric', type: 'nominal', sort: HEADLINE.map((h) => h[1]) }, y: { field: 'mean', type: 'quantitative' } },
        },
        {
          data: { values: points },
          mark: { type: 'point', filled: true, size: 40, opacity: 0.85 },
          encoding: {
            x: { field: 'metric', type: 'nominal', sort: HEADLINE.map((h) => h[1]) },
            xOffset: { field: 'fold', type: 'nominal' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'fold', type: 'nominal', title: 'fold' },
          },
        },
      ],
    },
    table: {
      columns: ['metric', 'pooled', 'fold mean', 'fold std', ...m.folds.map((f) => `fold ${f.fold}`)],
      rows: HEADLINE.map(([key, name]) => [name, r3(m[key]), r3(m.fold_mean[key]), r3(m.fold_std[key]), ...m.folds.map((f) => r3(f[key]))]),
    },
  };
}

/**
 * The shared frame of every confusion-matrix heatmap (the report's and the comparison's):
 * square cells, predicted emotions across the top, true ones down the side, in label order.
 */
export function confusionGrid(labels: readonly string[], cellPx: number, cells: object[]): Record<string, unknown> {
  return {
    width: cellPx * labels.length,
    height: cellPx * labels.length,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: labels, title: 'predicted', axis: { orient: 'top', labelAngle: -40 } },
      y: { field: 'true', type: 'nominal', sort: labels, title: 'true' },
    },
  };
}

/** Pooled confusion cells of one metrics file: clip count and share of the true class. */
export function confusionCells(m: MetricsFile): { true: string; predicted: string; count: number; rate: number }[] {
  const labels = m.labels;
  return labels.flatMap((t, i) =>
    labels.map((p, j) => ({ true: t, predicted: p, count: m.pooled.confusion.counts[i][j], rate: m.pooled.confusion.normalized[i][j] })),
  );
}

/** Colour by row share, the clip count written in each cell. */
export function confusionRateLayers(fontSize: number): Extract<ChartSpec, { layer: unknown }>['layer'] {
  return [
    { mark: 'rect', encoding: { color: { field: 'rate', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] }, title: 'row share' } } },
    {
      mark: { type: 'text', fontSize },
      encoding: {
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: 'datum.rate > 0.5', value: 'white' }, value: '#222' },
      },
    },
  ];
}

export function confusionChart(m: MetricsFile): Chart {
  const labels = m.labels;
  return {
    id: 'confusion',
    title: 'Confusion matrix (pooled over folds): colour = share of the true class, number = clips',
    description: `Confusion matrix of ${m.n} test clips; rows are true emotions, columns predicted ones.`,
    spec: { ...confusionGrid(labels, 40, confusionCells(m)), layer: confusionRateLayers(11) },
    table: {
      columns: ['true \\ predicted', ...labels, 'recall'],
      rows: labels.map((t, i) => [t, ...m.pooled.confusion.counts[i], r3(m.pooled.per_class[t].recall)]),
    },
  };
}

export function perClassChart(m: MetricsFile): Chart {
  const measures = ['precision', 'recall', 'f1'] as const;
  const values = m.labels.flatMap((l) => measures.map((k) => ({ emotion: l, measure: k === 'f1' ? 'F1' : k, value: m.pooled.per_class[l][k] })));
  return {
    id: 'per-class',
    title: 'Precision, recall and F1 per emotion (pooled)',
    description: 'Grouped bars of precision, recall and F1 for each emotion.',
    spec: {
      width: 520,
      height: 220,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'emotion', type: 'nominal', sort: m.labels, title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'measure', type: 'nominal', sort: ['precision', 'recall', 'F1'] },
        y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
        color: { field: 'measure', type: 'nominal', sort: ['precision', 'recall', 'F1'], title: null },
      },
    },
    table: {
      columns: ['emotion', 'precision', 'recall', 'F1', 'support', 'predicted', 'note'],
      rows: m.labels.map((l) => {
        const c = m.pooled.per_class[l];
        const note = [c.no_predictions ? 'never predicted (precision set to 0)' : '', c.no_support ? 'no clips (recall set to 0)' : ''].filter(Boolean).join('; ');
        return [l, r3(c.precision), r3(c.recall), r3(c.f1), c.support, c.predicted, note];
      }),
    },
  };
}

export function trainingChart(histories: { fold: number; rows: HistoryRow[] }[]): Chart {
  const values = histories.flatMap((h) =>
    h.rows.flatMap((r) => [
      { fold: `fold ${h.fold}`, epoch: r.epoch, quantity: 'loss', split: 'train', value: r.train_loss },
      { fold: `fold ${h.fold}`, epoch: r.epoch, quantity: 'loss', split: 'validation', value: r.val_loss },
      { fold: `fold ${h.fold}`, epoch: r.epoch, quantity: 'accuracy', split: 'train', value: r.train_acc },
      { fold: `fold ${h.fold}`, epoch: r.epoch, quantity: 'accuracy', split: 'validation', value: r.val_acc },
    ].filter((p) => p.value !== null)),
  );
  const panel = (quantity: string): ChartSpec =>
    ({
      width: 300,
      height: 200,
      title: quantity,
      transform: [{ filter: `datum.quantity === '${quantity}'` }],
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: quantity, ...(quantity === 'accuracy' ? { scale: { domain: [0, 1] } } : {}) },
        color: { field: 'fold', type: 'nominal', title: 'fold' },
        strokeDash: { field: 'split', type: 'nominal', title: null, sort: ['train', 'validation'] },
        detail: { field: 'split', type: 'nominal' },
      },
    }) as ChartSpec;
  return {
    id: 'training',
    title: 'Training curves per fold (solid: train, dashed: validation)',
    description: `Loss and accuracy per epoch for ${histories.length} fold(s).`,
    spec: { data: { values }, hconcat: [panel('loss'), panel('accuracy')] } as ChartSpec,
    table: {
      columns: ['fold', 'epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'seconds'],
      rows: histories.flatMap((h) => h.rows.map((r) => [h.fold, r.epoch, r3(r.train_loss), r3(r.train_acc), r3(r.val_loss), r3(r.val_acc), r.lr, Math.round(r.seconds * 100) / 100])),
    },
  };
}

/** Display name of an audited metric: accuracy, macro-F1, UAR, "recall: sad". */
export function biasMetricName(key: string): string {
  if (key === 'macro_f1') return 'macro-F1';
  if (key === 'uar') return 'UAR';
  if (key.startsWith('recall_')) return `recall: ${key.slice('recall_'.length)}`;
  return key;
}

export function biasChart(m: MetricsFile): Chart {
  const keys = Object.keys(m.bias);
  const names = keys.map(biasMetricName);
  const values = keys.flatMap((k) =>
    (['female', 'male'] as const).map((g) => {
      const e = m.bias[k];
      const ci = g === 'female' ? e.female_ci : e.male_ci;
      return { metric: biasMetricName(k), gender: g, value: e[g], lo: ci?.low ?? null, hi: ci?.high ?? null };
    }),
  );
  const conf = Math.round(m.bias_audit.confidence * 100);
  return {
    id: 'bias',
    title: `Scores by speaker gender with ${conf} % actor-bootstrap intervals`,
    description: `Grouped bars of each audited metric for female and male speakers, with ${conf} % confidence whiskers.`,
    spec: {
      width: 620,
      height: 240,
      data: { values },
      encoding: {
        x: { field: 'metric', type: 'nominal', sort: names, title: null, axis: { labelAngle: -30 } },
        xOffset: { field: 'gender', type: 'nominal', sort: ['female', 'male'] },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
            color: { field: 'gender', type: 'nominal', scale: GENDER_COLORS, title: 'speakers' },
          },
        },
        { mark: { type: 'rule', color: '#222', strokeWidth: 1.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      ],
    } as ChartSpec,
    table: {
      columns: ['metric', 'female', 'female CI', 'male', 'male CI'],
      rows: keys.map((k) => {
        const e = m.bias[k];
        return [biasMetricName(k), r3(e.female), interval(e.female_ci), r3(e.male), interval(e.male_ci)];
      }),
    },
  };
}

export function interval(ci: { low: number; high: number } | null): string {
  return ci ? `[${r3(ci.low)}, ${r3(ci.high)}]` : '—';
}

export function actorChart(m: MetricsFile): Chart {
  const values = Object.entries(m.per_actor).map(([actor, a]) => ({ actor: Number(actor), gender: a.gender, fold: a.fold, accuracy: a.accuracy, n: a.n }));
  return {
    id: 'actors',
    title: 'Accuracy per actor (line: pooled accuracy)',
    description: `Accuracy of each of ${values.length} test actors, coloured by gender.`,
    spec: {
      width: Math.max(240, 22 * values.length),
      height: 200,
      layer: [
        {
          data: { values },
          mark: 'bar',
          encoding: {
            x: { field: 'actor', type: 'ordinal', title: 'actor', axis: { labelAngle: 0 } },
            y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
            color: { field: 'gender', type: 'nominal', scale: GENDER_COLORS, title: 'gender' },
          },
        },
        { data: { values: [{ pooled: m.accuracy }] }, mark: { type: 'rule', color: '#333', strokeDash: [4, 3] }, encoding: { y: { field: 'pooled', type: 'quantitative', title: 'accuracy' } } },
      ],
    } as ChartSpec,
    table: { columns: ['actor', 'gender', 'test fold', 'clips', 'accuracy'], rows: values.map((v) => [v.actor, v.gender, v.fold, v.n, r3(v.accuracy)]) },
  };
}

export function calibrationChart(m: MetricsFile): Chart {
  const bins = m.calibration.bins.filter((b) => b.n > 0).map((b) => ({ mid: (b.lo + b.hi) / 2, lo: b.lo, hi: b.hi, accuracy: b.accuracy, confidence: b.confidence, n: b.n }));
  return {
    id: 'calibration',
    title: `Reliability diagram (ECE ${r3(m.calibration.ece)})`,
    description: 'Accuracy of the predictions in each confidence bin against the diagonal of perfect calibration.',
    spec: {
      width: 260,
      height: 240,
      layer: [
        {
          data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
          mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
          encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [0, 1] }, title: 'confidence' }, y: { field: 'y', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' } },
        },
        {
          data: { values: bins },
          mark: { type: 'rect', color: '#0072B2', opacity: 0.75, stroke: 'white' },
          encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' }, y: { field: 'accuracy', type: 'quantitative' }, y2: { datum: 0 } },
        },
        {
          data: { values: bins },
          mark: { type: 'point', color: '#D55E00', filled: true },
          encoding: { x: { field: 'confidence', type: 'quantitative' }, y: { field: 'confidence', type: 'quantitative' } },
        },
      ],
    } as ChartSpec,
    table: {
      columns: ['confidence bin', 'clips', 'mean confidence', 'accuracy'],
      rows: m.calibration.bins.map((b) => [`[${r3(b.lo)}, ${r3(b.hi)})`, b.n, r3(b.confidence), r3(b.accuracy)]),
    },
  };
}
