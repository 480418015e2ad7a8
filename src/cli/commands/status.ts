import type { Config } from '../../config.js';
import { withStore } from '../open-store.js';
import { formatCount, formatTable, type Output } from '../output.js';

/** `funnelscope status`: counts per record and the recent imports of the project. */
export async function statusCommand(config: Config, options: { json?: boolean }, output: Output): Promise<number> {
  const { counts, imports } = await withStore(config, async (store) => ({
    counts: await store.counts(config.project),
    imports: await store.db.rows<{ kind: string; file: string; imported: bigint; finished_at: Date }>(
      `SELECT kind, file, imported, finished_at FROM import_log WHERE project_id = $project ORDER BY import_id DESC LIMIT 5`,
      { project: config.project },
    ),
  }));
  if (options.json) {
    output.out(JSON.stringify({ project: config.project, db: config.dbPath, ...counts }, null, 2));
    return 0;
  }
  output.out(`store ${config.dbPath}, project ${config.project}`);
  output.out(
    formatTable(
      ['record', 'count'],
      [
        ['events', formatCount(counts.events)],
        ['persons', formatCount(counts.persons)],
        ['distinct ids', formatCount(counts.distinctIds)],
        ['deals', formatCount(counts.deals)],
        ['deal stage changes', formatCount(counts.dealStageChanges)],
        ['spend rows', formatCount(counts.spendRows)],
      ],
    ),
  );
  if (counts.firstEvent) output.out(`events from ${counts.firstEvent} to ${counts.lastEvent}`);
  if (imports.length > 0) {
    output.out('\nlast imports');
    for (const i of imports)
      output.out(
        `  ${i.finished_at.toISOString()}  ${i.kind.padEnd(11)} ${formatCount(Number(i.imported)).padStart(10)}  ${i.file}`,
      );
  }
  return 0;
}
