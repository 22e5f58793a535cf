/**
 * The generated-looking values under a secret-named YAML key or TOML section (`secrets:`,
 * `[credentials]`).
 */
import { MASKED, NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { looksRandom, runEnd, runStart } from './rule.js';
import { MAX_NAME, MAX_VALUE, NAME, indentAt, isQuote, lineStart, quotedValue } from './text-scan.js';

/** Keys below a secret's name that describe it (`name`, `type`, `region`…): their values are no secret. */
const SECTION_METADATA = /^(?:name|id|type|kind|description|desc|label|url|uri|endpoint|host|hostname|port|region|user|username|login|email|provider|scope|scopes|path|file|image|version|created_at|updated_at|expires_at|enabled|format|algorithm)$/i;
/** Matched on a line without its trailing spaces (a lazy value before them read the rest of a long line at each character). */
const SECTION_YAML_LINE = /^[ \t]*(?:-[ \t]+)?(?:(["']?)([\w.@-]{1,64})\1[ \t]*:(?:[ \t]+|$))?(.*)$/;
const SECTION_TOML_LINE = /^[ \t]*(["']?)([\w.@-]{1,64})\1[ \t]*=[ \t]*(.*)$/;
const SECTION_LINES = 64;

/**
 * The values under a secret-named YAML key alone on its line (`secrets:`, `api_keys:` and the
 * deeper-indented mapping or list below: Helm values, `credentials:` → `default:` → `value: …`) or
 * under a TOML/INI section named like one (`[passwords]`, `[credentials]`: Streamlit's
 * secrets.toml), up to 64 lines: each scalar that looks generated (eight or more characters, no
 * spaces), not under a key that describes it (`name`, `type`, `region`…). Conservative: a word
 * or a short password there is kept. Null when `at` is in no such key.
 */
export function sectionValues(text: string, at: number, accept: (name: string, start: number) => boolean): [number, number][] | null {
  const left = runStart(text, at, NAME, MAX_NAME + 1);
  const right = runEnd(text, at, NAME, at + MAX_NAME + 1);
  if (at - left > MAX_NAME || right - at > MAX_NAME || right === left) return null;
  const close = text.charCodeAt(right);
  const toml = close === 93 && text.charCodeAt(left - 1) === 91;
  if (close !== 58 && !toml) return null;
  const start = lineStart(text, left);
  if (!(toml ? /^[ \t]*$/ : /^[ \t]*(?:-[ \t]+)?$/).test(text.slice(start, toml ? left - 1 : left))) return null;
  const eol = /^[ \t]*(?:#[^\n]{0,200})?\r?\n/.exec(text.slice(right + 1, right + 256));
  if (!eol || !accept(text.slice(left, right), left)) return null;
  const keyIndent = left - start;
  const values: [number, number][] = [];
  let line = right + 1 + eol[0].length;
  for (let n = 0; n < SECTION_LINES && line < text.length; n++) {
    const newline = text.slice(line, line + MAX_VALUE + 1).indexOf('\n');
    const next = newline < 0 ? Math.min(text.length, line + MAX_VALUE) : line + newline;
    const raw = text.slice(line, next);
    const indent = indentAt(text, line);
    if (indent >= 0 && !/^[ \t]*#/.test(raw)) {
      if (toml ? /^[ \t]*\[/.test(raw) : indent <= keyIndent) break;
      const m = (toml ? SECTION_TOML_LINE : SECTION_YAML_LINE).exec(raw.trimEnd());
      if (m && m[3] && !(m[2] && SECTION_METADATA.test(m[2]))) {
        let from = line + m[0].lastIndexOf(m[3]);
        let value = m[3];
        if (isQuote(value.charCodeAt(0))) {
          const q = quotedValue(text, from + 1, value[0]!);
          [from, value] = q && q[1] <= next ? [q[0], text.slice(q[0], q[1])] : [from, ''];
        } else if (value.includes(' #')) {
          value = value.slice(0, value.indexOf(' #')).trimEnd();
        }
        if (value.length >= 8 && !/\s/.test(value) && looksRandom(value) && !value.includes('://') && !REFERENCE.test(value) && !NOT_A_VALUE.test(value) && !MASKED.test(value)) values.push([from, from + value.length]);
      }
    }
    line = next + 1;
  }
  return values;
}
