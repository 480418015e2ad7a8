import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utcDayMs } from '../../analysis/calendar.js';
import type { Config } from '../../config.js';
import { type DemoData, generateDemo } from '../../demo/demo-business.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportKind, ImportSummary } from '../../model/import.js';
import { withStore } from '../open-store.js';
import { formatCount, type Output } from '../output.js';

export interface DemoCommandOptions {
  seed: string;
  visitors: string;
  days: string;
  endDate?: string;
  ifEmpty?: boolean;
  json?: boolean;
}

function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new FunnelscopeError('invalid_argument', `${option} "${value}": expected a positive whole number`, {
      field: option,
    });
  }
  return n;
}

function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

function toCsv(rows: readonly Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return '';
  const header = Object.keys(first);
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h])).join(','))].join('\n') + '\n';
}

/** Writes the generated business as the files a user would import, and imports them through the same path. */
async function writeDemoFiles(dir: string, data: DemoData): Promise<[ImportKind, string][]> {
  const files: [ImportKind, string, string][] = [
    ['deals', join(dir, 'deals.csv'), toCsv(data.deals as unknown as Record<string, unknown>[])],
    ['deal-stages', join(dir, 'deal-stages.csv'), toCsv(data.stageChanges)],
    ['spend', join(dir, 'spend.csv'), toCsv(data.spend)],
  ];
  for (const [, path, text] of files) await writeFile(path, text);
  // Events in chunks: a large demo's NDJSON is longer than one JavaScript string may be.
  const events = join(dir, 'events.ndjson');
  const out = await open(events, 'w');
  try {
    for (let i = 0; i < data.messages.length; i += 10_000) {
      await out.write(
        `${data.messages
          .slice(i, i + 10_000)
          .map((m) => JSON.stringify(m))
          .join('\n')}\n`,
      );
    }
  } finally {
    await out.close();
  }
  return [['events', events], ...files.map(([kind, path]): [ImportKind, string] => [kind, path])];
}

/** `funnelscope demo`: generate and import a fictional B2B SaaS business. */
export async function demoCommand(config: Config, options: DemoCommandOptions, output: Output): Promise<number> {
  const demoOptions = {
    seed: positiveInteger(options.seed, '--seed'),
    visitors: positiveInteger(options.visitors, '--visitors'),
    days: positiveInteger(options.days, '--days'),
    endDate: options.endDate ?? yesterdayUtc(),
  };
  utcDayMs(demoOptions.endDate, '--end-date'); // a real calendar day, or an error naming the option
  const summaries = await withStore(config, async (store) => {
    if (options.ifEmpty && (await store.counts(config.project)).events > 0) return undefined;
    const data = generateDemo(demoOptions);
    const dir = await mkdtemp(join(tmpdir(), 'funnelscope-demo-'));
    try {
      const result: ImportSummary[] = [];
      for (const [kind, file] of await writeDemoFiles(dir, data)) {
        result.push(await store.importFile(kind, file, { project: config.project, skipInvalid: false }));
      }
      return result;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  if (!summaries) {
    if (!options.json) output.out(`project ${config.project} already has events; demo data not added (--if-empty)`);
    else output.out(JSON.stringify({ skipped: true }));
    return 0;
  }
  if (options.json) {
    output.out(
      JSON.stringify(
        summaries.map(({ file: _file, ...s }) => s),
        null,
        2,
      ),
    );
    return 0;
  }
  const by = (kind: ImportKind) => summaries.find((s) => s.kind === kind);
  output.out(
    `demo data (seed ${demoOptions.seed}, ${formatCount(demoOptions.visitors)} visitors, ${demoOptions.days} days to ${demoOptions.endDate}) ` +
      `imported into ${config.dbPath}, project ${config.project}:`,
  );
  output.out(
    `  ${formatCount(by('events')?.imported ?? 0)} events, ${formatCount(by('events')?.identityLinks ?? 0)} identity links`,
  );
  output.out(
    `  ${formatCount(by('deals')?.imported ?? 0)} deals with ${formatCount(by('deal-stages')?.imported ?? 0)} stage changes`,
  );
  output.out(`  ${formatCount(by('spend')?.imported ?? 0)} daily spend rows`);
  output.out(`try: funnelscope people show <a userId>, funnelscope status`);
  return 0;
}
