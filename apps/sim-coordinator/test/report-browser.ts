import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (tools/stack/ensure-prereqs.sh installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
}

/** The system browser, headless (no browser download: playwright-core only drives it). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: run tools/stack/ensure-prereqs.sh (apt chromium) or set CHROMIUM_PATH`,
    );
  }
  // Root in a container has no user namespace for the sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** Opens a file from disk with the network blocked: the report must need nothing else. */
export async function openFile(browser: Browser, path: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      errors.push(m.text());
    }
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(/^https?:/, (route) => route.abort());
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, errors };
}

/** Per chart: its series count and how many canvas pixels are not transparent. */
export function chartsDrawn(page: Page): Promise<{ series: number; inked: number }[]> {
  return page.evaluate(() => {
    const w = window as unknown as { reportCharts?: { series: unknown[]; root: HTMLElement }[] };
    return (w.reportCharts ?? []).map((c) => {
      const canvas = c.root.querySelector('canvas') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < px.length; i += 4) {
        inked += px[i] > 0 ? 1 : 0;
      }
      return { series: c.series.length, inked };
    });
  });
}

/** A chart's data column (0 = time), as uPlot holds it. */
export function chartColumn(page: Page, chart: number, column: number): Promise<(number | null)[]> {
  return page.evaluate(
    ([i, j]) => {
      const w = window as unknown as { reportCharts: { data: (number | null)[][] }[] };
      return w.reportCharts[i].data[j];
    },
    [chart, column] as const,
  );
}

/**
 * Every `[data-json]` cell: where its value came from and the value it shows (a flag cell's word
 * mapped back to true/false through its `data-true`).
 */
export function jsonCells(page: Page): Promise<[string, string][]> {
  return page.$$eval('[data-json]', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      const text = e.textContent ?? '';
      return [d.json ?? '', d.true === undefined ? text : String(text === d.true)] as [
        string,
        string,
      ];
    }),
  );
}
