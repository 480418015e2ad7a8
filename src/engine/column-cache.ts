import type { DictionaryColumn, EventColumnSource, EventColumns, EventValueSource } from '../store/event-columns.js';

/**
 * Keeps each project's event columns in memory between funnels. Every use first asks the store for its data
 * version; when events, identities or deals changed, the columns (and every property column loaded on top of
 * them) are dropped and read again, so a cached funnel is never computed on stale data or stale merges.
 */
export interface ProjectColumns {
  version: string;
  columns: EventColumns;
  /** Row → person index (derived once from `personStarts`). */
  personOfRow: Int32Array;
  eventValues(source: EventValueSource): Promise<DictionaryColumn>;
  personValues(property: string): Promise<DictionaryColumn>;
}

export class ColumnCache {
  private readonly entries = new Map<string, ProjectColumns>();

  constructor(private readonly source: EventColumnSource) {}

  async get(project: string): Promise<ProjectColumns> {
    const version = await this.source.dataVersion(project);
    const cached = this.entries.get(project);
    if (cached && cached.version === version) return cached;
    // A store keeps the rows of its last load only, so property columns of another project would not line up:
    // one project's columns at a time.
    this.entries.clear();
    const columns = await this.source.loadEventColumns(project);
    const entry = this.build(project, version, columns);
    this.entries.set(project, entry);
    return entry;
  }

  /** Forgets every cached column (e.g. before closing the store). */
  clear(): void {
    this.entries.clear();
  }

  private build(project: string, version: string, columns: EventColumns): ProjectColumns {
    const source = this.source;
    const eventValueCache = new Map<string, Promise<DictionaryColumn>>();
    const personValueCache = new Map<string, Promise<DictionaryColumn>>();
    const personOfRow = new Int32Array(columns.eventCount);
    for (let p = 0; p < columns.personCount; p += 1) {
      personOfRow.fill(p, columns.personStarts[p] as number, columns.personStarts[p + 1] as number);
    }
    // Loads share the store's temp tables, so they run one at a time.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(task: () => Promise<T>): Promise<T> => {
      const next = queue.then(task, task);
      queue = next.catch(() => undefined);
      return next;
    };
    return {
      version,
      columns,
      personOfRow,
      eventValues(valueSource) {
        const key = JSON.stringify(valueSource);
        let column = eventValueCache.get(key);
        if (!column) {
          column = serial(() => source.loadEventValues(project, valueSource));
          eventValueCache.set(key, column);
          column.catch(() => eventValueCache.delete(key));
        }
        return column;
      },
      personValues(property) {
        let column = personValueCache.get(property);
        if (!column) {
          column = serial(() => source.loadPersonValues(project, property));
          personValueCache.set(property, column);
          column.catch(() => personValueCache.delete(property));
        }
        return column;
      },
    };
  }
}
