// The report in a real browser: headless Chromium (Debian package `chromium`) driven by
// playwright-core. Skips with a message when Chromium is not installed locally; on CI
// (env CI set, .ci/run installs chromium) a missing browser is a failure instead.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render.ts';
import { fixtureReportInput } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = resolve('test-output');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const msg = `report browser test: ${CHROMIUM} not found (install the Debian package: apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`${msg}; CI must run this test`);
  console.warn(`SKIPPED ${msg}`);
}

type Page = import('playwright-core').Page;
type Context = import('playwright-core').BrowserContext;

describe.skipIf(!haveChromium)('report in headless Chromium', () => {
  let context: Context;
  let userDataDir: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    userDataDir = mkdtempSync(join(tmpdir(), 'ser-chromium-'));
    // playwright passes the profile directory as --user-data-dir itself.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, requests, errors };
  }

  it('loads with no console errors and no network requests; every chart is a non-empty SVG; screenshot', async () => {
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'report.html');
    writeFileSync(file, await renderReport(fixtureReportInput()));
    const { page, requests, errors } = await open(file);

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]); // the page itself, nothing else

    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
          tableRows: f.querySelectorAll('table tbody tr').length,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['headline', 'confusion', 'per-class', 'training', 'bias', 'calibration', 'actors']);
    for (const c of charts) {
      expect(c.width, `${c.id} width`).toBeGreaterThan(100);
      expect(c.height, `${c.id} height`).toBeGreaterThan(100);
      expect(c.marks, `${c.id} marks`).toBeGreaterThan(10);
      expect(c.tableRows, `${c.id} table`).toBeGreaterThan(0);
    }
    // The confusion heatmap draws one cell per (true, predicted) pair.
    const cells = await page.$$eval('#fig-confusion svg .mark-rect.role-mark path', (p) => p.length);
    expect(cells).toBe(64);
    expect(await page.isVisible('#protocol-warning')).toBe(false);

    const shot = join(OUT, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    await page.close();
  });

  it('shows the shared-speakers warning for the random protocol', async () => {
    const file = join(OUT, 'report-random.html');
    writeFileSync(file, await renderReport(fixtureReportInput({ protocol: 'random', bootstrap: 100 })));
    const { page, errors } = await open(file);
    expect(errors).toEqual([]);
    expect(await page.isVisible('#protocol-warning')).toBe(true);
    expect(await page.textContent('#protocol-warning')).toMatch(/speakers are shared across splits/i);
    await page.close();
  });
});
