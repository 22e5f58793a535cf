/**
 * `export.redaction_patterns`: each entry checked up front and compiled, or refused with
 * ACODE-CFG-006 naming the rule, its place in the config file and what is wrong with it.
 */
import { closest } from '../closest.js';
import { AcodeError, describeString } from '../errors.js';
import { GLOB_SYNTAX, compileGlob } from './names.js';
import { PatternError, vetPattern, type CharSet } from './regex-safety.js';
import type { ContentRule, RuleInfo, Span } from './rule.js';

const KEYS = ['name', 'column', 'pattern', 'allow', 'replacement', 'description'] as const;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A column rule from config: redacts whole values of the columns (and JSON keys) its globs match. */
export interface ConfigColumnRule {
  readonly info: RuleInfo;
  readonly globs: readonly string[];
  readonly matches: (name: string) => boolean;
  readonly allow: ((value: string) => boolean) | null;
  readonly replacement: string | null;
}

/** A content rule from config, limited to some columns when it also names `column`. */
export interface ConfigContentRule {
  readonly rule: ContentRule;
  readonly globs: readonly string[] | null;
  readonly matches: ((column: string) => boolean) | null;
}

export interface ConfigRules {
  readonly columns: readonly ConfigColumnRule[];
  readonly content: readonly ConfigContentRule[];
  readonly allow: ((secret: string) => boolean) | null;
  readonly infos: readonly RuleInfo[];
}

export interface ConfigRulesOptions {
  readonly locate?: (keyPath: readonly (string | number)[]) => string;
  /** Names the built-in rules use; a config rule may not take one. */
  readonly reserved: ReadonlySet<string>;
}

export function compileConfigRules(entries: readonly unknown[], options: ConfigRulesOptions): ConfigRules {
  const columns: ConfigColumnRule[] = [];
  const content: ConfigContentRule[] = [];
  const allows: ((s: string) => boolean)[] = [];
  const infos: RuleInfo[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const where = options.locate?.(['export', 'redaction_patterns', index]) ?? `export.redaction_patterns[${index}]`;
    const fail = (label: string, problem: string, cause?: unknown): AcodeError =>
      new AcodeError('ACODE-CFG-006', `${where}: rule ${label}: ${problem}`, { cause, context: { key: `export.redaction_patterns.${index}` } });
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw fail(`#${index + 1}`, `must be a mapping such as {name: my_rule, pattern: "…"} or {name: my_rule, column: "*_key"}, got ${describe(entry)}`);
    }
    const e = entry as Record<string, unknown>;
    const keys = Object.keys(e);
    const label = typeof e['name'] === 'string' ? `'${e['name']}'` : `#${index + 1}`;
    for (const key of keys) {
      if (!(KEYS as readonly string[]).includes(key)) {
        const near = closest(key, KEYS);
        throw fail(label, `unknown key '${key}'${near ? ` — did you mean '${near}'?` : ''}; a rule has ${KEYS.join(', ')}`);
      }
    }
    if (e['column'] === undefined && e['pattern'] === undefined && e['allow'] === undefined) {
      throw fail(label, 'says neither what to redact nor what to keep: give column (a glob on column names), pattern (a regex on content), or allow (reviewed false positives)');
    }
    let name: string;
    if (e['name'] === undefined) {
      // The spec's own example writes one-key entries without a name; they get one from their place.
      if (keys.length !== 1 || keys[0] === 'allow') throw fail(label, 'has no name; every rule needs one (name: …), except the one-key shorthand `- column: "…"` or `- pattern: "…"`');
      name = `${keys[0]}_${index + 1}`;
    } else if (typeof e['name'] !== 'string' || !NAME.test(e['name'])) {
      throw fail(label, `name must be 1–64 letters, digits, '_', '.' or '-', got ${describe(e['name'])}`);
    } else {
      name = e['name'];
    }
    if (options.reserved.has(name)) throw fail(label, `the name '${name}' belongs to a built-in rule; choose another`);
    if (seen.has(name)) throw fail(label, `the name '${name}' is used by an earlier rule; names must be unique`);
    seen.add(name);

    const globs = e['column'] === undefined ? null : strings(e['column'], 'column', (m) => fail(label, m));
    for (const g of globs ?? []) {
      if (!GLOB_SYNTAX.test(g) || !/[A-Za-z0-9]/.test(g)) throw fail(label, `column glob ${JSON.stringify(g)} may hold only letters, digits, '_', '-', '.', spaces, '*' and '?'`);
    }
    const matches = globs ? anyOf(globs.map(compileGlob)) : null;
    const allow = e['allow'] === undefined ? null : anyOf(strings(e['allow'], 'allow', (m) => fail(label, m)).map((a) => fullMatch(a, (m, c) => fail(label, `allow ${m}`, c))));
    const replacement = e['replacement'] === undefined ? null : strings(e['replacement'], 'replacement', (m) => fail(label, m), true)[0]!;
    const description = typeof e['description'] === 'string' ? e['description'] : null;
    if (e['description'] !== undefined && description === null) throw fail(label, `description must be a string, got ${describe(e['description'])}`);

    if (e['pattern'] !== undefined) {
      const source = strings(e['pattern'], 'pattern', (m) => fail(label, m), true)[0]!;
      const find = compilePattern(source, (m, c) => fail(label, m, c));
      const kind = globs ? 'column+content' : 'content';
      const info: RuleInfo = { name, kind, category: 'custom matches', source: 'config', description: description ?? `pattern /${source}/${globs ? ` in columns ${globs.join(', ')}` : ''}${find.anchors.length === 0 ? ' (no literal prefix: runs on every scanned value)' : ''}` };
      const rule: ContentRule = { info, priority: 0, anchors: find.anchors, find: () => 0, allow, replacement };
      rule.find = find.bind(rule);
      content.push({ rule, globs, matches });
      infos.push(info);
    } else if (globs && matches) {
      const info: RuleInfo = { name, kind: 'column', category: 'custom matches', source: 'config', description: description ?? `columns and keys matching ${globs.join(', ')}` };
      columns.push({ info, globs, matches, allow, replacement });
      infos.push(info);
    } else if (allow) {
      allows.push(allow);
      infos.push({ name, kind: 'allow', category: 'custom matches', source: 'config', description: description ?? 'keeps reviewed false positives of every rule' });
    }
  });
  return { columns, content, allow: allows.length > 0 ? anyOf(allows) : null, infos };
}

