/** Passwords on command lines: curl, mysql, sshpass, registry logins, piped `--password-stdin`, htpasswd, and secrets given as arguments to commands found by name. */
import type { LeakHit } from '../leak-detector.js';
import { type ArraysRead, arrayWalk, readArray } from './argument-arrays.js';
import { LINE_REACH, commandLineStart, lineStartBefore, nextWord } from './lines.js';
import { hit, isPlaceholder, isValueChar, looksSecret, valueEnd } from './values.js';

const COMMAND = /(?:^|[\s/;&|("'`])(?:(?:curl|mysql|mariadb|sshpass|mongo)[\w.-]{0,16}\s|az\s+login\s|(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s)/;

/** Where a spaced `-p PW` is a password: not mysql's or mariadb's, whose spaced `-p` prompts and the next word is the database. */
const SPACED_P_COMMAND = /(?:^|[\s/;&|("'`])(?:(?:sshpass|mongo)[\w.-]{0,16}\s|az\s+login\s|(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s)/;

/**
 * curl's `-u user:PW` (`--user`), mysql's `-pPW`, sshpass's and docker login's `-p PW`, found from the `-u` and
 * `-p` (indexOf costs a fraction of a regex pass), judged by the value, then by the command
 * earlier on the same line.
 */
export function commandPasswords(text: string, hits: LeakHit[], arrays?: ArraysRead): void {
  for (const flag of ['-u', '-p']) {
    const walk = arrayWalk();
    for (let at = text.indexOf(flag); at >= 0; at = text.indexOf(flag, at + 2)) {
      // An argument array's element (`["mysql", "-uroot", "-p…"]`): the array as one line.
      if (arrays && (text[at - 1] === '"' || text[at - 1] === "'")) readArray(text, at, walk, arrays, hits, arrayLine);
      let from = at + 2;
      let flagStart = at;
      if (flag === '-u' && text.startsWith('--user', at - 1)) {
        from = at + 5;
        flagStart = at - 1;
        if (text[from] !== '=' && text[from] !== ' ') continue;
        from++;
      } else if (flag === '-u' && text[from] === ' ') {
        from++;
      }
      const before = text.charCodeAt(flagStart - 1);
      if (before !== 32 && before !== 9) continue;
      const spacedP = flag === '-p' && text[from] === ' ';
      if (spacedP) {
        while (text[from] === ' ') from++;
        if (text[from] === '-') continue;
      }
      if (text[from] === '"' || text[from] === "'") from++;
      if (flag === '-u') {
        let colon = from;
        while (colon < text.length && colon - from < 64 && isValueChar(text.charCodeAt(colon))) colon++;
        if (text[colon] !== ':') continue;
        from = colon + 1;
      }
      const end = valueEnd(text, from);
      const value = text.slice(from, end);
      if (!looksSecret(value, 10, 3)) continue;
      const lineStart = lineStartBefore(text, flagStart);
      // The command the flag belongs to: `docker login x && docker run -p 80:80` is two.
      const command = text.slice(lineStart, flagStart).split(/&&|\|\||[;|]/).pop()!;
      if ((spacedP ? SPACED_P_COMMAND : COMMAND).test(command)) hits.push(hit('command_password', value, from, end));
    }
  }
}

/** A literal written into a registry login's `--password-stdin`: `echo PW |`, `printf '%s' PW |`, then `… login …` on the same line. */
const PIPED_LITERAL = /(?:^|[\s;&("'])(?:echo(?:\s+-[neE]+)*|printf(?:\s+(\\*["']|"")%[sb](?:\\+n)?\1)?)\s+(\\*["']?|"")([^\s"'|;&<>$`\\]{1,256})(?:\\+n)?\2\s*\|(?!\|)[^|\n]*?(?:docker|podman|buildah|nerdctl|skopeo|oras|crane(?:\s+auth)?|helm\s+registry)(?:\.exe)?\s+login\s[^|\n]*$/;

/** `echo PW | docker login --password-stdin` and a here-string (`--password-stdin <<< PW`). */
export function pipedPasswords(text: string, hits: LeakHit[]): void {
  for (let at = nextWord(text, '--password-stdin', '-stdin', 10, 0); at >= 0; at = nextWord(text, '--password-stdin', '-stdin', 10, at + 16)) {
    // `printf 'PW\n' | docker login …`: the format's `\n` is no line break.
    const lineStart = commandLineStart(text, at);
    const piped = PIPED_LITERAL.exec(text.slice(lineStart, at));
    const here = piped ? null : /^[^\n|;&<]{0,128}<<<[ \t]*(\\?["']?)([^\s"'|;&<>$`\\]{1,256})\1/.exec(text.slice(at + 16, at + 420));
    const value = piped?.[3] ?? here?.[2];
    if (value === undefined || !looksSecret(value, 10, 3)) continue;
    const start = piped ? lineStart + piped.index + piped[0].lastIndexOf(value) : at + 16 + here!.index + here![0].length - value.length - here![1]!.length;
    hits.push(hit('command_password', value, start, start + value.length));
  }
}

/** A shell word, quoted or not; it ends at a quote too: in JSON output the next one closes the string the command is in. */
const SHELL_WORD = /[ \t]*(\\?(["'])[^"'\\\n]{1,256}\\?\2|[^\s;&|"'\\]+)/y;

/** `htpasswd -b FILE USER PW`, `htpasswd -nb USER PW`: the word after the user. */
export function htpasswdPasswords(text: string, hits: LeakHit[]): void {
  for (let at = nextWord(text, 'htpasswd ', 'wd ', 6, 0); at >= 0; at = nextWord(text, 'htpasswd ', 'wd ', 6, at)) {
    const before = at > 0 ? text[at - 1]! : ' ';
    // `docker run --entrypoint htpasswd httpd:2 -Bbn user PW`: the image comes first.
    const entrypoint = /--entrypoint[ =]$/.test(text.slice(Math.max(0, at - 13), at));
    at += 9;
    if (!/[\s/;&|(`"'=]/.test(before)) continue;
    // Flags, then the file (unless -n), the user and the password: the words read are this command's, so the next search starts after them.
    let flags = '';
    let want = -1;
    let image = entrypoint;
    const words: [number, string][] = [];
    let pos = at;
    for (;;) {
      SHELL_WORD.lastIndex = pos;
      const m = SHELL_WORD.exec(text);
      if (!m || m.index - pos >= 256) break;
      pos = SHELL_WORD.lastIndex;
      if (image) {
        image = false;
      } else if (want < 0 && /^-[A-Za-z]+$/.test(m[1]!)) {
        flags += m[1];
        // `-C cost`, `-r rounds`: the next word is the flag's.
        if (/[Cr]$/.test(m[1]!)) {
          SHELL_WORD.lastIndex = pos;
          if (!SHELL_WORD.exec(text)) break;
          pos = SHELL_WORD.lastIndex;
        }
      } else {
        if (want < 0) want = flags.includes('n') ? 1 : 2;
        words.push([pos - m[1]!.length, m[1]!]);
        if (words.length > want) break;
      }
    }
    at = Math.max(at, pos);
    const word = words[want];
    if (!flags.includes('b') || word === undefined) continue;
    const quoted = /^(\\?["'])(.*)\1$/.exec(word[1]);
    const value = quoted ? quoted[2]! : word[1];
    const start = word[0] + (quoted ? quoted[1]!.length : 0);
    // `"$(openssl rand -hex 16)"`, `$PW`: made when it runs, not written here.
    if (looksSecret(value, 10, 3) && !/^(?:\[REDACTED|\$)/.test(value)) hits.push(hit('command_password', value, start, start + value.length));
  }
}

/**
 * Commands that take a secret as a plain argument (`wandb login KEY`, `ngrok authtoken T`, `vault
 * login T`, `gh secret set N --body V`, `sqlplus user/PW@db`, `zip -P PW`, `ssh-keygen -N PW`,
 * `openssl -k PW`, curl's `-b 'session=V'`): a rare piece of the command or its flag to search
 * for, the names one of which a flag's line must hold, and the command read on its segment.
 */
const ARGUMENT_COMMANDS: ReadonlyArray<readonly [string, readonly string[], RegExp, readonly number[]]> = [
  ['wandb', [], /\bwandb(?:\.exe)?\s+login\s+(?:--(?:host|cloud|base-url)[ =]\S+\s+|--?[\w-]+\s+)*\\*["']?([A-Za-z0-9_]{20,})(?=[\s"'\\]|$)/, [1]],
  ['grok', [], /\bngrok(?:\.exe)?\s+(?:authtoken|config\s+add-authtoken)\s+\\*["']?([^\s"'\\]+)/, [1]],
  ['vault', [], /\bvault(?:\.exe)?\s+login\s+\\*["']?([^\s"'\\=-][^\s"'\\=]*)(?=[\s"'\\]|$)/, [1]],
  ['qlplus', [], /\bsqlplus(?:\.exe)?\s+(?:-\w+\s+)*\\*["']?[A-Za-z_][\w$#]*\/([^\s/@"'\\]+)/, [1]],
  ['-b', ['secret', 'curl'], /\bgh(?:\.exe)?\s+secret\s+set\s(?:.*?\s)?(?:--body[ =]|-b\s*)\\*["']?([^\s"'\\]+)|\bcurl(?:\.exe)?\s(?:.*?\s)?(?:-b\s*|--cookie[ =])\\*["']?[^\s"'\\=]+=([^\s"'\\;]+)/, [2]],
  ['-P', ['zip', 'keygen', 'sqlcmd', 'bcp'], /\b(?:un)?zip(?:\.exe)?\s(?:.*?\s)?-P\s+\\*["']?([^\s"'\\]+)|\bssh-keygen(?:\.exe)?\s(?:.*?\s)?-P\s+\\*["']?([^\s"'\\]+)|\b(?:sqlcmd|bcp)(?:\.exe)?\s(?:.*?\s)?-P[ \t]*\\*["']?([^\s"'\\]+)/, [1, 2, 3]],
  // The login commands: OpenLDAP's -w, smbclient's -U user%PW, FreeRDP's /p:, HTTPie's -a user:PW, redis' AUTH at its prompt or on redis-cli's line.
  ['-w', ['ldap'], /\bldap\w{0,16}(?:\.exe)?\s(?:.*?\s)?-w\s+\\*["']?([^\s"'\\]+)/, [1]],
  ['-U', ['smbclient'], /\bsmbclient(?:\.exe)?\s(?:.*?\s)?-U[ \t]*\\*["']?[^\s%"']{1,64}%([^\s"'\\]+)/, [1]],
  ['/p:', ['freerdp'], /\b[wx]l?freerdp\w{0,8}(?:\.exe)?\s(?:.*?\s)?\/p:\\*["']?([^\s"'\\]+)/, [1]],
  ['-a', ['http', 'xh'], /\b(?:https?|xh)(?:\.exe)?\s(?:.*?\s)?(?:-a|--auth)[ =]\\*["']?[^\s:"'\\]{1,64}:([^\s"'\\]+)/, []],
  // Windows' `net use [device] \\\\host\\share PW /user:…`, found from the share's backslashes: the first word after the share that is no option (JSON doubles the backslashes).
  ['\\\\', ['net use', 'NET USE'], /\b(?:net|NET)\s+(?:use|USE)\s+(?:(?:[A-Za-z]:|LPT\d:)\s+)?\\*["']?\\{2,4}[^\\\s"']\S*\s+(?:\/\S+\s+)*\\*["']?([^\s"'\\/*][^\s"'\\]*)/, []],
  ['AUTH ', [], /(?:(?:^|[\s>"])(?:[\w.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}(?:\[\d{1,5}\])?>[ \t]*|\b(?:redis|valkey)-cli(?:\.exe)?\s(?:.*?\s)?)AUTH[ \t]+(?:[\w.-]{1,64}[ \t]+)?\\*["']?([^\s"'\\]+)/, []],
  ['-N', ['keygen'], /\bssh-keygen(?:\.exe)?\s(?:.*?\s)?-N\s+\\*["']?([^\s"'\\]+)/, [1]],
  ['-k', ['openssl'], /\bopenssl(?:\.exe)?\s(?:.*?\s)?-k\s+\\*["']?([^\s"'\\]+)/, [1]],
  // `mysqladmin -u root password NEW`: the word after `password` (found from a rare piece of the name).
  ['qladmin', [], /\bmysqladmin(?:\.exe)?(?:[ \t]+(?:-[A-Za-z][ \t]+[^\s"'\\-]\S*|-\S+))*[ \t]+password[ \t]+(?:""|\\*["'])?([^\s"'\\-][^\s"'\\]*)/, []],
];

/** ARGUMENT_COMMANDS' expressions, made once. */
const GLOBAL_PATTERNS = ARGUMENT_COMMANDS.map(([, , pattern]) => new RegExp(pattern.source, 'g'));

/** Where a command ends: a newline (raw or JSON-escaped) or a shell operator. */
const COMMAND_END = /[\n;|&<>]|\\n/;

/**
 * Secrets given as plain arguments, found from the command's name or its flag (then only on a
 * line that names the command: a flag is common, its command is not), and judged on the
 * command's own segment of the line.
 */
export function argumentSecrets(text: string, hits: LeakHit[], arrays?: ArraysRead, inArray = false): void {
  for (const [index, [needle, hints, , inArrays]] of ARGUMENT_COMMANDS.entries()) {
    if (inArray && inArrays.length === 0) continue;
    // Reset before each use: an array read from a needle reads its line with the same expressions.
    const command = GLOBAL_PATTERNS[index]!;
    const walk = arrayWalk();
    // Each segment is read whole, once: the needles inside one already read are passed over.
    let read = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, Math.max(at + needle.length, read))) {
      // An argument array's element (`["zip", "-P", "…"]`, `["wandb", "login", "…"]`): the array as one line.
      if (arrays && inArrays.length > 0 && (hints.length === 0 || text[at - 1] === '"' || text[at - 1] === "'")) readArray(text, at, walk, arrays, hits, arrayLine);
      // A flag stands after a space (gh's `--body` after a dash).
      if (hints.length > 0 && text.charCodeAt(at - 1) !== 32 && !(needle === '-b' && text.startsWith(' --body', at - 2))) continue;
      let head = text.slice(Math.max(0, at - LINE_REACH), at);
      const raw = head.lastIndexOf('\n');
      const escaped = head.lastIndexOf('\\n');
      head = head.slice(Math.max(raw + 1, escaped < 0 ? 0 : escaped + 2));
      if (hints.length > 0 && !hints.some((h) => head.includes(h))) continue;
      // The segment of the line the needle is in: from its command's separator to the next.
      head = head.split(/&&|\|\||[;|]/).pop()!;
      const from = at - head.length;
      const tail = text.slice(at, at + LINE_REACH);
      const stop = tail.search(COMMAND_END);
      read = stop < 0 ? at + tail.length : at + stop;
      const segment = text.slice(from, read);
      command.lastIndex = 0;
      for (let m = command.exec(segment); m; m = command.exec(segment)) {
        const group = m.findIndex((g, k) => k > 0 && g !== undefined);
        // In an array, only the commands whose arrays the rules read (`["sqlcmd", "-P", …]` they keep).
        if (inArray && !inArrays.includes(group)) continue;
        const value = m[group];
        if (value === undefined || isPlaceholder(value) || !looksSecret(value, 10, 3)) continue;
        const start = from + m.index + m[0].lastIndexOf(value);
        hits.push(hit('command_password', value, start, start + value.length));
      }
    }
  }
}

/** An argument array's elements as one command line: read as the line's readers read one (not as an array again). */
function arrayLine(line: string, found: LeakHit[]): void {
  commandPasswords(line, found);
  argumentSecrets(line, found, undefined, true);
}
