// Plain-language sentences from the gender-bias audit, e.g.
// "recall for sad is 14 points lower for male speakers, CI [5, 23]".
// Differences are female − male in metrics.json; a sentence names the gender that
// scores lower and turns the interval around so that both read as "points lower".
import type { BiasEntryJson, MetricsFile } from '../metrics/schema.ts';

export interface Finding {
  metric: string;
  /** Plain text. */
  text: string;
  /** The same sentence as HTML (the emotion in <em>), escaped. */
  html: string;
  significant: boolean;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Points = percentage points; one decimal below 1 point so a real gap never reads "0". */
export function points(x: number): string {
  const p = Math.abs(x * 100);
  const s = p < 1 && p > 0 ? p.toFixed(1) : String(Math.round(p));
  return x < 0 ? `−${s}` : s;
}

function subject(metric: string): { text: string; html: string } {
  if (metric.startsWith('recall_')) {
    const e = metric.slice('recall_'.length);
    return { text: `recall for ${e}`, html: `recall for <em>${escapeHtml(e)}</em>` };
  }
  const name = metric === 'macro_f1' ? 'macro-F1' : metric === 'uar' ? 'UAR (mean per-class recall)' : metric;
  return { text: name, html: escapeHtml(name) };
}

export function describeGap(metric: string, e: BiasEntryJson): Finding | null {
  if (e.diff === null || e.ci === null) return null;
  const s = subject(metric);
  const lowerGender = e.diff > 0 ? 'male' : 'female';
  // Express the gap and its interval as "how much lower the lower gender is".
  const [lo, hi] = e.diff > 0 ? [e.ci.low, e.ci.high] : [-e.ci.high, -e.ci.low];
  const gap = Math.abs(e.diff);
  const ci = `CI [${points(lo)}, ${points(hi)}]`;
  const tail = e.significant ? '' : ' — not significant, the interval includes 0';
  const core = e.diff === 0 ? `is the same for female and male speakers, ${ci}` : `is ${points(gap)} points lower for ${lowerGender} speakers, ${ci}`;
  return { metric, text: `${s.text} ${core}${tail}`, html: `${s.html} ${escapeHtml(core + tail)}`, significant: e.significant };
}

/** Significant gaps, largest first; then the largest non-significant one for context. */
export function biasFindings(m: MetricsFile): { significant: Finding[]; largestOther: Finding | null; notSignificant: string[] } {
  const entries = Object.entries(m.bias).filter(([, e]) => e.diff !== null && e.ci !== null);
  const byGap = [...entries].sort(([ka, a], [kb, b]) => Math.abs(b.diff!) - Math.abs(a.diff!) || ka.localeCompare(kb));
  const significant = byGap.filter(([, e]) => e.significant).map(([k, e]) => describeGap(k, e)!);
  const others = byGap.filter(([, e]) => !e.significant);
  return {
    significant,
    largestOther: others.length ? describeGap(others[0][0], others[0][1]) : null,
    notSignificant: others.map(([k]) => subject(k).text),
  };
}
