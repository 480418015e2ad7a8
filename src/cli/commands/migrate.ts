import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import { formatCount, formatTable, type Output } from '../output.js';

export interface MigrateCommandOptions {
  from: string;
  to: string;
  eventsOnly?: boolean;
  batchRows?: string;
  json?: boolean;
}

/**
 * `funnelscope migrate --from duckdb://FILE --to clickhouse://…`: copies every project of a DuckDB store into a
 * ClickHouse store; run again after an interruption, it continues where it stopped (docs/clickhouse.md).
 */
export async function migrateCommand(_config: Config, options: MigrateCommandOptions, output: Output): Promise<number> {
  const file = options.from.replace(/^duckdb:\/\//, '');
  if (file.startsWith('clickhouse://') || file === '') {
    throw new FunnelscopeError('invalid_argument', '--from: a DuckDB store file (duckdb://FILE or FILE)', {
      field: 'from',
    });
  }
  if (!options.to.startsWith('clickhouse://')) {
    throw new FunnelscopeError(
      'invalid_argument',
      '--to: a ClickHouse store URL (clickhouse://HOST:PORT/DB?cluster=NAME)',
      {
        field: 'to',
      },
    );
  }
  const batchRows = Number(options.batchRows ?? 500_000);
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--batch-rows: expected a positive integer, got ${options.batchRows}`,
      {
        field: 'batch-rows',
      },
    );
  }
  const { existsSync } = await import('node:fs');
  if (!existsSync(file)) {
    throw new FunnelscopeError('file_not_found', `--from: no such DuckDB file ${file}`, { field: 'from', file });
  }
  const { DuckDBStore } = await import('../../store/duckdb/duckdb-store.js');
  const { ClickHouseStore } = await import('../../store/clickhouse/clickhouse-store.js');
  const { migrateDuckDBToClickHouse } = await import('../../store/clickhouse/migrate-from-duckdb.js');
  const source = await DuckDBStore.open({ path: file });
  try {
    const target = await ClickHouseStore.open(options.to);
    try {
      const summary = await migrateDuckDBToClickHouse(source, target, {
        eventsOnly: options.eventsOnly ?? false,
        batchRows,
        onProgress: (project, copied, total) => {
          if (!options.json) output.err(`${project}: ${formatCount(copied)} of ${formatCount(total)} events copied`);
        },
      });
      if (options.json) {
        output.out(JSON.stringify(summary, null, 2));
        return 0;
      }
      output.out(
        formatTable(
          [
            'project',
            'events',
            'resumed at',
            'distinct ids',
            'identity links',
            'deals',
            'spend rows',
            'saved records',
            'left behind',
          ],
          summary.projects.map((p) => [
            p.project,
            formatCount(p.events),
            formatCount(p.eventsBefore),
            formatCount(p.distinctIds),
            formatCount(p.identityLinks),
            formatCount(p.deals),
            formatCount(p.spendRows),
            formatCount(p.documents),
            p.leftBehind.deals + p.leftBehind.spendRows === 0
              ? ''
              : `${formatCount(p.leftBehind.deals)} deals, ${formatCount(p.leftBehind.spendRows)} spend rows`,
          ]),
        ),
      );
      output.out(`migrated in ${summary.seconds.toFixed(1)} s`);
      return 0;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
