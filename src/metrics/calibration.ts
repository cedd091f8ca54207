// Calibration of the predicted probabilities: does a confidence of 0.8 mean right 80 %
// of the time? Expected calibration error over equal-width confidence bins (Guo et al.
// 2017), its maximum over bins, the multi-class Brier score and the log loss.
//
// Conventions: confidence = probability of the predicted class. Bin b of B covers
// [b/B, (b+1)/B); a confidence of exactly 1 goes into the last bin. ECE = sum over
// bins of (n_b / N) * |accuracy_b - confidence_b|; MCE = max of that gap over
// non-empty bins. Brier = mean over clips of sum_k (p_k - [k = true])^2 (0 = perfect,
// 2 = worst). NLL = mean of -ln(max(p_true, 1e-12)) (clamped so one zero does not make
// it infinite).

export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean confidence of the clips in the bin (null when the bin is empty). */
  confidence: number | null;
  /** Fraction of them predicted correctly (null when empty). */
  accuracy: number | null;
}

export interface Calibration {
  n_bins: number;
  ece: number | null;
  mce: number | null;
  brier: number | null;
  nll: number | null;
  bins: ReliabilityBin[];
}

export const NLL_FLOOR = 1e-12;

/**
 * @param probs one probability vector per clip (each of length K)
 * @param yTrue true class index per clip
 * @param yPred predicted class index per clip (normally argmax of probs)
 */
export function calibration(probs: ArrayLike<number>[], yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nBins = 15): Calibration {
  if (!Number.isInteger(nBins) || nBins < 1) throw new Error(`calibration: the number of bins must be a positive integer, got ${nBins}`);
  const n = probs.length;
  if (yTrue.length !== n || yPred.length !== n) throw new Error(`calibration: ${n} probability rows, ${yTrue.length} true labels, ${yPred.length} predictions`);
  const count = new Array<number>(nBins).fill(0);
  const confSum = new Array<number>(nBins).fill(0);
  const correctSum = new Array<number>(nBins).fill(0);
  let brier = 0, nll = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    const t = yTrue[i], pred = yPred[i];
    const conf = p[pred];
    if (!(conf >= 0 && conf <= 1)) throw new Error(`calibration: clip ${i} has probability ${conf} for its predicted class (expected a value in [0, 1])`);
    const b = Math.min(Math.floor(conf * nBins), nBins - 1);
    count[b]++;
    confSum[b] += conf;
    if (t === pred) correctSum[b]++;
    for (let k = 0; k < p.length; k++) {
      const d = p[k] - (k === t ? 1 : 0);
      brier += d * d;
    }
    nll -= Math.log(Math.max(p[t], NLL_FLOOR));
  }
  const bins: ReliabilityBin[] = [];
  let ece = 0, mce = 0;
  for (let b = 0; b < nBins; b++) {
    const c = count[b];
    const confidence = c > 0 ? confSum[b] / c : null;
    const accuracy = c > 0 ? correctSum[b] / c : null;
    if (c > 0) {
      const gap = Math.abs(accuracy! - confidence!);
      ece += (c / n) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lo: b / nBins, hi: (b + 1) / nBins, n: c, confidence, accuracy });
  }
  if (n === 0) return { n_bins: nBins, ece: null, mce: null, brier: null, nll: null, bins };
  return { n_bins: nBins, ece, mce, brier: brier / n, nll: nll / n, bins };
}
