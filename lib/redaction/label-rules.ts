/**
 * A secret after a label of words at a line's start, as notes, READMEs and tools print them:
 * `- **Password:** \`…\``, `API key: …`, `OpenAI key: …`, `The API key is …`, `Client secret value: …`, `Secret access key: …`, and
 * `aws configure`'s prompts (`AWS Secret Access Key [None]: …`), and a label before an arrow (`API key → …`). Assignments of one name
 * (`password=…`, `API_KEY: …`) are secret_assignment's.
 */
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { classifyName, isKeyLikeName, nameWords } from './names.js';
import { prosePrefix } from './prose-value.js';
import { builtInRule, charTable, inTable, looksRandom, type ContentRule, type Span } from './rule.js';

/**
 * A line's start, a list or quote marker or a CLI prompt's mark (`? `, `✔ `, `◆ `, `│ `: inquirer, clack), bold, then the label (one to five words, letters and
 * digits), a bracketed default (`[None]`, `[****ABCD]`) or note, bold closing either side of the
 * separator, and the separator (`:`, `=`, a sentence's `is`: `The API key is …`, or a summary's arrow:
 * `API key → …`, `Access token -> …`, `Client secret => …`; one word before `→` is secret_assignment's).
 */
const LABEL = /^[ \t]*(?:[-*+>?\u2714\u2713\u2716\u25c6\u25c7\u2502][ \t]+|\d{1,3}[.)][ \t]+)?(\*\*|__)?([A-Za-z][A-Za-z0-9]*(?:[ \t][A-Za-z0-9]+){0,4})(?:[ \t]+(?:\[[^\]\n]{0,40}\]|\([^)\n]{0,40}\)))?[ \t]*(?:\*\*|__)?[ \t]*(?::|=(?![=>])|(?<=[ \t])(?:is:?|\u2192|->|=>)(?=[ \t]))[ \t]*(?:\*\*|__)?[ \t]*/;
/** Words in labels that name no secret's value: its rules, its age, where to find it. */
const NOT_A_LABEL = /\b(?:reset|forgot|forgotten|change|changed|policy|rotation|expiry|expires|length|id|name|file|path|hint|field|prompt|manager|usage|limit|count|type|store|backend|encoder|provider|hashing|scope)\b/i;
/**
 * Values that say where a secret is or what handles it, not the secret: a path (`~/.aws/credentials`,
 * `./certs/server.key`, `20240101/us-east-1/s3/aws4_request`), an environment variable's name
 * (`OPENAI_API_KEY`), a dotted reference (`process.env.GITHUB_TOKEN`), a class of words
 * (`BCryptPasswordEncoder`, `DefaultAWSCredentialsProviderChain`, `RedisTokenStore`).
 */
