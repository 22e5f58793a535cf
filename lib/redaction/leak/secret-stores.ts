/**
 * Values given to a secret store's command: a literal piped into one that reads the secret from its
 * input (`echo PW | wrangler secret put NAME`, `| vercel env add`, `| gh secret set`, `| fly secrets
 * import`, `| doppler secrets set`, `| kubectl create secret … =/dev/stdin`, `| docker secret create
 * NAME -`, `| gcloud secrets create … --data-file=-`), `aws ssm put-parameter`'s `--value` for a
 * SecureString or a parameter named like a secret, and `az keyvault secret set`'s `--value`.
 */
import type { LeakHit } from '../leak-detector.js';
import { lineStartBefore, printfBreak } from './lines.js';
import { generated, hit, isPlaceholder, looksSecret } from './values.js';
import { secretName } from './words.js';

/** The store's command right after a pipe, and the words after its subcommand to the segment's end. */
const STORE = /[ \t]*(?:(?:sudo|npx|bunx|pnpm(?:[ \t]+dlx)?|yarn(?:[ \t]+dlx)?)[ \t]+)*(?:(wrangler)(?:\.cmd)?[ \t]+secret[ \t]+put|(gh)(?:\.exe)?[ \t]+secret[ \t]+set|(fly(?:ctl)?)(?:\.exe)?[ \t]+secrets[ \t]+import|(doppler)(?:\.exe)?[ \t]+secrets[ \t]+set|(kubectl)(?:\.exe)?[ \t]+create[ \t]+secret|(docker)(?:\.exe)?[ \t]+secret[ \t]+create|(gcloud)(?:\.cmd)?[ \t]+secrets[ \t]+(?:create|versions[ \t]+add)|(vercel)(?:\.cmd)?[ \t]+env[ \t]+add)(?=[ \t]|\\?["']|$)([^\n;&|"']{0,256})/y;

/** pass's `insert` right after a pipe. */
const PASS_INSERT = /[ \t]*(?:sudo[ \t]+)?pass[ \t]+insert(?=[ \t])/y;

/** Vault's `kv put|patch` or `write` right after a pipe (variables before it), with its words to the segment's end. */
const VAULT_WRITE = /[ \t]*(?:sudo[ \t]+)?(?:[A-Za-z_]\w{0,63}=\S{0,256}[ \t]+){0,4}vault(?:\.exe)?[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:kv[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:put|patch)|write)(?=[ \t])([^\n;&|]{0,256})/y;
/** A key among vault's words that reads its value from the input: `password=-` (any key), quoted or not. */
const VAULT_FROM_INPUT = /(?:^|[ \t])\\*["']?[\w.-]{1,64}=-(?=[ \t<"'\\]|$)/;

/** Whether vault's words (after its subcommand) give a key `-`, so the command's input is that key's value. */
export function vaultReadsInput(rest: string): boolean {
  return VAULT_FROM_INPUT.test(rest);
}

/** `echo [-n] LITERAL` or `printf ['%s'] LITERAL` ending right before the pipe; quoted raw, JSON-escaped (once or more) or CSV-doubled. */
const PRODUCER = /(?:^|[\s;&("'])(?:echo(?:\s+-[neE]+)*|printf(?:\s+(\\*["']|"")%[sb](?:\\+n)?\1)?)\s+(\\*["']|""|)([^\s"'|;&<>$`\\]{1,256})(?:\\+n)?\2\s*$/;

/** Whether the store reads the secret from its input, given the words after its subcommand. */
function readsInput(store: string, rest: string): boolean {
  switch (store) {
    case 'gh':
      return !/(?:^|[ \t])(?:--body\b|-b)/.test(rest);
    case 'kubectl':
      return /=\/dev\/stdin(?:[ \t]|$)/.test(rest);
    case 'docker':
      return /(?:^|[ \t])-(?:[ \t]|$)/.test(rest);
    case 'gcloud':
      return /--data-file[= ]-(?:[ \t]|$)/.test(rest);
    default:
      return true;
  }
}

/** The store a command's match names (groups 1–8) when it reads the secret from its input (group 9: its words after the subcommand), or null. */
export function storeReading(command: RegExpExecArray): string | null {
  const store = command.slice(1, 9).find((g) => g !== undefined)!.toLowerCase();
  return readsInput(store, command[9]!) ? store : null;
}

/** Whether a literal fed to a store looks like a secret's value; `rest` is the command's words after its subcommand. */
export function storedValue(store: string, rest: string, value: string): boolean {
  if (isPlaceholder(value) || value.startsWith('$') || !looksSecret(value, 10, 3) || !generated(value)) return false;
  // vercel's variables are settings as often as secrets: under a name that is no secret's, only a key-length value (as the rules).
  return store !== 'vercel' || secretName(/^[ \t]*([\w.-]*)/.exec(rest)![1]!) || looksSecret(value);
}

/** A literal piped into a secret store's command: found from the pipe (`| `: rare in prose and code, one short needle). */
export function storePipes(text: string, hits: LeakHit[]): void {
  for (let at = text.indexOf('| '); at >= 0; at = text.indexOf('| ', at + 2)) {
    if (text.charCodeAt(at - 1) === 124) continue;
    STORE.lastIndex = at + 1;
    const command = STORE.exec(text);
    PASS_INSERT.lastIndex = at + 1;
    VAULT_WRITE.lastIndex = at + 1;
    // `| pass insert NAME` (with `-e`, `-m` or not) and `| vault kv put PATH KEY=-` read the secret from their input too.
    const vault = command ? null : VAULT_WRITE.exec(text);
    const store = command ? storeReading(command) : PASS_INSERT.test(text) ? 'pass' : vault && vaultReadsInput(vault[1]!) ? 'vault' : null;
    if (!store) continue;
    // The segment before the pipe: back to the previous operator or line break (raw or JSON-escaped; not a printf format's `\n`), 300 characters at most.
    let from = at;
    for (let formats = 0; from > 0 && at - from < 300 && !/[|;&\n]/.test(text[from - 1]!); from--) {
      if (text[from - 1] === 'n' && text.charCodeAt(from - 2) === 92 && (formats++ >= 4 || !printfBreak(text, from))) break;
    }
    const produced = PRODUCER.exec(text.slice(from, at));
    if (!produced) continue;
    let value = produced[3]!;
    let start = from + produced.index + produced[0].lastIndexOf(value);
    // `fly secrets import` reads `NAME=VALUE` lines.
    const eq = store.startsWith('fly') ? value.indexOf('=') : -1;
    if (eq >= 0) {
      value = value.slice(eq + 1);
      start += eq + 1;
    }
    if (!storedValue(store, command?.[9] ?? '', value)) continue;
    hits.push(hit('command_password', value, start, start + value.length));
  }
}

/** `aws ssm put-parameter` earlier in the command. */
const SSM_PUT = /(?:^|[\s;&(`"'])aws(?:\.exe|\.cmd)?[ \t]+(?:--?[\w-]+(?:[ =][^\s-]\S*)?[ \t]+)*ssm[ \t]+put-parameter[ \t]/;

/** A `\` continuing a command on the next line (raw, or as the export's JSON writes it: `\\\n`), and the next line's indent. */
const CONTINUED = /\\(?:\r?\n|\\\\n)[ \t]*/g;

/** `az keyvault secret set` earlier in the command: every value it sets is a secret. */
const KEYVAULT_SET = /(?:^|[\s;&(`"'])az(?:\.exe|\.cmd)?[ \t]+(?:--?[\w-]+(?:[ =][^\s-]\S*)?[ \t]+)*keyvault[ \t]+secret[ \t]+set[ \t]/;

/**
 * Where the command holding `at` starts: its line's start, or an earlier line's when the lines before
 * end in a `\` that continues the command (raw, or as the export's JSON writes it: `\\\n`), eight lines back at most.
 */
function commandStartBefore(text: string, at: number): number {
  let start = lineStartBefore(text, at);
  for (let lines = 0; lines < 8 && start > 1; lines++) {
    const raw = text.charCodeAt(start - 1) === 10 ? (text.charCodeAt(start - 2) === 13 ? start - 2 : start - 1) : -1;
    const continued = raw > 0 ? text.charCodeAt(raw - 1) === 92 : text.startsWith('\\\\\\n', start - 4);
    if (!continued) break;
    start = lineStartBefore(text, raw > 0 ? raw - 1 : start - 4);
  }
  return start;
}

/**
 * `aws ssm put-parameter … --value PW` when the parameter is a SecureString or its name's last part
 * names a secret (`--name /prod/db-password`), and `az keyvault secret set … --value PW` (over its
 * continued lines too), found from `-value` (a short needle led by a rare character).
 */
export function ssmParameters(text: string, hits: LeakHit[]): void {
  for (let at = text.indexOf('-value'); at >= 0; at = text.indexOf('-value', at + 6)) {
    if (text.charCodeAt(at - 1) !== 45 || !/[ \t=]/.test(text[at + 6] ?? '')) continue;
    // `az \` then `  keyvault secret set …`: the words of its continued lines, joined.
    const head = text.slice(commandStartBefore(text, at), at - 1).replace(CONTINUED, ' ').split(/&&|\|\||[;|]/).pop()!;
    const keyvault = KEYVAULT_SET.test(head);
    if (!keyvault && !SSM_PUT.test(head)) continue;
    const tail = text.slice(at + 6, at + 1024);
    const stop = tail.search(/[\n;&|]|\\n/);
    const segment = head + (stop < 0 ? tail : tail.slice(0, stop));
    const name = /--name[ \t=]+\\*["']?([^\s"'\\]+)/.exec(segment);
    if (!keyvault && !/--type[ \t=]+\\*["']?SecureString\b/.test(segment) && !(name && secretName(name[1]!.split('/').pop()!))) continue;
    const m = /^[ \t=]+(\\*["']|""|)([^\s"'\\]{1,256})/.exec(tail);
    if (!m) continue;
    const value = m[2]!;
    // az reads an argument led by `@` from a file.
    if (isPlaceholder(value) || value.startsWith('$') || (keyvault && value.startsWith('@')) || !looksSecret(value, 10, 3) || !generated(value)) continue;
    const start = at + 6 + m[0].length - value.length;
    hits.push(hit('secret_assignment', value, start, start + value.length));
  }
}
