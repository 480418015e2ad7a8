import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A few long-lived worker threads running one script, each taking one task at a time. Workers do not keep the
 * process alive while idle (a CLI run exits when its work is done) but do while a task is in flight.
 */
export class WorkerPool<Task, Result> {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];

  private constructor(
    private readonly script: URL,
    private readonly size: number,
  ) {}

  /** A pool over `script`, or null when the script is not there (running from TypeScript sources). */
  static create<Task, Result>(script: URL, size: number): WorkerPool<Task, Result> | null {
    if (size < 1 || !existsSync(fileURLToPath(script))) return null;
    return new WorkerPool<Task, Result>(script, size);
  }

  /** An idle or new worker, or null when all are busy. */
  private take(): Worker | null {
    const worker = this.idle.pop();
    if (worker) return worker;
    if (this.all.length >= this.size) return null;
    const created = new Worker(this.script);
    this.all.push(created);
    return created;
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else {
      worker.unref();
      this.idle.push(worker);
    }
  }

  /**
   * Posts the task at once when a worker is free (synchronously: the caller usually goes on computing on this
   * thread, and a post deferred to a microtask would wait for that work to finish).
   */
  run(task: Task): Promise<Result> {
    const worker = this.take();
    if (worker) return this.dispatch(worker, task);
    return new Promise((resolve, reject) => {
      this.waiting.push((w) => this.dispatch(w, task).then(resolve, reject));
    });
  }

  private dispatch(worker: Worker, task: Task): Promise<Result> {
    worker.ref();
    return new Promise<Result>((resolve, reject) => {
      const onMessage = (message: { result?: Result; error?: string }) => {
        cleanup();
        this.release(worker);
        if (message.error !== undefined) reject(new Error(`worker: ${message.error}`));
        else resolve(message.result as Result);
      };
      const onError = (error: Error) => {
        cleanup();
        this.forget(worker);
        reject(error);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(task);
    });
  }

  private forget(worker: Worker): void {
    this.all.splice(this.all.indexOf(worker), 1);
    void worker.terminate();
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
