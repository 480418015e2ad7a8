import type {
  DictionaryColumn,
  EventColumnSource,
  EventColumns,
  EventValueSource,
} from '../../src/store/event-columns.js';

/** One event of a test: person, time in seconds, name, event properties. */
export interface TestEvent {
  person: string;
  tsSeconds: number;
  event: string;
  props?: Record<string, string>;
}

/**
 * An EventColumnSource over an array of events, sorted the way the DuckDB store sorts (person, time, input
 * order), so engine tests run without a database.
 */
export class MemoryColumns implements EventColumnSource {
  private rows: TestEvent[] = [];
  private persons: string[] = [];

  constructor(
    private readonly events: readonly TestEvent[],
    private readonly personProps: Record<string, Record<string, string>> = {},
  ) {}

  async dataVersion(): Promise<string> {
    return 'v1';
  }

  async loadEventColumns(): Promise<EventColumns> {
    const indexed = this.events.map((e, i) => ({ e, i }));
    indexed.sort(
      (a, b) =>
        (a.e.person < b.e.person ? -1 : a.e.person > b.e.person ? 1 : 0) || a.e.tsSeconds - b.e.tsSeconds || a.i - b.i,
    );
    this.rows = indexed.map((x) => x.e);
    this.persons = [...new Set(this.rows.map((r) => r.person))];
    const names = [...new Set(this.rows.map((r) => r.event))].sort();
    const personStarts = new Int32Array(this.persons.length + 1);
    this.rows.forEach((r) => {
      const p = this.persons.indexOf(r.person);
      personStarts[p + 1] = (personStarts[p + 1] as number) + 1;
    });
    for (let p = 0; p < this.persons.length; p += 1) {
      personStarts[p + 1] = (personStarts[p + 1] as number) + (personStarts[p] as number);
    }
    return {
      eventCount: this.rows.length,
      personCount: this.persons.length,
      personStarts,
      tsUs: Float64Array.from(this.rows.map((r) => r.tsSeconds * 1e6)),
      eventCode: Int32Array.from(this.rows.map((r) => names.indexOf(r.event))),
      eventNames: names,
    };
  }

  private encode(values: (string | null)[]): DictionaryColumn {
    const dictionary: (string | null)[] = [null, ...[...new Set(values.filter((v): v is string => v !== null))].sort()];
    return { codes: Int32Array.from(values.map((v) => (v === null ? 0 : dictionary.indexOf(v)))), values: dictionary };
  }

  async loadEventValues(_project: string, source: EventValueSource): Promise<DictionaryColumn> {
    // A test event's props stand for both its properties and its stored columns.
    if (source.kind === 'column') return this.encode(this.rows.map((r) => r.props?.[source.column] ?? null));
    if (source.kind !== 'event' && source.kind !== 'identify')
      throw new Error('MemoryColumns reads event properties only');
    return this.encode(this.rows.map((r) => r.props?.[source.property] ?? null));
  }

  async loadPersonKeys(): Promise<DictionaryColumn> {
    return this.encode(this.persons);
  }

  async loadPersonValues(_project: string, property: string): Promise<DictionaryColumn> {
    return this.encode(this.persons.map((p) => this.personProps[p]?.[property] ?? null));
  }
}
