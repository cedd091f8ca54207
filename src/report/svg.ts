// Vega-Lite spec -> standalone SVG string, in Node, at report build time.
//
// Why this path: the page must work offline and from a file:// URL with no scripts, so
// charts are rendered once here. Vega's SVG renderer needs no DOM and no canvas: without
// the optional node-canvas package it estimates text widths from character counts,
// which keeps the output identical on every machine (no font files are read). The
// loader below refuses every load, so a spec can never make the build (or the page)
// fetch anything: all data is inline.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

/** Shared look: readable sizes, no external fonts, colour-blind-safe defaults. */
export const CHART_CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' as const },
  range: { category: ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] },
};

const noNetworkLoader = (() => {
  const base = vega.loader();
  const refuse = async (uri: string) => {
    throw new Error(`report charts must not load anything (tried ${uri}); put the data inline`);
  };
  return { ...base, load: refuse, sanitize: refuse, http: refuse, file: refuse } as unknown as vega.Loader;
})();

/**
 * Render a Vega-Lite spec to an SVG string. `idPrefix` makes the ids vega puts on clip
 * paths and gradients unique within the page (vega numbers them with a process-wide
 * counter, which would also make the output depend on render order).
 */
export async function renderSvg(spec: ChartSpec, idPrefix: string): Promise<string> {
  assertNoUrls(spec);
  const full = { config: CHART_CONFIG, ...spec } as TopLevelSpec;
  const vgSpec = compile(full).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader: noNetworkLoader, logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return uniqueIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** Vega only logs a failed data load and draws an empty chart; fail loudly instead. */
function assertNoUrls(node: unknown, path = 'spec'): void {
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if ((k === 'url' || k === 'href') && typeof v === 'string') throw new Error(`report charts must not load anything (${path}.${k} = ${v}); put the data inline`);
    assertNoUrls(v, `${path}.${k}`);
  }
}

function uniqueIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  if (ids.length === 0) return svg;
  const map = new Map(ids.map((id, i) => [id, `${prefix}-${i + 1}`]));
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${map.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (map.has(id) ? `url(#${map.get(id)})` : m))
    .replace(/href="#([^"]+)"/g, (m, id: string) => (map.has(id) ? `href="#${map.get(id)}"` : m));
}
