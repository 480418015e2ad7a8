import { formatDuration, formatPercent } from '../../src/analysis/format.js';

/** The dashboard's number formats: the CLI's own (src/analysis/format.ts) with "–" for what is unknown. */
export const percent = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${formatPercent(x)}%`);
export const money = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US');
export const duration = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? '–' : formatDuration(seconds);
