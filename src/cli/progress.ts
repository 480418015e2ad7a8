import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { ImportProgress } from '../model/import.js';
import { formatCount } from './output.js';

/**
 * A progress bar on the terminal (stderr) per phase of an import: reading the file (MB/s of the file), checking
 * its records, then storing them (records/s), each with its ETA. Nothing when not a TTY.
 */
export async function fileProgress(
  file: string,
  enabled: boolean,
): Promise<{ update: (progress: ImportProgress) => void; stop: () => void }> {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bytes = (await stat(file)).size;
  const bar = new cliProgress.SingleBar(
    {
      format: `{phase} ${file} [{bar}] {percentage}% | {rate} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: ImportProgress['phase'] = 'reading';
  let phaseStarted = performance.now();
  bar.start(100, 0, { phase, rate: '–' });
  return {
    update: (progress) => {
      if (progress.phase !== phase) {
        phase = progress.phase;
        phaseStarted = performance.now();
        bar.start(100, 0, { phase: `${phase}`, rate: '–' });
      }
      const seconds = (performance.now() - phaseStarted) / 1000;
      const done = progress.fractionDone;
      const rate =
        seconds <= 0
          ? '–'
          : phase === 'reading'
            ? `${((done * bytes) / seconds / 1e6).toFixed(1)} MB/s`
            : progress.records === undefined
              ? '–'
              : `${formatCount(Math.round((done * progress.records) / seconds))} records/s`;
      bar.update(Math.round(done * 100), { phase, rate });
    },
    stop: () => bar.stop(),
  };
}
