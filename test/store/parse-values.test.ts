import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateSql, integerSql, numberSql, timestampSql } from '../../src/store/duckdb/queries/parse-values.js';

let instance: DuckDBInstance;
let run: (sql: string, value: string | null) => Promise<unknown>;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  run = async (sql, value) => {
    const reader = await connection.runAndReadAll(`SELECT (${sql.replaceAll('v.x', '$x::VARCHAR')})::VARCHAR`, {
      x: value,
    });
    return reader.getRowsJS()[0]?.[0] ?? null;
  };
});
afterAll(() => instance.closeSync());

describe('value parsing', () => {
  // Expected values worked out by hand (UTC).
  const timestamps: [string | null, string | null][] = [
    ['2024-01-01T10:00:00Z', '2024-01-01 10:00:00'],
    ['2024-01-01T10:00:00+02:00', '2024-01-01 08:00:00'],
    ['2024-01-01T10:00:00.123-05:30', '2024-01-01 15:30:00.123'],
    ['2024-01-01 10:00:00+0100', '2024-01-01 09:00:00'],
    ['2024-01-01 10:00:00', '2024-01-01 10:00:00'],
    ['2024-01-01', '2024-01-01 00:00:00'],
    ['2024-07-01T12:00:00 Europe/Berlin', '2024-07-01 10:00:00'],
    ['1700000000', '2023-11-14 22:13:20'],
    ['1700000000.5', '2023-11-14 22:13:20.5'],
    ['1700000000123', '2023-11-14 22:13:20.123'],
    ['2024-13-45', null],
    ['yesterday', null],
    ['1e40', null],
    [null, null],
  ];
  for (const [input, expected] of timestamps) {
    it(`timestamp ${JSON.stringify(input)} → ${expected}`, async () => {
      expect(await run(timestampSql('v.x'), input)).toBe(expected);
    });
  }

  it('dates, numbers and whole numbers as CRMs export them', async () => {
    expect(await run(dateSql('v.x'), '2024-05-01')).toBe('2024-05-01');
    expect(await run(dateSql('v.x'), '2024-05-01T23:30:00-02:00')).toBe('2024-05-02');
    expect(await run(numberSql('v.x'), '$12,500.50')).toBe('12500.5');
    expect(await run(numberSql('v.x'), '-3.5e2')).toBe('-350.0');
    expect(await run(numberSql('v.x'), '1.234,50')).toBe(null);
    expect(await run(numberSql('v.x'), 'inf')).toBe(null);
    expect(await run(integerSql('v.x'), '1,250')).toBe('1250');
    expect(await run(integerSql('v.x'), '12.5')).toBe(null);
  });
});

describe('value parsing, edge cases', () => {
  const cases: [string, string | null][] = [
    ['2024-05-01T10:00:00+02:00 ', '2024-05-01 08:00:00'],
    [' 2024-05-01 10:00:00 ', '2024-05-01 10:00:00'],
    ['2024-05-01T10:00:00+02:00:00', '2024-05-01 08:00:00'],
    ['1714557600123456', '2024-05-01 10:00:00.123456'],
    ['1714557600123456789', '2024-05-01 10:00:00.123457'],
  ];
  for (const [input, expected] of cases) {
    it(`timestamp ${JSON.stringify(input)} → ${expected}`, async () => {
      expect(await run(timestampSql('v.x'), input)).toBe(expected);
    });
  }
  it('reads YYYYMMDD days', async () => {
    expect(await run(dateSql('v.x'), '20240501')).toBe('2024-05-01');
    expect(await run(dateSql('v.x'), '20241345')).toBe(null);
  });
});
