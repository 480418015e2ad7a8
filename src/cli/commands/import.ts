import { visitorColumns } from '../../analysis/kpi/monthly-visitors.js';
import type { Config } from '../../config.js';
import { parseAssignments } from '../../ingest/files.js';
import type { FileFormat, ImportKind, ImportSummary } from '../../model/import.js';
import { withStore } from '../open-store.js';
import { formatCount, formatTable, type Output } from '../output.js';
import { fileProgress } from '../progress.js';

export interface ImportCommandOptions {
  format?: FileFormat;
  skipInvalid?: boolean;
  map?: string[];
  set?: string[];
  json?: boolean;
  /** false with --no-prepare: leave the funnel column snapshot to the first funnel. */
  prepare?: boolean;
}

/** `funnelscope import KIND FILE…`: each file is its own all-or-nothing import; the first failure stops. */
export async function importCommand(
  config: Config,
  kind: ImportKind,
  files: string[],
  options: ImportCommandOptions,
  output: Output,
): Promise<number> {
  const columnMap = parseAssignments(options.map ?? [], '--map');
  const constants = parseAssignments(options.set ?? [], '--set');
  const summaries: ImportSummary[] = [];
  let prepared = 0;
  await withStore(config, async (store) => {
    for (const file of files) {
      const progress = await fileProgress(file, output.isTTY && !options.json).catch(() => ({
        update: () => undefined,
        stop: () => undefined,
      }));
      try {
        summaries.push(
          await store.importFile(kind, file, {
            project: config.project,
            skipInvalid: Boolean(options.skipInvalid),
            ...(options.format ? { format: options.format } : {}),
            ...(config.importMemory ? { memoryLimit: config.importMemory } : {}),
            columnMap,
            constants,
            onProgress: progress.update,
          }),
        );
      } finally {
        progress.stop();
      }
    }
    if (options.prepare !== false && store.prepareColumns) {
      // Funnels read sorted columns, and every KPI report the visitor columns; building them now spares the first
      // report after the import that work.
      try {
        prepared = await store.prepareColumns(config.project, Object.values(visitorColumns));
      } catch (error) {
        output.err(`note: the funnel columns were not prepared (${(error as Error).message}); the first funnel will.`);
      }
    }
  });
  if (options.json) {
    output.out(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
    return 0;
  }
  output.out(
    formatTable(
      ['file', 'read', 'imported', 'updated', 'duplicates', 'rejected', 'events/s'],
      summaries.map((s) => [
        s.file,
        formatCount(s.rowsRead),
        formatCount(s.imported),
        formatCount(s.updated),
        formatCount(s.duplicates),
        formatCount(s.rejected),
        formatCount(Math.round(s.rowsRead / Math.max(s.seconds, 1e-6))),
      ]),
    ),
  );
  if (prepared > 0) output.out(`funnel columns prepared in ${prepared.toFixed(1)} s`);
  for (const s of summaries) {
    if (s.rejectsFile) output.out(`${s.rejected} rejected row(s) of ${s.file} written to ${s.rejectsFile}`);
    if (s.identityLinks) output.out(`${s.identityLinks} identity link(s) merged distinct ids into persons`);
  }
  return 0;
}
