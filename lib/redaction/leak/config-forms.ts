/** Secrets in config forms: `ENV`/`SetEnv`/`setenv` lines, markup's named values, Terraform variables' defaults, C macros and `name`/`value` pairs. */
import { isCode } from './code-shape.js';
import type { LeakHit } from '../leak-detector.js';
import { lineStartBefore } from './lines.js';
import { settingUpdate } from './tables.js';
import { generated, hit, isTokenChar, looksSecret, valueEnd } from './values.js';
import { NOT_SECRET_KEY, secretName } from './words.js';

/** Before `value`: a `name` or `key` naming a secret, on the same line or the line before (`- name: X` / `  value: …`). */
const NAMED_BEFORE = /(?:^|[^\w.-])\\*["']?(?:name|key)\\*["']?[ \t]*[:=][ \t]*\\*["']?([\w.-]{1,64})\\*["']?[ \t]*[,;]?[ \t]*(?:\r?\n[ \t]*|\\n[ \t]*)?\\*["']?$/i;

const VALUE_KEY = /^value(?:""|\\*["'])?[ \t]*[:=][ \t]*(?:""|\\*["'])?/i;
/** A 1Password field's `"type": "CONCEALED"` (or `OTP`) earlier in the same object, before its `value`. */
const CONCEALED_BEFORE = /(?:\\*"|"")type(?:\\*"|"")[ \t]*:[ \t]*(?:\\*"|"")(?:CONCEALED|OTP)(?:\\*"|"")[^{}]{0,200}$/;

/** `{"name": "API_TOKEN", "value": "…"}`, `- name: DB_PASSWORD` then `value: …`, `<add key="ApiKey" value="…"/>`: the value, found from `value`. */
export function namedValues(text: string, hits: LeakHit[]): void {
  for (let at = text.indexOf('value'); at >= 0; at = text.indexOf('value', at + 5)) {
    if (at > 0 && isTokenChar(text.charCodeAt(at - 1))) continue;
    const key = VALUE_KEY.exec(text.slice(at, at + 24));
    if (!key) continue;
    const named = NAMED_BEFORE.exec(text.slice(Math.max(0, at - 160), at));
    const from = at + key[0].length;
    const end = valueEnd(text, from);
    const value = text.slice(from, end);
    // `{"type": "CONCEALED", "label": "db-conn", "value": "…"}` (`op item get --format json`, op's item templates).
    const concealed = !key[0].includes('=') && (!named || !secretName(named[1]!)) && CONCEALED_BEFORE.test(text.slice(Math.max(0, at - 240), at));
    if (concealed && looksSecret(value, 10, 3) && generated(value)) hits.push(hit('secret_assignment', value, from, end));
    if (concealed) continue;
    if (!named || !secretName(named[1]!)) {
      // SQL's `SET value = '…'` and an attribute's `value="…"`: an `=` only.
      if (!key[0].includes('=')) continue;
      if (settingUpdate(text, at, end)) {
        if (looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, from, end));
      } else if (passwordInput(text, at)) {
        // CSV doubles the attribute's quotes: `value=""…""`.
        const inner = text[from] === '"' ? from + 1 : from;
        const innerEnd = valueEnd(text, inner);
        const attribute = text.slice(inner, innerEnd);
        if (looksSecret(attribute) && generated(attribute)) hits.push(hit('secret_assignment', attribute, inner, innerEnd));
      }
      continue;
    }
    if (looksSecret(value, 10, 3) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, from, end));
  }
}

/** A Dockerfile's `ENV NAME value`, Apache's `SetEnv NAME value`, csh's `setenv NAME value`: the directive, a name, a space, the value. */
const ENV_DIRECTIVE = /^(?:ENV|SetEnv|setenv)[ \t]+([A-Za-z_][\w.-]{0,63})[ \t]+(?:\\*["'])?/;

/** `ENV DB_PASSWORD …`, `SetEnv API_KEY …`, `setenv API_TOKEN …` at a line's start (or a JSON string's): a generated-looking value after a secret's name. */
export function envDirectives(text: string, hits: LeakHit[]): void {
  // Found from their last letter and the space (`v `, `V `: rare; the whole words are slow needles for indexOf).
  for (const [needle, words] of [['v ', ['setenv', 'SetEnv']], ['V ', ['ENV']]] as const) {
    for (let v = text.indexOf(needle); v >= 0; v = text.indexOf(needle, v + 2)) {
      const word = words.find((w) => text.startsWith(w, v + 1 - w.length));
      if (word === undefined) continue;
      const at = v + 1 - word.length;
      // At a line's start (raw or JSON-escaped) or a JSON string's.
      if (!/(?:^|"|\\n|\n)[ \t]*$/.test(text.slice(Math.max(0, lineStartBefore(text, at) - 2), at))) continue;
      const m = ENV_DIRECTIVE.exec(text.slice(at, at + 100));
      if (!m || !secretName(m[1]!)) continue;
      const start = at + m[0].length;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
    }
  }
}

/** A secret's name in markup: `<entry key="password">…</entry>` (Java's properties XML), `<property name="password"><value>…</value>` (Spring), `<setting name="Password" …><value>…</value>` (.NET). */
const MARKUP_NAME = /<(?:entry[ \t]+key|property[ \t]+name|setting[ \t]+name)[ \t]*=[ \t]*(?:\\*["']){1,2}([\w.-]{1,64})(?:\\*["']){1,2}[^<>]{0,128}>(?:[ \t\r\n]|\\[nrt])*(?:<value>)?$/;

/** Markup's secret values, found from `<value>` and `<entry key=`: the element's text, when generated-looking. */
export function markupValues(text: string, hits: LeakHit[]): void {
  for (const needle of ['<value>', '<entry key=']) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
      let start = at;
      if (needle === '<entry key=') {
        const close = text.slice(at, at + 160).indexOf('>');
        if (close < 0) continue;
        start = at + close + 1;
      } else {
        start = at + needle.length;
      }
      const named = MARKUP_NAME.exec(text.slice(Math.max(0, at - 192), start));
      if (!named || !secretName(named[1]!)) continue;
      const end = valueEnd(text, start);
      const value = text.slice(start, end);
      if (text[end] === '<' && looksSecret(value) && generated(value)) hits.push(hit('secret_assignment', value, start, end));
    }
  }
}

/** An HTML password field's value (`<input type="password" value="…">`, in either order), the `value` at `at`. */
function passwordInput(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 256), at);
  const open = before.lastIndexOf('<');
  if (open < 0 || before.includes('>', open) || !/^<input\b/i.test(before.slice(open))) return false;
  const tail = text.slice(at, at + 512);
  const close = tail.indexOf('>');
  const tag = before.slice(open) + (close < 0 ? tail : tail.slice(0, close));
  return /\btype[ \t]*=[ \t]*(?:\\*["']){0,2}password\b/i.test(tag);
}

/** A Terraform variable named like a secret: `variable "db_password" {` then its `default = "…"` line, within the block. */
const TERRAFORM_VARIABLE = /^variable[ \t]+(?:\\*"){1,2}([\w-]{1,64})(?:\\*"){1,2}[ \t]*\{/;

const TERRAFORM_DEFAULT = /(?:^|\n|\\n)[ \t]*default[ \t]*=[ \t]*(?:\\*"){1,2}/;

export function terraformDefaults(text: string, hits: LeakHit[]): void {
  // Found from the name's closing quote and the block's brace (`" {`: rare; `variable ` is a slow needle for indexOf).
  for (let brace = text.indexOf('" {'); brace >= 0; brace = text.indexOf('" {', brace + 3)) {
    const head = text.slice(Math.max(0, brace - 90), brace + 3);
    const at = head.lastIndexOf('variable');
    if (at < 0) continue;
    const m = TERRAFORM_VARIABLE.exec(head.slice(at));
    if (!m || !secretName(m[1]!)) continue;
    // The block: up to a `}` at a line's start, within 1 KiB.
    const from = brace + 3;
    let block = text.slice(from, from + 1024);
    const close = block.search(/(?:\n|\\n)\}/);
    if (close >= 0) block = block.slice(0, close);
    const d = TERRAFORM_DEFAULT.exec(block);
    if (!d) continue;
    const start = from + d.index + d[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** C's `#define API_KEY "…"`: a secret-named macro and its literal (or a bare word). */
const DEFINE = /^#[ \t]*define[ \t]+([A-Za-z_]\w{0,63})[ \t]+(?:\\*["']){0,2}/;

export function defines(text: string, hits: LeakHit[]): void {
  for (let d = text.indexOf('define'); d >= 0; d = text.indexOf('define', d + 6)) {
    let at = d;
    while (at > 0 && d - at < 8 && (text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) at--;
    if (text[--at] !== '#') continue;
    const m = DEFINE.exec(text.slice(at, at + 120));
    if (!m) continue;
    const name = m[1]!;
    // A key name's value must look generated, as after `=` (`CACHE_KEY "v2"` stays); `MAX_TOKENS` is a count.
    const keyName = /(?:_KEY|_key|Key)$/.test(name) && !/(?:api|access|secret|priv(?:ate)?)[-_]?key$/i.test(name);
    if ((!secretName(name) && !keyName) || /tokens$/i.test(name)) continue;
    if (keyName && name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).slice(0, -1).some((w) => NOT_SECRET_KEY.has(w))) continue;
    const start = at + m[0].length;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (looksSecret(value) && (!keyName || generated(value)) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}

/** A plist's key before its `<string>`: `<key>APIKey</key>`, then spaces, line breaks (raw or JSON-escaped) and comments only. */
const PLIST_KEY = /<key>([\w.-]{1,64})<\/key>(?:[ \t\r\n]|\\[nrt]|<!--[^<>]{0,128}-->)*$/;
/** Android's string resource named like a secret: `<string name="api_key" …>`, either quote, raw, JSON-escaped or CSV-doubled. */
const ANDROID_STRING = /^<string[ \t]+name[ \t]*=[ \t]*(\\*["']{1,2})([\w.-]{1,64})\1[^<>]{0,128}>/;

/** A plist's `<key>password</key><string>…</string>` and Android's `<string name="api_key">…</string>`: the string, when generated-looking. */
export function markupPairs(text: string, hits: LeakHit[]): void {
  for (let at = text.indexOf('<string'); at >= 0; at = text.indexOf('<string', at + 7)) {
    let start: number;
    let name: string;
    if (text.charCodeAt(at + 7) === 62) {
      const key = PLIST_KEY.exec(text.slice(Math.max(0, at - 256), at));
      if (!key) continue;
      name = key[1]!;
      start = at + 8;
    } else {
      const android = ANDROID_STRING.exec(text.slice(at, at + 256));
      if (!android) continue;
      name = android[2]!;
      start = at + android[0].length;
    }
    if (!secretName(name) || /tokens$/i.test(name)) continue;
    const end = valueEnd(text, start);
    const value = text.slice(start, end);
    if (text.startsWith('</string>', end) && looksSecret(value) && generated(value) && !isCode(value, text.charCodeAt(end))) hits.push(hit('secret_assignment', value, start, end));
  }
}
