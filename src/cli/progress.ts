import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';

/** A progress bar on the terminal (stderr) with throughput and ETA; nothing when not a TTY. */
export async function fileProgress(
  file: string,
  enabled: boolean,
): Promise<{ update: (f: number) => void; stop: () => void }> {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bytes = (await stat(file)).size;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${file} [{bar}] {percentage}% | {rate} MB/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { rate: '0.0' });
  return {
    update: (fraction) => {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? (fraction * bytes) / seconds / 1e6 : 0;
      bar.update(Math.round(fraction * 100), { rate: rate.toFixed(1) });
    },
    stop: () => bar.stop(),
  };
}
