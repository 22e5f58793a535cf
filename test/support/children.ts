import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dbChildPath } from './paths.js';

export type DbChildMode = 'reader' | 'read-tx' | 'write-lock' | 'writer';

/** A second process holding or writing a database (test/support/db-child.ts), driven by JSON lines. */
export class DbChild {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #messages: Record<string, unknown>[] = [];
  readonly #waiters: { test: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';
  #exited = false;
  readonly exited: Promise<number | null>;

  private constructor(mode: DbChildMode, file: string) {
    this.#child = spawn(process.execPath, [dbChildPath, mode, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#receive(JSON.parse(line) as Record<string, unknown>));
    this.#child.stderr.setEncoding('utf8').on('data', (d: string) => (this.#stderr += d));
    this.exited = new Promise((resolve) =>
      this.#child.on('close', (code) => {
        this.#exited = true;
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`db-child exited (${code}); stderr:\n${this.#stderr}`));
        resolve(code);
      }),
    );
  }

  /** Starts the child and waits until it holds what its mode asks for. */
  static async start(mode: DbChildMode, file: string): Promise<{ child: DbChild; ready: Record<string, unknown> }> {
    const child = new DbChild(mode, file);
    const ready = await child.next((m) => m['ready'] === true);
    return { child, ready };
  }

  #receive(message: Record<string, unknown>): void {
    const waiter = this.#waiters.find((w) => w.test(message));
    if (waiter) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      this.#messages.push(message);
    }
  }

  /** The next message (already received or still to come) that passes `test`. */
  next(test: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const at = this.#messages.findIndex(test);
    if (at >= 0) return Promise.resolve(this.#messages.splice(at, 1)[0]!);
    if (this.#exited) return Promise.reject(new Error(`db-child already exited; stderr:\n${this.#stderr}`));
    return new Promise((resolve, reject) => this.#waiters.push({ test, resolve, reject }));
  }

  /** Sends a command and waits for the reply that has `key`. */
  async ask(command: string, key: string): Promise<Record<string, unknown>> {
    const reply = this.next((m) => key in m || 'error' in m);
    this.#child.stdin.write(`${command}\n`);
    const message = await reply;
    if ('error' in message) throw new Error(`db-child: ${String(message['error'])}`);
    return message;
  }

  /** Asks the child to end and waits for its last word. */
  async stop(): Promise<Record<string, unknown>> {
    if (this.#exited) return { bye: true };
    const bye = this.next((m) => m['bye'] === true);
    this.#child.stdin.write('stop\n');
    const message = await bye;
    await this.exited;
    return message;
  }

  kill(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}
