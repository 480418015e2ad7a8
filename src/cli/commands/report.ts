import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestTables, toCsv } from '../../analysis/digest/digest-csv.js';
import { renderDigest } from '../../analysis/digest/render-digest.js';
import { runDigest } from '../../analysis/digest/run-digest.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';
import { readDefinition } from './funnel.js';

export interface ReportOptions {
  out?: string;
  /** A folder to write each table to as CSV (funnel.csv, goals.csv, kpi.csv). */
  csv?: string;
  pdf?: string;
  definition?: string;
  asOf?: string;
  format?: 'html' | 'json';
}

/** Where Chromium is (for PDFs): FUNNELSCOPE_CHROMIUM, else Debian's. */
const chromiumPath = () => process.env.FUNNELSCOPE_CHROMIUM ?? '/usr/bin/chromium';

/** Prints the page as an A4 PDF in headless Chromium (playwright-core drives the installed browser). */
export async function htmlToPdf(html: string, file: string): Promise<void> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--pdf: PDFs are printed by Chromium, not found at ${executablePath} (apt-get install chromium, or set FUNNELSCOPE_CHROMIUM)`,
      { field: '--pdf' },
    );
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({ path: file, format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm' } });
  } finally {
    await browser.close();
  }
}

/** `funnelscope report`: the weekly digest as HTML (and PDF) on demand (docs/digest.md). */
export async function reportCommand(config: Config, options: ReportOptions, output: Output) {
  const definition = options.definition ? parseFunnelDefinition(readDefinition(options.definition)) : null;
  const digest = await withStore(config, (store) =>
    runDigest(new ColumnCache(store), store, config.project, { asOf: options.asOf ?? null, definition }),
  );
  if (options.format === 'json') {
    output.out(JSON.stringify(digest, null, 2));
    return 0;
  }
  const html = renderDigest(digest);
  if (options.out) writeFileSync(options.out, html);
  if (options.csv) {
    mkdirSync(options.csv, { recursive: true });
    for (const table of digestTables(digest)) writeFileSync(join(options.csv, `${table.name}.csv`), toCsv(table));
  }
  if (options.pdf) await htmlToPdf(html, options.pdf);
  const written = [options.out, options.pdf, options.csv ? join(options.csv, '{funnel,goals,kpi}.csv') : undefined];
  const files = written.filter((f): f is string => Boolean(f));
  output.out(files.length === 0 ? html : `digest of ${digest.from} – ${digest.to} → ${files.join(', ')}`);
  return 0;
}
