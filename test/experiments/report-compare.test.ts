// `ser report --compare <a> <b>`: b's report page with the comparison section first —
// one self-contained HTML file, checked as text and, when Chromium is installed (CI
// installs it), in a real headless browser: no console errors, no request but the page,
// every chart a non-empty SVG.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroySharedPool } from '../../src/pipeline/pool.ts';
import { makeExpWorkspace, removeExpWorkspaces, ser } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
let ws: string;
let page: string;

beforeAll(async () => {
  ws = await makeExpWorkspace();
  expect((await ser(ws, ['exp', 'run', 'base'])).code).toBe(0);
  expect((await ser(ws, ['exp', 'run', 'skill', '--set', 'train.skill=0.7'])).code).toBe(0);
  const r = await ser(ws, ['report', '--compare', 'base', 'skill']);
  expect(r.code, r.stderr).toBe(0);
  page = join(ws, r.stdout.trim());
}, 120_000);
afterAll(async () => {
  await destroySharedPool();
  await removeExpWorkspaces();
});

describe('ser report --compare', () => {
  it('writes artifacts/compare-<a>-vs-<b>.html and prints its path', () => {
    expect(page).toBe(join(ws, 'artifacts', 'compare-base-vs-skill.html'));
    expect(existsSync(page)).toBe(true);
  });

  it('the comparison section: side-by-side confusion matrices, the change matrix, metric deltas, significance, params; then b\'s report', async () => {
    const html = await readFile(page, 'utf8');
    const section = html.slice(html.indexOf('<section id="comparison">'), html.indexOf('<section id="summary">'));
    expect(section.length).toBeGreaterThan(1000);
    expect(section).toContain('<h2>Comparison: base → skill</h2>');
    for (const id of ['cmp-deltas', 'cmp-confusion-a', 'cmp-confusion-b', 'cmp-confusion-delta']) expect(section).toMatch(new RegExp(`<figure class="chart" id="fig-${id}"[\\s\\S]*?<svg role="img"[\\s\\S]*?</svg>[\\s\\S]*?<table`));
    expect(section).toMatch(/<div class="cols"><div><figure[^>]*id="fig-cmp-confusion-a"[\s\S]*<\/div><div><figure[^>]*id="fig-cmp-confusion-b"/);
    expect(section).toMatch(/McNemar's test on the 128 paired clips: 0 right only in <code>base<\/code>, \d+ right only in <code>skill<\/code>/);
    expect(section).toMatch(/Paired bootstrap over actors/);
    expect(section).toMatch(/<td[^>]*>train\.skill<|<th scope="row">train\.skill<\/th><td[^>]*>0\.5<\/td><td[^>]*>0\.7<\/td>/);
    expect(section).toMatch(/shared: ingest, featurize, split/);
    // the page stays b's report, with the comparison first in the navigation
    expect(html).toMatch(/<nav aria-label="Sections"><ul><li><a href="#comparison">Comparison<\/a><\/li><li><a href="#summary">/);
    expect(html).toMatch(/<title>Toy experiments — skill compared with base<\/title>/);
    // self-contained: no scripts, stylesheets, external images or fetchable URLs
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(http|src="http|href="http/i);
    expect(new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])).size).toBe([...html.matchAll(/\sid="([^"]+)"/g)].length); // unique ids
  });

  it('a baseline file can be side a; --out chooses the file; a missing experiment is a clear error', async () => {
    expect((await ser(ws, ['exp', 'export', 'base', '-o', 'metrics/baseline.json'])).code).toBe(0);
    const r = await ser(ws, ['report', '--compare', 'metrics/baseline.json', 'skill', '--out', 'cmp.html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('cmp.html');
    expect(await readFile(join(ws, 'cmp.html'), 'utf8')).toContain('<h2>Comparison: baseline:base → skill</h2>');
    const bad = await ser(ws, ['report', '--compare', 'base', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no experiment 'nope' \(experiments: base, skill\)/);
    expect((await ser(ws, ['report', '--compare', 'base'])).code).toBe(2);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const msg = `comparison report browser test: ${CHROMIUM} not found (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`${msg}; CI must run this test`);
  console.warn(`SKIPPED ${msg}`);
}

describe.skipIf(!haveChromium)('comparison report in headless Chromium', () => {
  it('loads with no console errors and no requests; every chart is a non-empty SVG; screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const userDataDir = mkdtempSync(join(tmpdir(), 'ser-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const p = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      p.on('request', (r) => requests.push(r.url()));
      p.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(m.text()));
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(pathToFileURL(page).href, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(page).href]);
      const charts = await p.$$eval('#comparison figure.chart svg', (svgs) => svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path, rect, line, text').length })));
      expect(charts).toHaveLength(4);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(100);
        expect(c.h).toBeGreaterThan(50);
        expect(c.marks).toBeGreaterThan(20);
      }
      const out = resolve('test-output');
      mkdirSync(out, { recursive: true });
      await (await p.$('#comparison'))!.screenshot({ path: join(out, 'report-compare.png') });
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
