import type { TableCount } from '../sqlite/inspect.js';
import { pgTableName } from './connection.js';
import { runPgTool } from './tools.js';

/** What `pg_restore --list` says about a custom-format archive. */
export interface ArchiveToc {
  readonly serverVersion: string;
  /**
   * The oids of the tables with a `TABLE DATA` entry. The list prints `<schema> <name> <owner>`
   * unquoted, and any of the three may hold spaces (`public t App User` is table `t` of role
   * `App User`, or table `t App` of role `User`); the entry's catalog id, the table's oid, is exact.
   */
  readonly dataOids: ReadonlySet<number>;
}

const BACKSLASH = 0x5c;
const DOT = 0x2e;
const NEWLINE = 0x0a;

/** Reads an archive's table of contents: cheap (no data is read), and fails on a damaged header. */
export async function readToc(file: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ArchiveToc> {
  let text = '';
  await runPgTool('pg_restore', {
    args: ['--list', file],
    env,
    signal,
    onStdout: async (stdout) => {
      stdout.setEncoding('utf8');
      for await (const chunk of stdout) text += chunk as string;
    },
  });
  const version = /^;\s+Dumped from database version: (.+)$/m.exec(text)?.[1]?.trim() ?? '';
  const dataOids = new Set<number>();
  for (const line of text.split('\n')) {
    // `<dump id>; <catalog table oid> <oid> TABLE DATA …`: a data entry's oid is its table's.
    const oid = /^\d+; \d+ (\d+) TABLE DATA /.exec(line)?.[1];
    if (oid !== undefined) dataOids.add(Number(oid));
  }
  return { serverVersion: version, dataOids };
}

/** True when the list has a data entry for the table with this oid. */
export function tocHasData(toc: ArchiveToc, oid: number): boolean {
  return toc.dataOids.has(oid);
}

/**
 * Reads every row back out of an archive (`pg_restore --data-only` to a pipe, which decompresses
 * every data block) and counts them per table. COPY text holds one row per line: a newline inside
 * a value is written as `\n`, so counting lines up to the `\.` terminator counts rows.
 */
export async function countArchiveRows(file: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<TableCount[]> {
  const counter = new CopyRowCounter();
  await runPgTool('pg_restore', {
    args: ['--data-only', '--file=-', file],
    env,
    signal,
    onStdout: async (stdout) => {
      for await (const chunk of stdout) counter.push(chunk as Buffer);
    },
  });
  return counter.finish();
}

/** Counts COPY rows in a plain-SQL data stream, chunk by chunk, holding one partial line at most. */
export class CopyRowCounter {
  readonly #counts = new Map<string, number>();
  #table: string | null = null;
  #rows = 0;
  #carry: Buffer | null = null;

  push(chunk: Buffer): void {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = null;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      this.#line(data, start, nl);
      start = nl + 1;
    }
    if (start < data.length) {
      // Inside a data block only a line's first bytes matter (is it the 2-byte `\.`?): a row of
      // any length is carried as its first 3 bytes, so a long value costs no repeated copying.
      const keep = this.#table !== null ? Math.min(data.length - start, 3) : data.length - start;
      this.#carry = Buffer.from(data.subarray(start, start + keep));
    }
  }

  finish(): TableCount[] {
    if (this.#carry) this.#line(this.#carry, 0, this.#carry.length);
    if (this.#table !== null) throw new Error(`the data of ${this.#table} ends without its terminator: the archive is truncated`);
    return [...this.#counts].map(([name, rows]) => ({ name, rows })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #line(data: Buffer, start: number, end: number): void {
    if (this.#table !== null) {
      if (end - start === 2 && data[start] === BACKSLASH && data[start + 1] === DOT) {
        this.#counts.set(this.#table, (this.#counts.get(this.#table) ?? 0) + this.#rows);
        this.#table = null;
      } else {
        this.#rows++;
      }
      return;
    }
    // "COPY " then the table; only such lines matter outside a data block.
    if (end - start > 5 && data[start] === 0x43 && data.toString('latin1', start, start + 5) === 'COPY ') {
      const line = data.toString('utf8', start, end);
      if (line.endsWith(' FROM stdin;')) {
        this.#table = parseCopyTarget(line.slice(5));
        this.#rows = 0;
      }
    }
  }
}

/** `public."Odd ""Name"""  (a, b) FROM stdin;` → `Odd "Name"`; `s2.z …` → `s2.z`. */
export function parseCopyTarget(text: string): string {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let name = '';
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          name += text[i++];
        }
      }
      parts.push(name);
    } else {
      const m = /^[^".\s(]+/.exec(text.slice(i));
      parts.push(m?.[0] ?? '');
      i += m?.[0].length ?? 0;
    }
    if (text[i] !== '.') break;
    i++;
  }
  return parts.length === 2 ? pgTableName(parts[0]!, parts[1]!) : parts.join('.');
}
