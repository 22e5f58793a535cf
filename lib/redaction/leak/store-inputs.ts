/**
 * A secret store's command fed by the shell's redirections rather than `echo … |`: a here-string
 * (`wrangler secret put NAME <<< PW`) and a here-doc's lines (`cat <<EOF | wrangler secret put NAME`
 * or `gh secret set NAME <<'EOF'`, then the secret, then `EOF`). Found from `<<` (two characters of
 * one kind: rare in prose, a shift or a stream in code), raw, as the export's JSON string (`\n`
 * between the lines) and in a CSV field (quotes doubled).
 */
import type { LeakHit } from '../leak-detector.js';
import { hit } from './values.js';
import { storeReading, storedValue, vaultReadsInput } from './secret-stores.js';

/** A store's command ending the words before the redirection (`$ npx wrangler secret put NAME `), with its words after the subcommand. */
const STORE_BEFORE = /(?:^|[\s;&|(`"'])(?:(?:sudo|npx|bunx|pnpm(?:[ \t]+dlx)?|yarn(?:[ \t]+dlx)?)[ \t]+)*(?:(wrangler)(?:\.cmd)?[ \t]+secret[ \t]+put|(gh)(?:\.exe)?[ \t]+secret[ \t]+set|(fly(?:ctl)?)(?:\.exe)?[ \t]+secrets[ \t]+import|(doppler)(?:\.exe)?[ \t]+secrets[ \t]+set|(kubectl)(?:\.exe)?[ \t]+create[ \t]+secret|(docker)(?:\.exe)?[ \t]+secret[ \t]+create|(gcloud)(?:\.cmd)?[ \t]+secrets[ \t]+(?:create|versions[ \t]+add)|(vercel)(?:\.cmd)?[ \t]+env[ \t]+add)(?=[ \t]|$)([^\n;&|<>"']{0,256})$/;
/** pass's `insert` ending the words before the redirection: it stores what its input holds. */
const PASS_BEFORE = /(?:^|[\s;&|(`"'])(?:sudo[ \t]+)?pass[ \t]+insert(?=[ \t]|$)([^\n;&|<>"']{0,256})$/;
/** Vault's `kv put|patch` or `write` ending the words before the redirection, with its words after the subcommand. */
const VAULT_BEFORE = /(?:^|[\s;&|(`"'])vault(?:\.exe)?[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:kv[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:put|patch)|write)(?=[ \t])([^\n;&|<>]{0,256})$/;

/** The store whose command the words end (`gh secret set NAME `, `pass insert -e x `) and its words after the subcommand, or null. */
function storeBefore(words: string): { store: string; rest: string } | null {
  const command = STORE_BEFORE.exec(words);
  const store = command ? storeReading(command) : null;
  if (store) return { store, rest: command![9]! };
  const pass = PASS_BEFORE.exec(words);
  if (pass) return { store: 'pass', rest: pass[1]! };
  // `vault kv put secret/app password=- <<< PW`: a key given `-` takes the input.
  const vault = words.includes('vault') ? VAULT_BEFORE.exec(words) : null;
  return vault && vaultReadsInput(vault[1]!) ? { store: 'vault', rest: vault[1]! } : null;
}

/** `cat` (or `cat -`) right before the here-doc: its lines go into the pipe after the marker. */
const CAT_BEFORE = /(?:^|[\s;&|(`"'])cat(?:[ \t]+-)?[ \t]*$/;
/** A here-string's word: quoted raw, JSON-escaped or CSV-doubled, or bare. */
const HERE_STRING = /<<<[ \t]*(\\*["']|""|)([^\s"'|;&<>$`\\]{1,256})/y;
/** A here-doc's operator and marker (`<<EOF`, `<<-'EOF'`, JSON's `<<\"EOF\"`, CSV's `<<""EOF""`). */
const HERE_DOC = /<<(-?)[ \t]*(\\*["']|""|)([A-Za-z_]\w{0,31})\2/y;
/** The pipe into the store after the marker, and the store's command to its segment's end (a raw or JSON-escaped line break, an operator). */
const PIPE_AFTER = /[ \t]*\|[ \t]*((?:[^\n;&|\\]|\\(?!n)){1,300})/y;
/** Where a command's words start: after `|`, `;`, `&` or a line break. */
const SEGMENT_STOP = new Set([124, 59, 38, 10]);
/** Lines of a body read at most. */
const MAX_LINES = 32;

/** Here-strings and here-docs into a secret store's command, each stretch of text read once. */
export function storeRedirections(text: string, hits: LeakHit[]): void {
  let read = 0;
  for (let at = text.indexOf('<<'); at >= 0; at = text.indexOf('<<', Math.max(at + 2, read))) {
    // The command's words before the operator: back to an operator or a line break, not past what was read.
    let from = at;
    const floor = Math.max(read, at - 300);
    while (from > floor && !SEGMENT_STOP.has(text.charCodeAt(from - 1)) && !(text.charCodeAt(from - 1) === 110 && text.charCodeAt(from - 2) === 92)) from--;
    read = at;
    const before = text.slice(from, at);
    if (text.startsWith('<<<', at)) {
      read = at + 3;
      const command = storeBefore(before);
      HERE_STRING.lastIndex = at;
      const word = command ? HERE_STRING.exec(text) : null;
      if (!word) continue;
      // `fly secrets import <<< 'NAME=VALUE'`: the value.
      const eq = command!.store.startsWith('fly') ? word[2]!.indexOf('=') + 1 : 0;
      report(HERE_STRING.lastIndex - word[2]!.length + eq, word[2]!.slice(eq), command!.store, command!.rest, hits);
      continue;
    }
    HERE_DOC.lastIndex = at;
    const doc = HERE_DOC.exec(text);
    if (!doc) continue;
    let command = storeBefore(before);
    if (!command && CAT_BEFORE.test(before)) {
      // `cat <<EOF | wrangler secret put NAME`: the store after the pipe, on the operator's line.
      PIPE_AFTER.lastIndex = HERE_DOC.lastIndex;
      const pipe = PIPE_AFTER.exec(text);
      command = pipe ? storeBefore(` ${pipe[1]!.replace(/[ \t]+$/, '')}`) : null;
    }
    if (command) read = hereDocBody(text, HERE_DOC.lastIndex, { marker: doc[3]!, tabs: doc[1] === '-' }, command.store, command.rest, hits);
  }
}

/**
 * The body's lines from the line below `from` up to the marker's line, each a secret (the value of
 * a `NAME=VALUE` line for `fly secrets import`); returns where reading stopped.
 */
function hereDocBody(text: string, from: number, doc: { marker: string; tabs: boolean }, store: string, rest: string, hits: LeakHit[]): number {
  const raw = text.indexOf('\n', from);
  const escaped = text.indexOf('\\n', from);
  // Lines end as the operator's does: raw (and in a CSV field), or as `\n` in the export's JSON string.
  const json = escaped >= 0 && (raw < 0 || escaped < raw);
  const separator = json ? '\\n' : '\n';
  const breakAt = json ? escaped : raw;
  if (breakAt < 0 || breakAt - from > 1024) return from;
  const closing = new RegExp(`^${doc.marker}(?:\\r|\\\\r|"|$)`);
  let start = breakAt + separator.length;
  for (let n = 0; n < MAX_LINES && start < text.length; n++) {
    const next = text.indexOf(separator, start);
    const end = next < 0 || next - start > 4096 ? Math.min(text.length, start + 4096) : next;
    let lead = start;
    while (doc.tabs && (text.charCodeAt(lead) === 9 || (json && text.startsWith('\\t', lead)))) lead += text.charCodeAt(lead) === 9 ? 1 : 2;
    const line = text.slice(lead, end);
    // The marker's line closes it (the export's JSON or CSV may close the string right after it).
    if (closing.test(line)) return end;
    const eq = store.startsWith('fly') ? line.indexOf('=') + 1 : 0;
    const value = /^[ \t]*(\\*["']|"")?([^\s"'\\]{1,256})/.exec(line.slice(eq));
    if (value) report(lead + eq + value[0].length - value[2]!.length, value[2]!, store, rest, hits);
    if (next !== end) return end;
    start = next + separator.length;
  }
  return start;
}

/** A generated-looking literal fed to the store at `start`: a hit. */
function report(start: number, value: string, store: string, rest: string, hits: LeakHit[]): void {
  if (storedValue(store, rest, value)) hits.push(hit('command_password', value, start, start + value.length));
}
