/**
 * A redaction policy: the default and configured rules, checked once, and the per-table plans
 * that say for every column whether it is redacted whole, scanned by content rules, or kept.
 */
import type { TableSchema } from '../records.js';
import { compileConfigRules, type ConfigRules } from './config-rules.js';
import { DEFAULT_COLUMN_RULES, SEARCH_INDEX_RULE, USER_NAME_RULE, createDefaultContentRules, isSearchIndexType } from './default-rules.js';
import { classifyName, isAuthOnlyName, isKeyLikeName, isSecretSettingName, isShortPasswordName, isTablePairValue, isUserNameName, isVersionSpec, shortNameNonPassword, squash, tablePairKey } from './names.js';
import { looksRandom, type ContentRule, type RuleInfo } from './rule.js';
import { RuleSet } from './scanner.js';
import { describePgShape, pgShapeOf, type PgShape } from './pg-values.js';

export interface RedactionOptions {
  /** `export.redaction_patterns`, raw: every entry is checked here. */
  readonly patterns: readonly unknown[];
  readonly defaultRules: boolean;
  readonly redactPaths: boolean;
  readonly redactEmails: boolean;
  readonly placeholder: 'plain' | 'typed';
  readonly pseudonymize: boolean;
  /** "file:line:col" of a config key, for messages (AcodeConfig.locate). */
  readonly locate?: (keyPath: readonly (string | number)[]) => string;
}

export type ColumnAction = 'redact' | 'scan' | 'keep';

export interface ColumnPlan {
  readonly column: string;
  readonly action: ColumnAction;
  /** The column rule that redacts it (action 'redact'). */
  readonly rule?: string;
  readonly reason: string;
  /** A PostgreSQL array, composite or hstore column (action 'scan'): what it is read out as, part by part. */
  readonly parts?: string;
}

export interface TablePlan {
  readonly table: string;
  readonly columns: readonly ColumnPlan[];
}

/** A rule that takes whole values: a column rule, applied to columns and to JSON keys. */
export interface WholeValueRule {
  readonly info: RuleInfo;
  readonly allow: ((value: string) => boolean) | null;
  readonly replacement: string | null;
  /**
   * Inside JSON: which values it takes (`container` for an object or array, then walked instead:
   * `"auth": {…}`); every value when absent.
   */
  readonly takes?: (value: string, container: boolean) => boolean;
}

/** A lockfile's entry for a package: its version first, then where it was resolved from or its hash. */
const LOCKFILE_ENTRY = /^\{"version":"[^"]{1,64}","(?:resolved|integrity|license|dev|requires|dependencies)":/;

/**
 * Inside JSON, default column rules take every value but a package's: a manifest's or lockfile's
 * keys are package names, and `jsonwebtoken`, `cookie-parser` and `generate-password` read like
 * secrets. Their version or lockfile entry is kept (and still scanned by the content rules).
 */
function notAPackage(value: string, container: boolean): boolean {
  return container ? !LOCKFILE_ENTRY.test(value) : !isVersionSpec(value);
}

export type CompiledColumn =
  | { readonly action: 'redact'; readonly rule: WholeValueRule }
  | { readonly action: 'scan'; readonly rules: RuleSet; readonly pairKey: number; readonly keyLike: WholeValueRule | null; readonly shape?: PgShape | null }
  | { readonly action: 'keep' };

/** What a redactor needs from its policy; not part of the public surface. */
export interface PolicyCore {
  readonly placeholder: 'plain' | 'typed';
  readonly pseudonymize: boolean;
  readonly allow: ((secret: string) => boolean) | null;
  compiled(plan: TablePlan): readonly CompiledColumn[];
  keyRule(name: string): WholeValueRule | null;
  /** For a name no key rule takes, like `HMAC_KEY`: the rule taking its generated-looking values (see Policy.keyLikeRule). */
  keyLikeRule(name: string): WholeValueRule | null;
  /** The whole-value rule for a JSON key (see Policy.jsonKeyRule). */
  jsonKeyRule(name: string): WholeValueRule | null;
  /** keyRule and keyLikeRule for a key/value row's key (see Policy.pairKeyRule). */
  pairKeyRule(name: string): WholeValueRule | null;
  pairKeyLikeRule(name: string): WholeValueRule | null;
}


