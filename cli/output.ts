import path from 'node:path';
import type { ProgressEvent } from '../lib/progress.js';
import { formatBytes, formatCount } from './format.js';

export interface OutputOptions {
  readonly quiet: boolean;
  readonly json: boolean;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  readonly cwd?: string;
}

const REDRAW_MS = 100;

/**
 * A line as it may reach a terminal: control characters (ESC, CR, a newline inside a file name
 * or a manifest's tag) shown as \xNN, so a crafted name cannot clear the screen, move the
 * cursor or print a fake line. Tabs stay.
 */
export function shown(line: string): string {
  return line.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * --json results waiting to be written, per stdout: a run writes exactly one JSON document, at
 * its end (flushJson), and a failure after a result joins it (a verify that found the backup
 * invalid, a demo's later step) instead of following it as a second document.
 */
const pendingJson = new WeakMap<NodeJS.WritableStream, unknown[]>();

/**
 * Standard outputs that carry a command's data (an export to stdout), each with the stream that
 * gets the run's JSON document instead: data alone goes to stdout.
 */
const carriesData = new WeakMap<NodeJS.WritableStream, NodeJS.WritableStream>();

/** Warnings of a --json run, for its document's `warnings`. */
const heldWarnings = new WeakMap<NodeJS.WritableStream, string[]>();

/** Writes the run's one JSON document: the result, or the results of each step ({ ok, results }), with `error` when it failed. */
export function flushJson(stdout: NodeJS.WritableStream, error?: Record<string, unknown>): void {
  const pending = pendingJson.get(stdout) ?? [];
  pendingJson.delete(stdout);
  const warnings = heldWarnings.get(stdout) ?? [];
  heldWarnings.delete(stdout);
  if (pending.length === 0 && !error && warnings.length === 0) return;
  const ok = !error && pending.every((p) => (p as { ok?: unknown }).ok !== false);
  const doc: Record<string, unknown> =
    pending.length === 1 ? { ...(pending[0] as Record<string, unknown>), ok } : pending.length === 0 ? { ok } : { ok, results: pending };
  if (warnings.length) doc['warnings'] = warnings;
  if (error) doc['error'] = error;
  (carriesData.get(stdout) ?? stdout).write(`${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * Where everything a command prints goes: progress and messages to stderr (a live line per stage
 * on a terminal, plain lines otherwise, nothing with --quiet or --json), results to stdout.
 */
export class Output {
  readonly quiet: boolean;
  readonly json: boolean;
  readonly #out: NodeJS.WriteStream;
  readonly #err: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #cwd: string;
  #live: string | null = null;
  #lastDraw = 0;
  #indent = '  ';

  constructor(options: OutputOptions) {
    this.quiet = options.quiet;
    this.json = options.json;
    this.#out = options.stdout ?? process.stdout;
    this.#err = options.stderr ?? process.stderr;
    this.#tty = Boolean(this.#err.isTTY);
    this.#cwd = options.cwd ?? process.cwd();
  }

  get chatty(): boolean {
    return !this.quiet && !this.json;
  }

  /** A message about the work (headers, notes): stderr, not with --quiet or --json. */
  info(line = ''): void {
    if (!this.chatty) return;
    this.#clearLive();
    this.#err.write(`${shown(line)}\n`);
  }

  /** A warning the user must see even with --quiet (but not mixed into --json output). */
  warn(line: string): void {
    // With --json the document carries every warning (`warnings`); on stderr too, unless stderr
    // holds the document itself.
    if (this.json) heldWarnings.set(this.#out, [...(heldWarnings.get(this.#out) ?? []), line]);
    if (this.#jsonOnStderr) return;
    this.#clearLive();
    this.#err.write(`⚠ ${shown(line)}\n`);
  }

  /** The human result of a command: stdout, not with --quiet or --json. */
  result(line = ''): void {
    if (!this.chatty) return;
    this.#clearLive();
    this.#out.write(`${shown(line)}\n`);
  }

  /** Output that is the point of the command (a listing): stdout even with --quiet. */
  data(line = ''): void {
    if (this.json) return;
    this.#out.write(`${shown(line)}\n`);
  }

  /** The machine-readable result with --json, written when the run ends (flushJson). */
  emitJson(value: unknown): void {
    if (!this.json) return;
    const pending = pendingJson.get(this.#out) ?? [];
    pending.push(value);
    pendingJson.set(this.#out, pending);
  }

  /** Stdout carries the command's data from now on: the --json document goes to stderr. */
  stdoutCarriesData(): void {
    carriesData.set(this.#out, this.#err);
  }

  get #jsonOnStderr(): boolean {
    return this.json && carriesData.has(this.#out);
  }

  /** The run's failure with --json: one document, joined to any result already given. */
  emitJsonError(error: Record<string, unknown>): void {
    if (this.json) flushJson(this.#out, error);
  }

  /** The one error line, always on stderr. */
  error(line: string): void {
    // The JSON document on stderr carries the error; a line before it would break its parse.
    if (this.#jsonOnStderr) return;
    this.#clearLive();
    this.#err.write(`✗ ${shown(line)}\n`);
  }

  /** A path as the user would type it: relative to where they are, when inside it. */
  shortPath(file: string): string {
    const rel = path.relative(this.#cwd, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  }

  withIndent<T>(indent: string, fn: () => T): T {
    const before = this.#indent;
    this.#indent = indent;
    try {
      return fn();
    } finally {
      this.#indent = before;
    }
  }

  /** Draws live lines only; for commands that print their own result per stage. */
  readonly liveProgress = (event: ProgressEvent): void => {
    if (event.phase !== 'end') this.progress(event);
    else this.#clearLive();
  };

  readonly progress = (event: ProgressEvent): void => {
    if (!this.chatty) return;
    if (event.phase === 'end') {
      this.#clearLive();
      this.#err.write(shown(`${this.#indent}✓ ${event.label}${event.detail ? ` (${event.detail})` : ''}`) + '\n');
      return;
    }
    if (!this.#tty) return;
    const now = Date.now();
    if (event.phase === 'update' && now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#live = shown(`${this.#indent}… ${event.label}${describeAmount(event)}`);
    this.#err.write(`\r\x1b[K${this.#live}`);
  };

  #clearLive(): void {
    if (this.#live !== null) {
      this.#err.write('\r\x1b[K');
      this.#live = null;
    }
  }
}

function describeAmount(event: ProgressEvent): string {
  const parts: string[] = [];
  // An export's live line is labelled with its table already: "conv_messages: conv_messages 0/1,079".
  if (event.table && event.table !== event.label) parts.push(event.table);
  const pct = (done: number, total: number): string => (total > 0 ? ` ${Math.floor((done / total) * 100)}%` : '');
  if (event.totalPages !== undefined && event.pages !== undefined) {
    parts.push(`${formatCount(event.pages)}/${formatCount(event.totalPages)} pages${pct(event.pages, event.totalPages)}`);
  } else if (event.totalBytes !== undefined && event.bytes !== undefined) {
    parts.push(`${formatBytes(event.bytes)}/${formatBytes(event.totalBytes)}${pct(event.bytes, event.totalBytes)}`);
  } else if (event.rows !== undefined) {
    parts.push(`${formatCount(event.rows)}${event.totalRows !== undefined ? `/${formatCount(event.totalRows)}` : ''} rows${event.totalRows ? pct(event.rows, event.totalRows) : ''}`);
  } else if (event.bytes !== undefined) {
    parts.push(formatBytes(event.bytes));
  }
  return parts.length ? `: ${parts.join(' ')}` : '';
}
