/**
 * The leak detector over a byte stream cut into arbitrary chunks. Bytes are read as latin1 (one
 * character per byte, so positions are byte offsets and ASCII secrets read the same in UTF-8 and
 * in SQLite pages). The last `reach` characters are carried into the next chunk, and a hit that
 * touches the end of what has arrived waits for more: a secret split across chunks is found
 * whole, with the same fingerprint however the stream was cut.
 */
import type { LeakDetector, LeakHit } from './leak-detector.js';

export interface LeakFinding extends LeakHit {
  /** The line around the hit (latin1), for telling which table and column it is in. It holds the secret: never print it. */
  readonly line: string;
  /** Where the hit starts within `line`. */
  readonly lineOffset: number;
}

export interface LeakScanner {
  /** Scans one more chunk; returns the hits now certain. */
  write(chunk: Uint8Array): LeakFinding[];
  /** The same, for a chunk already read as latin1 (one character per byte). */
  writeLatin1(text: string): LeakFinding[];
  /** The stream has ended: returns the hits still waiting. */
  end(): LeakFinding[];
  /** Bytes scanned so far. */
  readonly bytes: number;
  /** Bytes before this offset can hold no hit not yet returned: safe to pass on. */
  readonly settled: number;
}

const MAX_LINE = 4096;

/** Base64's characters, by code. */
const BASE64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') BASE64[c.charCodeAt(0)] = 1;
const QUOTE = 0x22;

/** Where base64 from `from` on ends: the first character outside it, or the text's end. */
function base64End(text: string, from: number): number {
  let end = from;
  while (end < text.length && BASE64[text.charCodeAt(end)] === 1) end++;
  return end;
}

/**
 * How acode writes a BLOB in a text export: a column's value `{"$blob":"<base64>"}` in JSON and
 * NDJSON, right after its key's colon and followed by `}`; a whole CSV field `"base64:<base64>"`
 * in a column not declared BLOB, after a comma or a line break and followed by one. Text never
 * comes out so: a quote inside JSON text is `\"`, and inside a CSV field it is doubled, so the
 * `"` of an opening cannot follow a comma or line break there.
 */
const JSON_OPEN = '{"$blob":"';
const CSV_OPEN = '"base64:';
const LONGEST_OPEN = JSON_OPEN.length;

/**
 * The openings in a text, in order. Found by their rarer parts (`$blob":"` and `base64:`) with
 * indexOf, which skips ahead: a regex stopping at every quote of a JSON export cost the scan's
 * worker 66 ms on the bench's 100 MB.
 */
class Openings {
  readonly #text: string;
  #from: number;
  /** The next opening of each kind at or after #from, as last found; Infinity: none in the text. */
  #json: number;
  #csv: number;

  constructor(text: string, from: number) {
    this.#text = text;
    this.#from = from;
    this.#json = this.#find(JSON_OPEN, from);
    this.#csv = this.#find(CSV_OPEN, from);
  }