export class Policy implements PolicyCore {
  readonly rules: readonly RuleInfo[];
  readonly placeholder: 'plain' | 'typed';
  readonly pseudonymize: boolean;
  readonly allow: ((secret: string) => boolean) | null;
  readonly #config: ConfigRules;
  readonly #defaults: boolean;
  readonly #global: readonly ContentRule[];
  readonly #defaultColumns: ReadonlyMap<string, WholeValueRule>;
  readonly #authOnly: WholeValueRule = {
    info: DEFAULT_COLUMN_RULES.token, allow: null, replacement: null,
    takes: (value, container) => !container && value.length >= 8 && looksRandom(value),
  };
  /** JSON keys `pass` and `pwd`: their strings, unless a path or a flag-like word (see isShortPasswordName). */
  readonly #shortPassword: WholeValueRule = {
    info: DEFAULT_COLUMN_RULES.password, allow: null, replacement: null,
    takes: (value, container) => !container && !shortNameNonPassword(value),
  };
  /**
   * `AZURE_OPENAI_KEY`, `HMAC_KEY`, `sessionKey` as a key/value row's key or a column's name: a
   * generated-looking value (as secret_assignment takes after such a name in text), not `sort_key`'s.
   */
  readonly #keyLike: WholeValueRule = {
    info: DEFAULT_COLUMN_RULES.api_key, allow: null, replacement: null,
    takes: (value, container) => !container && value.length >= 16 && looksRandom(value) && /^[A-Za-z0-9+/=_%-]+$/.test(value),
  };
  /**
   * `user_name`, `login`: a column's every value; in JSON a one-word string (`{"login": "octocat"}`),
   * not a route, a sentence or an object (`"login": {"title": "Sign in"}` is a form's text).
   */
  readonly #userName: WholeValueRule = {
    info: USER_NAME_RULE, allow: null, replacement: null,
    takes: (value, container) => !container && /^[^\s/\\]{1,64}$/.test(value),
  };
  readonly #searchIndex: WholeValueRule = { info: SEARCH_INDEX_RULE, allow: null, replacement: null };
  readonly #identifiers: boolean;
  readonly #sets = new Map<string, RuleSet>();
  readonly #plans = new WeakMap<TablePlan, readonly CompiledColumn[]>();

  constructor(options: RedactionOptions) {
    const defaults = createDefaultContentRules({ secrets: options.defaultRules, emails: options.redactEmails, paths: options.redactPaths });
    const reserved = new Set([...createDefaultContentRules({ secrets: true, emails: true, paths: true }).map((r) => r.info.name), ...Object.keys(DEFAULT_COLUMN_RULES), USER_NAME_RULE.name, SEARCH_INDEX_RULE.name]);
    this.#config = compileConfigRules(options.patterns, { locate: options.locate, reserved });
    this.#defaults = options.defaultRules;
    this.#identifiers = options.redactEmails;
    this.placeholder = options.placeholder;
    this.pseudonymize = options.pseudonymize;
    this.allow = this.#config.allow;
    // Config rules come first: a user's rule names what it matches even where a default also would.
    const content = [...this.#config.content.map((c) => c.rule), ...defaults];
    content.forEach((rule, i) => {
      rule.priority = i;
    });
    this.#global = [...this.#config.content.filter((c) => c.matches === null).map((c) => c.rule), ...defaults];
    this.#defaultColumns = new Map(Object.entries(DEFAULT_COLUMN_RULES).map(([name, info]) => [name, { info, allow: null, replacement: null, takes: notAPackage }]));
    const columnInfos = options.defaultRules ? [...Object.values(DEFAULT_COLUMN_RULES), SEARCH_INDEX_RULE] : [];
    this.rules = [...this.#config.infos, ...columnInfos, ...(options.redactEmails ? [USER_NAME_RULE] : []), ...defaults.map((r) => r.info)];
  }

  keyRule(name: string): WholeValueRule | null {
    for (const rule of this.#config.columns) if (rule.matches(name)) return rule;
    const builtIn = this.#defaults ? classifyName(name) : null;
    if (builtIn !== null) return isAuthOnlyName(name) ? this.#authOnly : this.#defaultColumns.get(builtIn)!;
    return this.#identifiers && isUserNameName(name) ? this.#userName : null;
  }

  /**
   * keyRule for a key/value row's key: config rules as for columns; the defaults only for a
   * setting's name ending in the secret word (isSecretSettingName), not a path or a cache key.
   */
  pairKeyRule(name: string): WholeValueRule | null {
    for (const rule of this.#config.columns) if (rule.matches(name)) return rule;
    return this.#defaults && isSecretSettingName(name) ? this.keyRule(name) : null;
  }

  /** keyRule, and for a JSON key also `pass` and `pwd`, which as column names are too often something else. */
  jsonKeyRule(name: string): WholeValueRule | null {
    return this.keyRule(name) ?? (this.#defaults && isShortPasswordName(name) ? this.#shortPassword : null);
  }

  keyLikeRule(name: string): WholeValueRule | null {
    return this.#defaults && isKeyLikeName(name) ? this.#keyLike : null;
  }

  /** keyLikeRule for a key/value row's key: a setting's name (`HMAC_KEY`), not a cache key (`user:42:session_key`). */
  pairKeyLikeRule(name: string): WholeValueRule | null {
    return /^[A-Za-z_][\w.-]{0,127}$/.test(name) ? this.keyLikeRule(name) : null;
  }

  plan(table: TableSchema): TablePlan {
    const compiled: CompiledColumn[] = [];
    const columns: ColumnPlan[] = [];
    const squashed = table.columns.map((c) => squash(c.name));
    const pairKey = tablePairKey(squashed);
    for (const column of table.columns) {
      const whole = (this.#defaults && isSearchIndexType(column.type) ? this.#searchIndex : null) ?? this.keyRule(column.name);
      if (whole) {
        compiled.push({ action: 'redact', rule: whole });
        const how = whole.info.source === 'default' ? 'default column rule' : 'column rule';
        columns.push({ column: column.name, action: 'redact', rule: whole.info.name, reason: `${how} '${whole.info.name}': every non-null value is replaced` });
        continue;
      }
      const scoped = this.#config.content.filter((c) => c.matches?.(column.name));
      const rules = [...scoped.map((c) => c.rule), ...this.#global];
      if (rules.length === 0) {
        compiled.push({ action: 'keep' });
        columns.push({ column: column.name, action: 'keep', reason: 'no content rule is enabled' });
        continue;
      }
      const pair = pairKey >= 0 && isTablePairValue(squashed[pairKey]!, squash(column.name)) ? pairKey : -1;
      const keyLike = this.keyLikeRule(column.name);
      const shape = pgShapeOf(column);
      const parts = shape ? describePgShape(shape, (field) => this.keyRule(field)?.info.name ?? null) : null;
      compiled.push({ action: 'scan', rules: this.#ruleSet(rules), pairKey: pair, keyLike, shape });
      const names = scoped.length > 0 ? `; also ${scoped.map((c) => `'${c.rule.info.name}'`).join(', ')}` : '';
      const pairNote = pair >= 0 ? `; taken whole when the row's ${table.columns[pair]!.name} names a secret` : '';
      const keyNote = keyLike ? '; taken whole when it looks generated' : '';
      const what = parts ? `${parts}: each element and field read out and scanned on its own by ${rules.length} content rules (text, bytea, JSON by key and value; fields and hstore keys named like secrets taken whole)` : `scanned by ${rules.length} content rules (text and UTF-8 BLOBs; JSON text by key and value)`;
      columns.push({ column: column.name, action: 'scan', reason: `${what}${names}${pairNote}${keyNote}`, ...(parts ? { parts } : {}) });
    }
    const plan: TablePlan = { table: table.name, columns };
    this.#plans.set(plan, compiled);
    return plan;
  }

  compiled(plan: TablePlan): readonly CompiledColumn[] {
    const compiled = this.#plans.get(plan);
    if (!compiled) throw new TypeError(`redaction plan for ${plan.table} was not made by this policy`);
    return compiled;
  }

  unmatchedColumnRules(tables: readonly TableSchema[]): string[] {
    const names = tables.flatMap((t) => t.columns.map((c) => c.name));
    const rules = [...this.#config.columns.map((c) => ({ name: c.info.name, globs: c.globs, matches: c.matches })), ...this.#config.content.filter((c) => c.globs).map((c) => ({ name: c.rule.info.name, globs: c.globs!, matches: c.matches! }))];
    return rules.filter((r) => !names.some(r.matches)).map((r) => `rule '${r.name}' (column ${r.globs.map((g) => JSON.stringify(g)).join(', ')})`);
  }

  #ruleSet(rules: readonly ContentRule[]): RuleSet {
    const key = rules.map((r) => r.priority).join(',');
    let set = this.#sets.get(key);
    if (!set) {
      set = new RuleSet(rules, this.allow);
      this.#sets.set(key, set);
    }
    return set;
  }
}
