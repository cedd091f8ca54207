// Multi-class classification metrics from a confusion matrix. Everything (accuracy,
// macro-F1, UAR, per-class P/R/F1) is derived from the K x K count matrix, so groups
// (folds, genders, bootstrap resamples of actors) can be combined by adding matrices.
//
// Conventions (documented in the README, "Evaluation and the report"):
// - confusion[t][p] = number of clips of true class t predicted as p (rows = truth).
// - A class never predicted has an undefined precision: reported as 0 with
//   `no_predictions: true` (sklearn's zero_division=0). A class with no clips has an
//   undefined recall: 0 with `no_support: true`. F1 = 0 when P + R = 0.
// - macro-F1 averages F1 over the classes that occur in the truth OR the predictions
//   (sklearn's default label set): predicting a class that is absent is penalized,
//   a class absent from both is not counted.
// - UAR (unweighted average recall, = sklearn's balanced accuracy) averages recall over
//   the classes present in the truth.
// - Empty input: accuracy/macro-F1/UAR are null (JSON has no NaN).

export type Matrix = number[][];

export interface ClassStats {
  precision: number;
  recall: number;
  f1: number;
  /** Clips whose true class is this one. */
  support: number;
  /** Clips predicted as this class. */
  predicted: number;
  /** Precision is undefined (never predicted) and reported as 0. */
  no_predictions: boolean;
  /** Recall is undefined (no clips of the class) and reported as 0. */
  no_support: boolean;
}

export interface Summary {
  n: number;
  accuracy: number | null;
  macro_f1: number | null;
  uar: number | null;
}

export function zeroMatrix(k: number): Matrix {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

/** Count matrix from class indices; throws on an index outside [0, k). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): Matrix {
  if (yTrue.length !== yPred.length) throw new Error(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions`);
  const m = zeroMatrix(k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i], p = yPred[i];
    if (!Number.isInteger(t) || t < 0 || t >= k) throw new Error(`confusionMatrix: true label ${t} at row ${i} is not a class index in [0, ${k})`);
    if (!Number.isInteger(p) || p < 0 || p >= k) throw new Error(`confusionMatrix: predicted label ${p} at row ${i} is not a class index in [0, ${k})`);
    m[t][p]++;
  }
  return m;
}

/** In-place a += b. */
export function addInto(a: Matrix, b: Matrix): Matrix {
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) a[i][j] += b[i][j];
  return a;
}

export function sumMatrices(ms: Matrix[], k: number): Matrix {
  const out = zeroMatrix(k);
  for (const m of ms) addInto(out, m);
  return out;
}

/** Row-normalized matrix (each row sums to 1); a row with no clips stays all 0. */
export function rowNormalize(m: Matrix): Matrix {
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

export function classStats(m: Matrix): ClassStats[] {
  const k = m.length;
  const out: ClassStats[] = [];
  for (let c = 0; c < k; c++) {
    const tp = m[c][c];
    let support = 0, predicted = 0;
    for (let j = 0; j < k; j++) {
      support += m[c][j];
      predicted += m[j][c];
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    out.push({ precision, recall, f1, support, predicted, no_predictions: predicted === 0, no_support: support === 0 });
  }
  return out;
}

export function summarize(m: Matrix): Summary {
  const stats = classStats(m);
  let n = 0, correct = 0;
  for (let c = 0; c < m.length; c++) {
    correct += m[c][c];
    for (const v of m[c]) n += v;
  }
  if (n === 0) return { n, accuracy: null, macro_f1: null, uar: null };
  const f1Classes = stats.filter((s) => s.support > 0 || s.predicted > 0);
  const recallClasses = stats.filter((s) => s.support > 0);
  return {
    n,
    accuracy: correct / n,
    macro_f1: mean(f1Classes.map((s) => s.f1)),
    uar: mean(recallClasses.map((s) => s.recall)),
  };
}

/** Index of the largest value; ties go to the lowest index (like numpy.argmax). */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error('argmax of an empty vector');
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