const NOT_A_SECRET = /^(?:(?:~|\.{1,2})?\/|[A-Za-z]:\\)|^[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|^(?:[A-Z][a-z]{2,}|[A-Z]+(?=[A-Z][a-z]|\d|$)|\d+(?!\d))+$/;
const MASKED = /^(?:\*+|x{3,}|\.{3}|…|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|(?:your|my|the)[-_ ].*)$/i;
const MAX_LINE = 512;

export function labeledSecret(): ContentRule {
  return builtInRule(
    'labeled_secret', 'secrets',
    'a value after a label of words naming a secret at a line\'s start (- **Password:** `…`, API key: …, Client secret value: …, AWS Secret Access Key [None]: …): random-looking, not a path, a variable\'s name or a class',
    ['pass', 'secret', 'token', 'key', 'cred'],
    (self) => (text, at, out) => {
      let start = at;
      while (start > 0 && at - start < 96 && text.charCodeAt(start - 1) !== 10) start--;
      if (start > 0 && text.charCodeAt(start - 1) !== 10) return at + 1;
      const line = text.slice(start, Math.min(text.length, start + MAX_LINE)).split('\n', 1)[0]!;
      const m = LABEL.exec(line);
      // The anchor must lie in the label, which must be more than one word (one is secret_assignment's) unless bold;
      // with no label, or the anchor past it, the line's other anchors find nothing either.
      if (!m || start + m[0].length <= at) {
        // Not a line-start label: a label of words inside a sentence (`Here's the API key: …`, `Thanks! The API key: …`).
        const value = midSentence(text, at, start + line.length);
        if (typeof value === 'number') return value;
        out.push({ start: value[0], end: value[1], rule: self });
        return value[1];
      }
      const label = m[2]!;
      const bold = m[1] !== undefined || /\*\*|__/.test(m[0].slice(m[0].indexOf(label) + label.length));
      const resume = start + m[0].length;
      // `Password:` alone on its line: the value may stand on the next (one word: a single-word label too).
      const below = /:[ \t]*(?:\*\*|__)?[ \t]*$/.test(m[0]) && line.slice(m[0].length).trim() === '';
      if (!bold && !below && !/[ \t]/.test(label)) return resume;
      // `OpenAI key`, `Stripe secret key`: a vendor's key, taken only when generated-looking (below).
      const words = nameWords(label).join('_');
      if (NOT_A_LABEL.test(label) || (classifyName(words) === null && !isKeyLikeName(words))) return resume;
      if (below) {
        const value = valueBelow(text, start + line.length);
        if (value) out.push({ start: value[0], end: value[1], rule: self });
        return value ? value[1] : resume;
      }
      let from = m[0].length;
      let to: number;
      const open = line[from];
      const quoted = open === '`' || open === '"' || open === "'";
      if (quoted) {
        from++;
        to = line.indexOf(open, from);
        if (to < 0) return resume;
      } else {
        to = from;
        while (to < line.length && line.charCodeAt(to) > 32) to++;
        while (to > from && /[.,;)]/.test(line[to - 1]!)) to--;
        // A label's value ends its line (its full stop aside): `Password: see the vault below` is prose.
        const rest = line.slice(to).replace(/^[.!?][ \t]*$/, '');
        if (rest.trim() !== '' && !/^[ \t]+(?:#|\/\/|\()/.test(rest)) {
          // Words after it: a sentence's label may still take a key-length value (`and the API key: … for staging`).
          const value = midSentence(text, at, start + line.length);
          if (typeof value === 'number') return resume;
          out.push({ start: value[0], end: value[1], rule: self });
          return value[1];
        }
      }
      const value = line.slice(from, to);
      if (value.length < (quoted && bold ? 6 : 8) || /\s/.test(value) || REFERENCE.test(value) || MASKED.test(value) || NOT_A_SECRET.test(value)) return resume;
      if (!looksRandom(value)) return resume;
      // After a sentence's `is`, letters and digits, as prose-value.ts wants (`elif token is Token.Name:` is code).
      if (/is:?[ \t]*(?:\*\*|__)?[ \t]*$/.test(m[0]) && !(/[0-9]/.test(value) && /[A-Za-z]/.test(value) && /^[\w-]+$/.test(value))) return resume;
      out.push({ start: start + from, end: start + to, rule: self });
      return start + to;
    },
  );
}

/** A word of a label inside a sentence. */
const WORD_CHAR = charTable('A-Za-z0-9');
/** What may follow a sentence's value: the line's end, or the sentence's or clause's end and more. */
const SENTENCE_REST = /^(?:[.!?,;]?[ \t]*(?:\r|$)|[.!?,;][ \t]+\S|[ \t]+\()/;

/**
 * A label of two or three words naming a secret inside a sentence, then `:` and a generated-looking
 * value ending the line or clause (`Here's the API key: …`, `Thanks! Here is the API key: …`, `ok,
 * the secret access key: …`): the value's `[start, end]`, or where the scan goes on. The words before
 * the label must read as prose (prose-value.ts): `cfg.api key: …` or `f(x) api key: …` is code.
 */
function midSentence(text: string, at: number, eol: number): [number, number] | number {
  let wordEnd = at;
  while (wordEnd < eol && inTable(WORD_CHAR, text.charCodeAt(wordEnd))) wordEnd++;
  // Only the word ending at a `:` can be such a label: the scan goes on from the next one's word (the
  // line is read once per colon, not once per anchor).
  let next = wordEnd + 1;
  while (next < eol && text.charCodeAt(next) !== 58) next++;
  if (next < eol) while (next > wordEnd + 1 && inTable(WORD_CHAR, text.charCodeAt(next - 1))) next--;
  const resume = next;
  if (text.charCodeAt(wordEnd) !== 58 || text.charCodeAt(wordEnd + 1) === 58 || text.charCodeAt(wordEnd + 1) === 47) return resume;
  // The label: the anchor's word and one or two words before it, each after one space.
  const starts: number[] = [];
  let p = at;
  while (p > 0 && inTable(WORD_CHAR, text.charCodeAt(p - 1))) p--;
  for (let k = 0; k < 2; k++) {
    if (p < 2 || text.charCodeAt(p - 1) !== 32 || !inTable(WORD_CHAR, text.charCodeAt(p - 2))) break;
    p--;
    while (p > 0 && inTable(WORD_CHAR, text.charCodeAt(p - 1))) p--;
    starts.push(p);
  }
  let labelStart = -1;
  for (const from of starts) {
    const label = text.slice(from, wordEnd);
    const words = nameWords(label).join('_');
    if (!NOT_A_LABEL.test(label) && (classifyName(words) !== null || isKeyLikeName(words))) {
      labelStart = from;
      break;
    }
  }
  if (labelStart < 0 || !prosePrefix(text, text.slice(labelStart, wordEnd), labelStart)) return resume;
  let from = wordEnd + 1;
  while (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9) from++;
  const open = text[from];
  const quoted = open === '`' || open === '"' || open === "'";
  if (quoted) from++;
  let to = from;
  while (to < eol && to - from < 256 && text.charCodeAt(to) > 32 && !(quoted && text[to] === open)) to++;
  if (quoted && text[to] !== open) return resume;
  let end = to;
  while (end > from && /[.,;!?)]/.test(text[end - 1]!)) end--;
  const value = text.slice(from, end);
  const rest = text.slice(quoted ? to + 1 : end, Math.min(eol, end + 16));
  // Words may follow a value of a key's length (`the API key: … for staging`); a shorter one ends its clause.
  const long = value.length >= 16 && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && /^[ \t]/.test(rest);
  if (value.length < 8 || !(SENTENCE_REST.test(rest) || long) || REFERENCE.test(value) || MASKED.test(value) || NOT_A_SECRET.test(value) || !looksRandom(value)) return resume;
  return [from, end];
}

/**
 * The value on the line below a label ending its line (`Password:` then `Xq7…`, or `` `…` ``): that
 * line's only word (a sentence there is words), eight characters or more, with letters and digits
 * or generated-looking; not a reference, a placeholder, a variable's name or another label.
 */
function valueBelow(text: string, eol: number): [number, number] | null {
  if (text.charCodeAt(eol) !== 10) return null;
  const next = eol + 1;
  const line = text.slice(next, Math.min(text.length, next + MAX_LINE)).split('\n', 1)[0]!.replace(/\r$/, '');
  const m = /^([ \t]*)([`"']?)(\S+?)\2[ \t]*$/.exec(line);
  if (!m) return null;
  const value = m[3]!;
  if (value.length < 8 || value.endsWith(':') || REFERENCE.test(value) || MASKED.test(value) || NOT_A_SECRET.test(value) || NOT_A_VALUE.test(value)) return null;
  if (!looksRandom(value) && !(/[0-9]/.test(value) && /[A-Za-z]/.test(value))) return null;
  const start = next + m[1]!.length + m[2]!.length;
  return [start, start + value.length];
}

/**
 * A password's or key's name in another language, then `:` or `=` (full-width `：`/`＝` read as
 * these, scanner.ts), then the value: the next token, or a quoted string on the same line.
 * German `Passwort`/`Kennwort`, Spanish `contraseña`/`clave`, French `mot de passe`, Portuguese
 * `senha`, Russian `пароль`, Japanese `パスワード`, Korean `비밀번호`, Chinese `密码`/`密钥` (and
 * `数据库密码`, `API密钥`). Anchors are the names' rarer parts (`nnwort`, `seña`, `lave`, `enha`,
 * `ароль`): non-ASCII ones stop the screen only where their low bytes meet.
 */
const LOCAL_NAMES = new Set(['passwort', 'kennwort', 'contraseña', 'clave', 'senha', 'mot de passe', 'пароль', 'パスワード', '비밀번호', '密码', '数据库密码', '密钥', 'api密钥']);
const LETTER = /[\p{L}\p{N}]/u;
const CJK_NAME = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}ー]*(?:密码|密钥|パスワード|비밀번호)$/u;
/** Not a value: a reference or template, a placeholder, code (a call, a member), a type. */
const LOCAL_NOT_A_VALUE = /^(?:[$%<{[(*:=@&|\\]|.*[()]|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$)/;
const LOCAL_VALUE_END = /[\s"'`,;，。、）」』]/;

export function localizedLabel(): ContentRule {
  return builtInRule(
    'localized_label', 'secrets',
    'a value after a password\'s or key\'s name in another language and : or = (Passwort, Kennwort, contraseña, clave, mot de passe, senha, пароль, パスワード, 비밀번호, 密码, 密钥)',
    ['pass', 'nnwort', 'seña', 'SEÑA', 'lave', 'enha', 'ароль', 'АРОЛЬ', 'パスワード', '비밀번호', '密码', '密钥'],
    (self) => (text, at, out) => {
      let start = at;
      while (start > 0 && at - start < 8 && LETTER.test(text[start - 1]!)) start--;
      let end = at;
      while (end < text.length && end - at < 16 && LETTER.test(text[end]!)) end++;
      let name = text.slice(start, end).toLowerCase();
      if (name === 'passe' && /mot de $/i.test(text.slice(Math.max(0, start - 7), start))) name = 'mot de passe';
      // CJK runs have no spaces: `请输入密码：`, `管理员密码：` end in the name (not `忘记密码`, forgot, `重置`, reset).
      else if (!LOCAL_NAMES.has(name) && !(CJK_NAME.test(name) && !/忘记|重置|找回/.test(name))) return end > at ? end : at + 1;
      // A word, not a part of an identifier: `user_clave`, `$clave`, `obj.senha`.
      if (start > 0 && /[\w$.\-]/.test(text[start - 1]!)) return end;
      let i = end;
      while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
      const sep = text[i];
      if (sep !== ':' && sep !== '=') return end;
      if (text[i + 1] === '=' || text[i + 1] === '>' || text[i + 1] === ':') return end;
      i++;
      while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
      let from = i;
      let to: number;
      const open = text[i];
      if (open === '"' || open === "'" || open === '`') {
        from = i + 1;
        to = from;
        while (to < text.length && to - from < 256 && text[to] !== open && text[to] !== '\n') to++;
        if (text[to] !== open) return end;
      } else {
        to = from;
        while (to < text.length && to - from < 256 && !LOCAL_VALUE_END.test(text[to]!)) to++;
        while (to > from && /[.!?)\]]/.test(text[to - 1]!)) to--;
      }
      const value = text.slice(from, to);
      if (value.length < 4 || REFERENCE.test(value) || MASKED.test(value) || NOT_A_VALUE.test(value) || LOCAL_NOT_A_VALUE.test(value)) return end;
      out.push({ start: from, end: to, rule: self });
      return to;
    },
  );
}

/**
 * A secret-named key starting its line, then spaces and the value, and nothing after it: vault's
 * `KEY   VALUE` tables (`secret_key    …`, `password    …`), msmtprc's and fetchmail's `password …`
 * (`password "…"`), `bridge_password …`, and a header set by nginx's `proxy_set_header X-Api-Key …;`
 * or Apache's `RequestHeader set X-Api-Key "…"`. Unquoted values must look generated (not a word:
 * `token expired`, `password combination.`), and be no type, reference, flag or code; prose goes on
 * after its second word. A header's value has no space (`Authorization "Basic …"` is authorization_header's).
 */
const SETTING_NAME = charTable('A-Za-z0-9_.-');
const HEADER_DIRECTIVE = /^[ \t]*(?:(?:proxy|grpc|fastcgi_param)_set_header|RequestHeader[ \t]+(?:set|append|add|merge)|more_set_input_headers)[ \t]+$/i;
const SETTING_VALUE_START_NOT = /^[-$%<{[(*&@#!/\\|=:,'"`]/;
const SETTING_CODE = /^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+\(?|[(),]|;.|\.\.\./;

/** A line's start before a C macro's name: `#define API_KEY "…"`, `#  define AES_KEY 0x…`. */
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+$/;
/** A C character array's type before its name: `char pass[] = "…";`, `static const char wifi_pass[32] = "…";`. */
const CHAR_TYPE = /(?:^|[;{}\n])[ \t]*(?:(?:static|const|constexpr|unsigned|signed|volatile)[ \t]+)*(?:char|wchar_t|TCHAR|uint8_t|byte)[ \t]+$/;
const CHAR_INIT = /^\[\d*\][ \t]*(?:PROGMEM[ \t]*)?=[ \t]*(?:u8|L)?"([^"\\\n]{4,256})"[ \t]*;/;

/** `char pass[] = "…";`: the literal of a character array named like a password (`pass`, `pwd` alone too). */
function charArray(text: string, start: number, end: number, out: Span[], self: ContentRule): number {
  const name = text.slice(start, end);
  if (classifyName(name) === null && !/^(?:pass|pwd|pw|passwd)$/i.test(name)) return end;
  if (!CHAR_TYPE.test(text.slice(Math.max(0, start - 96), start))) return end;
  const m = CHAR_INIT.exec(text.slice(end, end + 300));
  if (!m) return end;
  const value = m[1]!;
  // Words with spaces are text about the secret (`secret_data[] = "Big secret"`), not a password.
  if (/\s/.test(value) || REFERENCE.test(value) || MASKED.test(value) || /^%[sd]$/.test(value)) return end;
  const from = end + m[0].indexOf('"') + 1;
  out.push({ start: from, end: from + value.length, rule: self });
  return from + value.length;
}

export function spacedSetting(): ContentRule {
  return builtInRule(
    'spaced_setting', 'secrets',
    'a value after a secret-named key starting its line and spaces, the line\'s last word (vault\'s KEY  VALUE tables, msmtprc\'s password …, nginx\'s proxy_set_header X-Api-Key …;, Apache\'s RequestHeader set X-Api-Key "…")',
    ['pass', 'secret', 'token', 'key', 'pwd', 'cred', 'auth'],
    (self) => (text, at, out) => {
      let start = at;
      while (start > 0 && at - start < 64 && inTable(SETTING_NAME, text.charCodeAt(start - 1))) start--;
      let end = at;
      while (end < text.length && end - at < 64 && inTable(SETTING_NAME, text.charCodeAt(end))) end++;
      const sp = text.charCodeAt(end);
      if (sp === 91) return charArray(text, start, end, out, self);
      if (sp !== 32 && sp !== 9) return end;
      let line = start;
      while (line > 0 && start - line < 96 && text.charCodeAt(line - 1) !== 10) line--;
      if (line > 0 && text.charCodeAt(line - 1) !== 10) return end;
      const before = text.slice(line, start);
      const define = DEFINE.test(before);
      const header = !define && !/^[ \t]*$/.test(before);
      if (header && !HEADER_DIRECTIVE.test(before)) return end;
      const name = text.slice(start, end);
      if (name.startsWith('-') || name.startsWith('.')) return end;
      const kind = classifyName(name);
      const keyLike = kind === null && isKeyLikeName(name);
      if (kind === null && !keyLike) return end;
      let from = end;
      while (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9) from++;
      let eol = text.indexOf('\n', from);
      if (eol < 0) eol = text.length;
      if (eol - from > 512) return end;
      let rest = text.slice(from, eol).replace(/\r$/, '');
      let value: string;
      let offset = 0;
      const open = rest[0];
      if (open === '"' || open === "'") {
        const close = rest.indexOf(open, 1);
        if (close < 0) return end;
        value = rest.slice(1, close);
        offset = 1;
        rest = rest.slice(close + 1);
        // A macro's string that names or locates the secret: `"X-Api-Key"`, `"https://…/token"`.
        if (define && (/\s/.test(value) || /^[A-Za-z][A-Za-z-]*$/.test(value) || value.includes('://') || value.startsWith('/'))) return end;
      } else {
        const m = /^\S+/.exec(rest);
        if (!m) return end;
        value = m[0];
        rest = rest.slice(value.length);
        if (header && value.endsWith(';')) {
          value = value.slice(0, -1);
          rest = `;${rest}`;
        }
        // Prose continued from the line above (`    password combination.`, `authorization server::`) is words: a value must look generated.
        // A flag's or a size's number (`FTS5_TOKEN_COLOCATED 0x0001`) is no key: hex keys hold 16 digits or more.
        if (/^(?:0x)?[0-9a-f]{1,15}[ul]*$/i.test(value)) return end;
        if (value.length < 6 || SETTING_VALUE_START_NOT.test(value) || /^[A-Za-z]+\W*$/.test(value) || SETTING_CODE.test(value) || !looksRandom(value)) return end;
      }
      // The value ends the line: a directive's `;` or a comment aside.
      if (!(define ? /^[ \t]*(?:\/\/.*|\/\*.*)?$/ : /^[ \t]*(?:;[ \t]*)?(?:#.*)?$/).test(rest)) return end;
      if (value.length < 4 || (/\s/.test(value) && (offset === 0 || header)) || REFERENCE.test(value) || MASKED.test(value) || NOT_A_VALUE.test(value)) return end;
      if (keyLike && !looksRandom(value)) return end;
      out.push({ start: from + offset, end: from + offset + value.length, rule: self });
      return from + offset + value.length;
    },
  );
}
