/** CSV of the digest's tables (src/analysis/digest/digest-csv.ts): RFC 4180 quoting and formula-safe text. */
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/analysis/digest/digest-csv.js';

describe('CSV', () => {
  it('quotes commas, quotes and line breaks; leaves numbers plain; empties what does not exist', () => {
    expect(
      toCsv({
        name: 't',
        headers: ['a', 'b', 'c'],
        rows: [
          ['plain', 1.5, null],
          ['with, comma', -2, Number.NaN],
          ['say "hi"', 0, 'line\nbreak'],
        ],
      }),
    ).toBe('a,b,c\r\nplain,1.5,\r\n"with, comma",-2,\r\n"say ""hi""",0,"line\nbreak"\r\n');
  });

  it('leaves numbers shown as text alone, and guards a leading tab or carriage return', () => {
    expect(toCsv({ name: 't', headers: ['x'], rows: [['-12'], ['1,234'], ['4.5%'], ['\tcmd'], ['\rcmd']] })).toBe(
      'x\r\n-12\r\n"1,234"\r\n4.5%\r\n\'\tcmd\r\n"\'\rcmd"\r\n',
    );
  });

  it('keeps a spreadsheet from running text as a formula', () => {
    expect(toCsv({ name: 't', headers: ['x'], rows: [['=HYPERLINK("evil")'], ['+1'], ['-cmd'], ['@SUM(A1)']] })).toBe(
      'x\r\n"\'=HYPERLINK(""evil"")"\r\n\'+1\r\n\'-cmd\r\n\'@SUM(A1)\r\n',
    );
  });
});