type Fail = (message: string, cause?: unknown) => AcodeError;

function strings(value: unknown, key: string, fail: (m: string) => AcodeError, single = false): string[] {
  const list = Array.isArray(value) && !single ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) {
    throw fail(`${key} must be ${single ? 'a non-empty string' : 'a non-empty string or a list of them'}, got ${describe(value)}`);
  }
  return list as string[];
}

function anyOf<T>(tests: readonly ((x: T) => boolean)[]): (x: T) => boolean {
  return tests.length === 1 ? tests[0]! : (x) => tests.some((t) => t(x));
}

function syntaxCheck(source: string, fail: Fail): void {
  try {
    new RegExp(source);
  } catch (err) {
    // Not the pattern itself, which V8's message repeats: a rule written for one leaked key holds it.
    throw fail(`pattern is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '')}`, err);
  }
}

function vet(source: string, fail: Fail): ReturnType<typeof vetPattern> {
  syntaxCheck(source, fail);
  try {
    return vetPattern(source);
  } catch (err) {
    if (err instanceof PatternError) throw fail(`pattern is refused: ${err.message}`, err);
    throw err;
  }
}

function fullMatch(source: string, fail: Fail): (s: string) => boolean {
  const re = new RegExp(`^(?:${vet(source, fail).source})$`);
  return (s) => re.test(s);
}

type Finder = ((this: ContentRule, text: string, at: number, out: Span[]) => number) & { anchors: readonly string[] };

/**
 * A vetted pattern as a matcher. With a literal prefix it runs sticky at the pre-filter's hits;
 * without one it scans the whole value. A named group `secret` limits what is replaced.
 */
function compilePattern(source: string, fail: Fail): Finder {
  const vetted = vet(source, fail);
  const part = source.includes('(?<secret>');
  const anchored = vetted.prefixes.length > 0;
  const re = new RegExp(vetted.source, `${anchored || vetted.startAnchored ? 'y' : 'g'}${part ? 'd' : ''}`);
  const finder = function (this: ContentRule, text: string, at: number, out: Span[]): number {
    re.lastIndex = at;
    for (let m = re.exec(text); m; m = anchored || vetted.startAnchored ? null : re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex = m.index + 1;
        continue;
      }
      let start = m.index;
      let end = start + m[0].length;
      const group = m.indices?.groups?.['secret'];
      if (group) [start, end] = group;
      else end = extend(text, end, vetted.tail);
      if (end > start) out.push({ start, end, rule: this });
      if (anchored) return end;
    }
    return anchored ? at + 1 : text.length;
  } as Finder;
  finder.anchors = vetted.prefixes;
  return finder;
}

/** Quantifiers are capped; a match whose last run was cut short is carried to the run's real end. */
function extend(text: string, end: number, tail: CharSet | null): number {
  if (!tail) return end;
  let i = end;
  while (i < text.length && tail.has(text.charCodeAt(i))) i++;
  return i;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return describeString(value);
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
