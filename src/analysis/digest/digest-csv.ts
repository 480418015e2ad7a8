/**
 * The digest's tables as CSV files (docs/digest.md): RFC 4180 (comma-separated, CRLF line ends, a field quoted when
 * it holds a comma, a quote or a line break, quotes doubled), numbers as plain decimals, an empty field for a value
 * that does not exist. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
 * return) gets a leading apostrophe, plain numbers (−12, 1,234, 4.5%) aside. Pure.
 */
import type { DigestData } from './run-digest.js';

export interface CsvTable {
  name: string;
  headers: string[];
  rows: (string | number | null)[][];
}

function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  // Plain numbers as shown (e.g. −12, 1,234, 4.5%) stay numbers; other text a spreadsheet would run gets an apostrophe.
  const plainNumber = /^-?\d[\d.,]*%?$/.test(value);
  const safe = !plainNumber && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(table: CsvTable): string {
  return [table.headers, ...table.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/** The digest's funnel, goals and KPI tables. */
export function digestTables(d: DigestData): CsvTable[] {
  return [
    {
      name: 'funnel',
      headers: ['step', 'this_week', 'week_before', 'conversion', 'conversion_week_before'],
      rows: d.steps.map((s) => [s.name, s.count, s.previousCount, s.rate, s.previousRate]),
    },
    {
      name: 'goals',
      headers: ['id', 'goal', 'team', 'metric', 'target', 'direction', 'period_start', 'value', 'projected', 'status'],
      rows: d.goals.map((g) => [
        g.goal.id,
        g.goal.name,
        g.goal.team,
        g.goal.metric,
        g.goal.target,
        g.goal.direction,
        g.period.start,
        g.judgement.value,
        g.judgement.projected,
        g.judgement.status,
      ]),
    },
    {
      name: 'kpi',
      headers: ['channel', 'spend', 'visitors', 'leads', 'customers', 'revenue', 'cost_per_lead', 'cac', 'roas'],
      rows: [...d.kpi.rows, { ...d.kpi.total, key: 'total' }].map((r) => [
        r.key,
        r.spend,
        r.visitors,
        r.leads,
        r.customers,
        r.revenue,
        r.costPerLead.value,
        r.cac.value,
        r.roas.value,
      ]),
    },
  ];
}
