import type { Config } from '../../config.js';
import { withStore } from '../open-store.js';
import { formatCount, formatTable, type Output } from '../output.js';

/** `funnelscope status`: counts per record and the recent imports of the project. */
export async function statusCommand(config: Config, options: { json?: boolean }, output: Output): Promise<number> {
  const { counts, imports } = await withStore(config, async (store) => ({
    counts: await store.counts(config.project),
    imports: await store.recentImports(config.project, 5),
  }));
  if (options.json) {
    output.out(
      JSON.stringify({ project: config.project, db: config.dbPath, ...counts, recentImports: imports }, null, 2),
    );
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
    for (const i of imports) {
      output.out(`  ${i.finishedAt}  ${i.kind.padEnd(11)} ${formatCount(i.imported).padStart(10)}  ${i.file}`);
    }
  }
  return 0;
}
