// Shared by the benchmarks: run the funnelscope bin as a user does and watch its memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs `node ARGS…` (with extra environment variables), polling the child's peak resident memory (VmHWM); resolves to time, peak and stdout. */
export function runMeasured(args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 20);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`exit ${code}: ${stdout.slice(0, 2000)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakMiB: peakKb / 1024, stdout });
    });
  });
}

/** The value after `--name` on the command line, or the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The median (the mean of the middle two of an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
