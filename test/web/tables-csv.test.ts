/** The dashboard's "Export CSV" (web/src/tables-csv.ts): each table under its title, after a blank line. */
import { describe, expect, it } from 'vitest';
import { tablesCsv } from '../../web/src/tables-csv.js';

describe('tables as CSV', () => {
  it('puts each table under its title, cells quoted as RFC 4180 asks', () => {
    expect(
      tablesCsv([
        {
          title: 'Steps',
          rows: [
            ['Step', 'Units'],
            ['Visit', '1,234'],
          ],
        },
        { title: 'Channels', rows: [['Channel'], ['=cmd']] },
      ]),
    ).toBe('Steps\r\nStep,Units\r\nVisit,"1,234"\r\n\r\nChannels\r\nChannel\r\n\'=cmd\r\n');
  });
});
