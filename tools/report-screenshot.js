#!/usr/bin/env node
// A PNG of an attempt's report.html as a browser draws it (the README's picture):
//   node tools/report-screenshot.js <path/to/report.html> <out.png> [width]
// Debian's chromium through playwright-core (tools/stack/ensure-prereqs.sh installs it;
// CHROMIUM_PATH overrides), the network blocked as the report needs none.
'use strict';
const { existsSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const [report, out, width = '1100'] = process.argv.slice(2);
if (!report || !out || !existsSync(report)) {
  process.stderr.write(
    `usage: node tools/report-screenshot.js <report.html> <out.png> [width]\n${report ? `no file at ${report}\n` : ''}`,
  );
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
(async () => {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.route(/^https?:/, (route) => route.abort());
    await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    await page.screenshot({ path: out, fullPage: true });
    if (errors.length) {
      throw new Error(`the page reported errors: ${errors.join('; ')}`);
    }
    process.stdout.write(`${out}\n`);
  } finally {
    await browser.close();
  }
})().catch((err) => {
  process.stderr.write(`report-screenshot: ${err.message}\n`);
  process.exit(1);
});
