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
 * How acode writes a BLOB: `{"$blob":"<base64>"}` in JSON and NDJSON, a quoted
 * `"base64:<base64>"` in a CSV column not declared BLOB. Neither is ever text as written (a quote
 * inside JSON text is `\"`; CSV quotes text only when it holds a comma, a quote, a line break or
 * edge blanks, none of which base64 has).
 */
const ENCODING_OPEN = /\{"\$blob":"|"base64:/g;
const LONGEST_OPEN = 10;

export interface LeakScannerOptions {
  /** A CSV stream (one table, header first): the fields declared BLOB, which hold bare base64. */
  readonly csvBlobColumns?: readonly number[];
}

/**
 * A BLOB's base64 is bytes acode encoded, not data: a token's shape turns up there by chance
 * (the base64 of 300 MB of random bytes holds a few `AIza…` runs), and no secret of the BLOB can
 * be read from it. The BLOB itself was read byte for byte by the redaction rules and the row
 * scan before it was encoded. So its encoding is blanked (spaces, the length kept) for the
 * scan; the bytes passed on are untouched. Chunks come in stream order, each once.
 */
class EncodingBlanker {
  /** The previous chunk's last characters: an opening cut in two is found whole. */
  #tail = '';
  /** The previous chunk ended inside an encoding. */
  #open = false;
  readonly #csv: CsvBlobFields | null;

  constructor(options: LeakScannerOptions) {
    this.#csv = options.csvBlobColumns?.length ? new CsvBlobFields(options.csvBlobColumns) : null;
  }

  blank(chunk: string): string {
    const spans: number[] = [];
    let from = 0;
    if (this.#open) {
      from = base64End(chunk, 0);
      this.#open = from === chunk.length;
      // An encoding ends at its closing quote; anything else after base64 means it was none.
      if (this.#open || chunk.charCodeAt(from) === QUOTE) spans.push(0, from);
    }
    const shift = this.#tail.length;
    const joined = this.#tail + chunk;
    ENCODING_OPEN.lastIndex = Math.max(0, shift + from - (LONGEST_OPEN - 1));
    for (let m = ENCODING_OPEN.exec(joined); m && !this.#open; m = ENCODING_OPEN.exec(joined)) {
      const start = m.index + m[0].length - shift;
      if (start < from) continue;
      const end = base64End(chunk, start);
      this.#open = end === chunk.length;
      if (this.#open || chunk.charCodeAt(end) === QUOTE) spans.push(start, end);
      ENCODING_OPEN.lastIndex = end + shift;
    }
    this.#tail = joined.slice(-(LONGEST_OPEN - 1));
    this.#csv?.spans(chunk, spans);
    if (spans.length === 0) return chunk;
    spans.sort((a, b) => a - b);
    let out = '';
    let copied = 0;
    for (let i = 0; i < spans.length; i += 2) {
      const [a, b] = [Math.max(spans[i]!, copied), spans[i + 1]!];
      if (b <= a) continue;
      out += chunk.slice(copied, a) + ' '.repeat(b - a);
      copied = b;
    }
    return out + chunk.slice(copied);
  }
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
  const reported = new Set<string>();

  const take = (text: string, final: boolean): LeakFinding[] => {
    const found: LeakFinding[] = [];
    for (const h of detector.scan(text)) {
      if (!final && h.end >= text.length) continue;
      const start = base + h.start;
      const key = `${start}:${h.detector}`;
      if (reported.has(key)) continue;
      reported.add(key);
      found.push({ ...h, start, end: base + h.end, ...lineAround(text, h.start, h.end) });
    }
    return found;
  };

  const writeLatin1 = (chunk: string): LeakFinding[] => {
    bytes += chunk.length;
    const text = carry + blanker.blank(chunk);
    const found = take(text, false);
    const keep = Math.min(text.length, detector.reach);
    carry = text.slice(text.length - keep);
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
      const found = take(carry, true);
      carry = '';
      ended = true;
      return found;
    },
  };
}

function lineAround(text: string, start: number, end: number): { line: string; lineOffset: number } {
  const from = Math.max(text.lastIndexOf('\n', start) + 1, start - MAX_LINE);
  const nl = text.indexOf('\n', end);
  const to = Math.min(nl < 0 ? text.length : nl, end + MAX_LINE);
  return { line: text.slice(from, to), lineOffset: start - from };
}
