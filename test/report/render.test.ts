import { describe, expect, it } from 'vitest';
import { describeGap, points } from '../../src/report/findings.ts';
import { renderReport, tableHtml } from '../../src/report/render.ts';
import { renderSvg } from '../../src/report/svg.ts';
import { fixtureReportInput } from './fixture.ts';

const input = fixtureReportInput({ bootstrap: 300 });
const htmlPromise = renderReport(input);

describe('report page (static checks)', () => {
  it('has the issue\'s sections in order', async () => {
    const html = await htmlPromise;
    const ids = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['summary', 'headline', 'confusion', 'per-class', 'training', 'bias', 'calibration', 'actors', 'inputs', 'raw']);
  });

  it('is self-contained: no scripts, no external resources, a CSP that forbids loads', async () => {
    const html = await htmlPromise;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|@font-face|url\((?!#)/i);
    // The only URLs are XML namespaces of the inline SVGs.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(html).toContain(`content="default-src 'none'`);
  });

  it('pairs every chart with a data table and an accessible label', async () => {
    const html = await htmlPromise;
    const figures = html.split('<figure ').slice(1);
    expect(figures).toHaveLength(7);
    for (const f of figures) {
      expect(f).toMatch(/<svg role="img" aria-label="[^"]+"/);
      expect(f).toMatch(/<table class="data">/);
    }
  });

  it('keeps SVG element ids unique across the page', async () => {
    const html = await htmlPromise;
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('states significant gender gaps in plain language', async () => {
    const html = await htmlPromise;
    // The simulator makes male speakers much worse on sad clips.
    expect(html).toMatch(/recall for <em>sad<\/em> is \d+ points lower for male speakers, CI \[\d+, \d+\]/);
  });

  it('lists rejected, modified and unreadable inputs, escaped', async () => {
    const html = await htmlPromise;
    expect(html).toContain('modality 02 (video-only) is not audio');
    expect(html).toContain('FLAC stream ends after 12 of 187 frames &lt;truncated&gt;');
    expect(html).toMatch(/<th scope="row">03-01-04-01-02-01-09<\/th><td>ok<\/td><td><\/td><td>silent<\/td>/);
    expect(html).toContain('1 official clip(s) are not in the dataset: <code>03-01-03-02-02-01-05</code>.');
  });

  it('warns when speakers are shared (random protocol), not otherwise', async () => {
    expect(await htmlPromise).not.toContain('id="protocol-warning"');
    const random = await renderReport(fixtureReportInput({ protocol: 'random', bootstrap: 50 }));
    expect(random).toContain('id="protocol-warning"');
    expect(random).toMatch(/speakers are shared across splits/);
  });

  it('is deterministic: same input, same bytes', async () => {
    expect(await renderReport(input)).toBe(await htmlPromise);
  });
});

describe('report helpers', () => {
  it('phrases a gap from the lower gender\'s side, with its interval turned around', () => {
    const base = { female_ci: null, male_ci: null, n_valid: 1000, ratio: 0.7 };
    const male = describeGap('recall_sad', { ...base, female: 0.6, male: 0.46, diff: 0.14, ci: { low: 0.05, high: 0.23 }, significant: true })!;
    expect(male.text).toBe('recall for sad is 14 points lower for male speakers, CI [5, 23]');
    expect(male.html).toBe('recall for <em>sad</em> is 14 points lower for male speakers, CI [5, 23]');
    const female = describeGap('accuracy', { ...base, female: 0.4, male: 0.5, diff: -0.1, ci: { low: -0.18, high: 0.02 }, significant: false })!;
    expect(female.text).toBe('accuracy is 10 points lower for female speakers, CI [−2, 18] — not significant, the interval includes 0');
    expect(describeGap('uar', { ...base, female: null, male: 0.5, diff: null, ci: null, significant: false })).toBeNull();
    expect(points(0.004)).toBe('0.4');
  });

  it('escapes table cells', () => {
    expect(tableHtml({ columns: ['a<b'], rows: [['<x>'], [null]] })).toContain('<th scope="col">a&lt;b</th>');
    expect(tableHtml({ columns: ['a'], rows: [['<x>']] })).toContain('&lt;x&gt;');
  });

  it('renders a Vega-Lite spec to SVG offline and refuses data URLs', async () => {
    const svg = await renderSvg({ data: { values: [{ a: 'x', b: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } }, 't');
    expect(svg).toMatch(/^<svg [^>]*width="\d+"/);
    expect(svg).toContain('<path');
    await expect(renderSvg({ data: { url: 'https://example.org/data.csv' }, mark: 'bar' }, 't')).rejects.toThrow(/must not load anything/);
  });
});
