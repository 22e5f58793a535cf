import { Transform, type TransformCallback } from 'node:stream';
import { AcodeError } from '../lib/errors.js';

/**
 * JSON escapes acode's serializers never write: `\/`, and `\u` for anything but a control
 * character or a lone surrogate (JSON.stringify and SQLite's json_quote escape nothing else).
 * The leak scan reads the bytes as they are, so `\u0067hp_…` or `postgres:\/\/user:pw@…` hides a
 * secret from it that any JSON reader, acode's import too, decodes. A backslash byte is never
 * part of a multi-byte UTF-8 character, so the bytes are searched as they come.
 */

/** What the escape at the start of `text` (a backslash first) is: its length, a problem, or 'more' when `text` ends inside it. */
export function jsonEscapeAt(text: string): number | 'more' | { readonly problem: string } {
  if (text.length < 2) return 'more';
  const c = text[1]!;
  if ('"\\bfnrt'.includes(c)) return 2;
  if (c === '/') return { problem: 'a \\/ escape' };
  if (c !== 'u') return { problem: 'an invalid escape' };
  if (text.length < 6) return 'more';
  const hex = text.slice(2, 6);
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { problem: 'an invalid \\u escape' };
  const code = parseInt(hex, 16);
  return code < 0x20 || (code >= 0xd800 && code <= 0xdfff) ? 6 : { problem: `a \\u escape of a character written as itself (U+${hex.toUpperCase()})` };
}

export class JsonEscapeCheck extends Transform {
  /** A backslash and what followed it, cut by the last chunk's end. */
  #carry = '';
  #offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const problem = this.#check(chunk);
    this.#offset += chunk.length;
    if (problem) return callback(new AcodeError('ACODE-IMP-002', `${problem.what} at byte ${problem.at}, which acode never writes: it would hide what it spells from the leak scan`));
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#carry ? new AcodeError('ACODE-IMP-002', `the JSON ends inside an escape at byte ${this.#offset - this.#carry.length}`) : null);
  }

  #check(chunk: Buffer): { what: string; at: number } | null {
    let from = 0;
    if (this.#carry) {
      const start = this.#offset - this.#carry.length;
      const text = this.#carry + chunk.toString('latin1', 0, Math.min(6, chunk.length));
      const r = jsonEscapeAt(text);
      if (r === 'more') {
        this.#carry = text;
        return null;
      }
      if (typeof r !== 'number') return { what: r.problem, at: start };
      from = r - this.#carry.length;
      this.#carry = '';
    }
    for (let at = chunk.indexOf(0x5c, from); at !== -1; at = chunk.indexOf(0x5c, from)) {
      const r = jsonEscapeAt(chunk.toString('latin1', at, Math.min(at + 6, chunk.length)));
      if (r === 'more') {
        this.#carry = chunk.toString('latin1', at);
        return null;
      }
      if (typeof r !== 'number') return { what: r.problem, at: this.#offset + at };
      from = at + r;
    }
    return null;
  }
}

export function createJsonEscapeCheck(): JsonEscapeCheck {
  return new JsonEscapeCheck();
}
