import { lastEventUs } from '../../src/analysis/data-end.js';
import type {
  DictionaryColumn,
  EventColumnSource,
  EventColumns,
  EventValueSource,
  PersonBatch,
  PersonStream,
  PersonStreamRequest,
} from '../../src/store/event-columns.js';
import { valueSourceKey } from '../../src/store/event-columns.js';

/**
 * A store that streams: another source's whole columns cut into batches of at most `batchEvents` events (whole
 * persons; a larger person alone), as the ClickHouse store streams a large project. A plain reference for the
 * streamed funnel path, without a cluster.
 */
export class BatchedColumns implements EventColumnSource {
  /** Batches handed out by the last stream. */
  batchesStreamed = 0;

  constructor(
    private readonly inner: EventColumnSource,
    private readonly batchEvents: number,
  ) {}

  dataVersion(project: string): Promise<string> {
    return this.inner.dataVersion(project);
  }
  loadEventColumns(project: string): Promise<EventColumns> {
    return this.inner.loadEventColumns(project);
  }
  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return this.inner.loadEventValues(project, source);
  }
  loadPersonKeys(project: string): Promise<DictionaryColumn> {
    return this.inner.loadPersonKeys(project);
  }
  loadPersonValues(project: string, property: string): Promise<DictionaryColumn> {
    return this.inner.loadPersonValues(project, property);
  }

  async streamPersons(project: string, request: PersonStreamRequest): Promise<PersonStream | null> {
    const whole = await this.inner.loadEventColumns(project);
    const events = new Map<string, DictionaryColumn>();
    for (const source of request.eventValues) {
      events.set(valueSourceKey(source), await this.inner.loadEventValues(project, source));
    }
    const persons = new Map<string, DictionaryColumn>();
    for (const property of request.personValues) {
      persons.set(property, await this.inner.loadPersonValues(project, property));
    }
    const ts = [...whole.tsUs.subarray(0, whole.eventCount)];
    const span = { lo: Math.min(Infinity, ...ts), hi: Math.max(-Infinity, ...ts) };
    this.batchesStreamed = 0;
    const self = this;
    const batches = async function* (): AsyncGenerator<PersonBatch> {
      let first = 0;
      while (first < whole.personCount) {
        let end = first + 1;
        const from = whole.personStarts[first] as number;
        while (end < whole.personCount && (whole.personStarts[end + 1] as number) - from <= self.batchEvents) end += 1;
        const to = whole.personStarts[end] as number;
        self.batchesStreamed += 1;
        yield {
          columns: {
            eventCount: to - from,
            personCount: end - first,
            personStarts: Int32Array.from(whole.personStarts.subarray(first, end + 1), (s) => s - from),
            tsUs: whole.tsUs.slice(from, to),
            eventCode: whole.eventCode.slice(from, to),
            eventNames: whole.eventNames,
          },
          eventValues: new Map([...events].map(([k, c]) => [k, { codes: c.codes.slice(from, to), values: c.values }])),
          personValues: new Map(
            [...persons].map(([k, c]) => [k, { codes: c.codes.slice(first, end), values: c.values }]),
          ),
        };
        first = end;
      }
    };
    return { span, lastEventUs: lastEventUs(whole), eventNames: whole.eventNames, batches: batches() };
  }
}