  next(): { index: number; length: number; json: boolean } | null {
    if (this.#json < this.#from) this.#json = this.#find(JSON_OPEN, this.#from);
    if (this.#csv < this.#from) this.#csv = this.#find(CSV_OPEN, this.#from);
    const json = this.#json < this.#csv;
    const index = Math.min(this.#json, this.#csv);
    if (index === Infinity) return null;
    this.#from = index + 1;
    return { index, length: json ? JSON_OPEN.length : CSV_OPEN.length, json };
  }

  /** Search on from `at` (past an encoding's base64). */
  skipTo(at: number): void {
    this.#from = Math.max(this.#from, at);
  }

  /** The next `opening` at or after `from`, found by its part from its first letter on (`$blob":"`, `base64:`); Infinity when none. */
  #find(opening: string, from: number): number {
    const lead = opening === JSON_OPEN ? 2 : 1;
    const rare = opening.slice(lead);
    for (let at = this.#text.indexOf(rare, from + lead); at !== -1; at = this.#text.indexOf(rare, at + 1)) {
      if (this.#text.startsWith(opening.slice(0, lead), at - lead)) return at - lead;
    }
    return Infinity;
  }
}

/** Characters before an opening that say whether it opens a value: `":` (not NDJSON's `"row":`), or `,`/`\n`. */
const BEFORE = 6;

const enum Run {
  None,
  /** The last chunk ended inside the base64 after an opening. */
  Base64,
  /** The last chunk ended with the closing quote: the next character must end the value. */
  Closed,
}

export interface LeakScannerOptions {
  /** A CSV stream (one table, header first): the fields declared BLOB, which hold bare base64. */
  readonly csvBlobColumns?: readonly number[];
}

/**
 * A BLOB's base64 is bytes acode encoded, not data: a token's shape turns up there by chance
 * (the base64 of 300 MB of random bytes holds a few `AIza…` runs), and no secret of the BLOB can
 * be read from it. The BLOB itself was read byte for byte by the redaction rules and the row
 * scan before it was encoded. So its encoding is blanked (spaces, the length kept) for the
 * scan; the bytes passed on are untouched. Chunks come in stream order, each once. An encoding
 * cut by a chunk's end is blanked as far as it goes; should the next chunk show it was none (no
 * closing quote, or more after it), `blank` says `reopened` and the scanner reads the carried end
 * of the last chunk again as it was.
 */
class EncodingBlanker {
  /** The previous chunks' last characters, as they were: an opening cut in two, and what precedes one. */
  #tail = '';
  #run = Run.None;
  #json = false;
  /** Characters before the current chunk, and where the last opening's base64 began (both in the stream). */
  #offset = 0;
  #runStart = 0;
  readonly #csv: CsvBlobFields | null;

  constructor(options: LeakScannerOptions) {
    this.#csv = options.csvBlobColumns?.length ? new CsvBlobFields(options.csvBlobColumns) : null;
  }

  blank(chunk: string): { text: string; reopenedFrom: number | null } {
    const offset = this.#offset;
    this.#offset += chunk.length;
    if (chunk.length === 0) return { text: chunk, reopenedFrom: null };
    const spans: number[] = [];
    let reopenedFrom: number | null = null;
    let from = 0;
    if (this.#run === Run.Closed) {
      this.#run = Run.None;
      if (!this.#ends(chunk.charCodeAt(0))) reopenedFrom = this.#runStart;
    } else if (this.#run === Run.Base64) {
      this.#run = Run.None;
      const end = base64End(chunk, 0);
      const runStart = this.#runStart;
      const verdict = this.#close(chunk, end);
      if (verdict === false) reopenedFrom = runStart;
      else spans.push(0, end);
      from = end;
    }
    const shift = this.#tail.length;
    const joined = this.#tail + chunk;
    const openings = new Openings(joined, Math.max(0, shift + from - (LONGEST_OPEN - 1)));
    for (let m = openings.next(); m && this.#run === Run.None; m = openings.next()) {
      const start = m.index + m.length - shift;
      if (start < from) continue;
      this.#json = m.json;
      const before = joined.slice(Math.max(0, m.index - BEFORE), m.index);
      const opens = this.#json ? before.endsWith('":') && !before.endsWith('"row":') : /[,\n]$/.test(before);
      const end = base64End(chunk, start);
      openings.skipTo(end + shift);
      if (!opens) continue;
      this.#runStart = offset + start;
      if (this.#close(chunk, end) !== false) spans.push(start, end);
    }
    this.#tail = joined.slice(-(LONGEST_OPEN - 1 + BEFORE));
    this.#csv?.spans(chunk, spans);
    return { text: spans.length === 0 ? chunk : withBlanks(chunk, spans), reopenedFrom };
  }

  /** The stream has ended: where what looked like an encoding began, when it ended inside one (so it was none); else null. */
  end(): number | null {
    const open = this.#run !== Run.None;
    this.#run = Run.None;
    return open ? this.#runStart : null;
  }

  /** Whether base64 that stops at `end` closed an encoding: true, false, or undecided (null: the chunk ended first; the state says what to check next). */
  #close(chunk: string, end: number): boolean | null {
    if (end === chunk.length) {
      this.#run = Run.Base64;
      return null;
    }
    if (chunk.charCodeAt(end) !== QUOTE) return false;
    if (end + 1 === chunk.length) {
      this.#run = Run.Closed;
      return null;
    }
    return this.#ends(chunk.charCodeAt(end + 1));
  }

  /** What may follow an encoding's closing quote: `}` in JSON; a comma or line end in CSV. */
  #ends(code: number): boolean {
    return this.#json ? code === 0x7d : code === 0x2c || code === 0x0d || code === 0x0a;
  }
}

/** `text` with the characters in each [start, end) pair of `spans` replaced by spaces. */
function withBlanks(text: string, spans: number[]): string {
  const pairs: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  let out = '';
  let copied = 0;
  for (const [from, to] of pairs) {
    const a = Math.max(from, copied);
    if (to <= a) continue;
    out += text.slice(copied, a) + ' '.repeat(to - a);
    copied = to;
  }
  return out + text.slice(copied);
}

const enum Csv {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote ended the last chunk inside a quoted field: the next character says whether it was doubled. */
  QuoteAtEnd,
  AfterQuoted,
}

/**
 * The fields of BLOB-declared columns in a CSV stream, found as it streams: bare base64, which
 * only their column tells apart from text. Jumps from separator to separator (indexOf), so a
 * table of long text fields costs little.
 */
class CsvBlobFields {
  readonly #columns: ReadonlySet<number>;
  #state = Csv.FieldStart;
  #field = 0;
  #row = 0;

  constructor(columns: readonly number[]) {
    this.#columns = new Set(columns);
  }

  spans(chunk: string, spans: number[]): void {
    const n = chunk.length;
    let comma = -1;
    let newline = -1;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case Csv.FieldStart:
          this.#state = chunk.charCodeAt(i) === QUOTE ? Csv.Quoted : Csv.Unquoted;
          if (this.#state === Csv.Quoted) i++;
          break;
        case Csv.Unquoted: {
          if (comma < i) comma = indexOrEnd(chunk, ',', i);
          if (newline < i) newline = indexOrEnd(chunk, '\n', i);
          const stop = Math.min(comma, newline);
          if (this.#row > 0 && this.#columns.has(this.#field)) spans.push(i, stop);
          if (stop < n) this.#separator(chunk.charCodeAt(stop) === 0x2c);
          i = stop + 1;
          break;
        }
        case Csv.Quoted: {
          const q = chunk.indexOf('"', i);
          if (q < 0 || q === n - 1) {
            if (q === n - 1) this.#state = Csv.QuoteAtEnd;
            i = n;
          } else if (chunk.charCodeAt(q + 1) === QUOTE) {
            i = q + 2;
          } else {
            this.#state = Csv.AfterQuoted;
            i = q + 1;
          }
          break;
        }
        case Csv.QuoteAtEnd:
          if (chunk.charCodeAt(i) === QUOTE) {
            this.#state = Csv.Quoted;
            i++;
          } else {
            this.#state = Csv.AfterQuoted;
          }
          break;
        case Csv.AfterQuoted: {
          const c = chunk.charCodeAt(i++);
          if (c === 0x2c || c === 0x0a) this.#separator(c === 0x2c);
          break;
        }
      }
    }
  }

  /** Past a field's comma (the next field) or line end (the next row's first field). */
  #separator(comma: boolean): void {
    if (comma) this.#field++;
    else {
      this.#field = 0;
      this.#row++;
    }
    this.#state = Csv.FieldStart;
  }
}

function indexOrEnd(text: string, what: string, from: number): number {
  const at = text.indexOf(what, from);
  return at < 0 ? text.length : at;
}

export function createLeakScanner(detector: LeakDetector, options: LeakScannerOptions = {}): LeakScanner {
  let carry = '';
  let base = 0;
  let bytes = 0;
  let ended = false;
  const blanker = new EncodingBlanker(options);
  /** `carry` as the bytes were, before any blanking. */
  let rawCarry = '';
  /** `carry` with what was blanked from stream offset `from` on put back as it was. */
  const reopen = (from: number): string => {
    const k = Math.min(carry.length, Math.max(0, from - base));
    return carry.slice(0, k) + rawCarry.slice(k);
  };
  const reported = new Set<string>();

  const take = (text: string, final: boolean): LeakFinding[] => {
    const found: LeakFinding[] = [];
    const lines = new Lines(text);
    for (const h of detector.scan(text)) {
      if (!final && h.end >= text.length) continue;
      const start = base + h.start;
      const key = `${start}:${h.detector}`;
      if (reported.has(key)) continue;
      reported.add(key);
      found.push({ ...h, start, end: base + h.end, ...lines.around(h.start, h.end) });
    }
    return found;
  };

  const writeLatin1 = (chunk: string): LeakFinding[] => {
    bytes += chunk.length;
    const blanked = blanker.blank(chunk);
    // What was blanked as an encoding and turned out to be none is read again as it was.
    const text = (blanked.reopenedFrom === null ? carry : reopen(blanked.reopenedFrom)) + blanked.text;
    const found = take(text, false);
    const keep = Math.min(text.length, detector.reach);
    carry = text.slice(text.length - keep);
    rawCarry = (rawCarry + chunk).slice(-keep);
    base += text.length - keep;
    for (const key of reported) {
      if (Number(key.slice(0, key.indexOf(':'))) < base) reported.delete(key);
    }
    return found;
  };

  return {
    get bytes() {
      return bytes;
    },
    get settled() {
      return ended ? bytes : base;
    },
    write: (chunk) => writeLatin1(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')),
    writeLatin1,
    end() {
      const from = blanker.end();
      const found = take(from === null ? carry : reopen(from), true);
      carry = '';
      rawCarry = '';
      ended = true;
      return found;
    },
  };
}

/**
 * The lines around hits, in order of position: each line's ends are searched once (a chunk's one
 * long line holding 100,000 hits was searched to its ends, or 4 KiB each way, per hit), and the
 * line given is at most MAX_LINE characters each side of its hit.
 */
class Lines {
  readonly #text: string;
  /** The last line found: [#start, #end), #end its newline or the text's end. */
  #start = 0;
  #end = -1;

  constructor(text: string) {
    this.#text = text;
  }

  around(start: number, end: number): { line: string; lineOffset: number } {
    const text = this.#text;
    if (start < this.#start || start > this.#end || end > this.#end) {
      // Hits come in order: the search back stops at the last line's end.
      this.#start = start === 0 ? 0 : text.lastIndexOf('\n', start - 1) + 1;
      const nl = text.indexOf('\n', end);
      this.#end = nl < 0 ? text.length : nl;
    }
    const from = Math.max(this.#start, start - MAX_LINE);
    const to = Math.min(this.#end, end + MAX_LINE);
    return { line: text.slice(from, to), lineOffset: start - from };
  }
}
