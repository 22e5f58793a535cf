import { AcodeError } from './errors.js';
import { closest } from './closest.js';
import type { RunOptions } from './progress.js';

/** What one option of a library call may hold; `undefined` always counts as not given. */
export type OptionKind =
  | 'string'
  | 'boolean'
  | 'number'
  | 'function'
  | 'signal'
  | 'config'
  | 'strings'
  | 'object'
  | 'writable'
  | 'date'
  | readonly string[];

export interface OptionSpec {
  readonly kind: OptionKind;
  readonly required?: boolean;
  /** null is a value of its own (`keepDays: null`: no age limit). */
  readonly nullable?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionKind | OptionSpec>>;
/** One spec for every option of `T`, no more and no fewer: the compiler keeps a check in step with its interface. */
export type OptionSpecsFor<T> = { readonly [K in keyof T]-?: OptionKind | OptionSpec };

/** The options every long-running call takes (RunOptions). */
export const RUN_OPTIONS: OptionSpecsFor<RunOptions> = { signal: 'signal', onProgress: 'function' };

/**
 * Checks a library call's options as a JavaScript caller may pass them (no compiler in the way):
 * an object, every required option given, none unknown (a misspelled `outpt` would otherwise be
 * ignored, and an export without `output` goes to stdout), each of the type declared. ACODE-USE-001
 * names the call and the option; a value is described by its type only, never shown (it may be a secret).
 */
export function checkOptions<T extends object>(call: string, typeName: string, options: unknown, specs: OptionSpecsFor<T>, prefix = ''): void {
  const fail = (detail: string): never => {
    throw new AcodeError('ACODE-USE-001', `${call}(): ${detail}`, {
      hint: `pass the options ${typeName} declares (acode-db's type declarations; the README's Library section)`,
    });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(prefix ? `option '${prefix.slice(0, -1)}' must be an object (${typeName}), got ${describeValue(options)}` : `takes an options object (${typeName}), got ${describeValue(options)}`);
  const given = options as Record<string, unknown>;
  const names = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (key in specs) continue;
    const near = closest(key, names);
    fail(`unknown option '${prefix}${key}'${near ? ` — did you mean '${prefix}${near}'?` : `; options: ${names.join(', ')}`}`);
  }
  for (const [name, raw] of Object.entries(specs)) {
    const spec: OptionSpec = typeof raw === 'string' || Array.isArray(raw) ? { kind: raw as OptionKind } : (raw as OptionSpec);
    const value = given[name];
    if (value === null && spec.nullable) continue;
    if (value === undefined) {
      if (spec.required) fail(`option '${prefix}${name}' is required: ${expected(spec.kind)}${spec.nullable ? ' or null' : ''}`);
      continue;
    }
    if (!fits(spec.kind, value)) fail(`option '${prefix}${name}' must be ${expected(spec.kind)}${spec.nullable ? ' or null' : ''}, got ${describeValue(value)}`);
  }
}

function fits(kind: OptionKind, value: unknown): boolean {
  if (Array.isArray(kind)) return typeof value === 'string' && kind.includes(value);
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'function':
      return typeof value === 'function';
    case 'signal':
      return value instanceof AbortSignal;
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return typeof value === 'object' && value !== null;
    case 'writable':
      return typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function' && typeof (value as { on?: unknown }).on === 'function';
    case 'date':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'config': {
      const c = value as Partial<Record<'database' | 'backup' | 'export', unknown>> | null;
      return typeof c === 'object' && c !== null && [c.database, c.backup, c.export].every((part) => typeof part === 'object' && part !== null);
    }
  }
  return false;
}

function expected(kind: OptionKind): string {
  if (Array.isArray(kind)) return `one of ${kind.map((k) => `'${k}'`).join(', ')}`;
  switch (kind) {
    case 'string':
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'number':
      return 'a number of at least 0';
    case 'function':
      return 'a function';
    case 'signal':
      return 'an AbortSignal';
    case 'strings':
      return 'an array of strings';
    case 'object':
      return 'an object';
    case 'writable':
      return 'a writable stream';
    case 'date':
      return 'a valid Date';
    case 'config':
      return 'the config loadConfig() or parseConfig() returns';
  }
  return 'another value';
}

/** A value's type in words, never its content: an option given in the wrong place may be a password. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return Number.isFinite(value) ? (value < 0 ? 'a negative number' : 'a number') : String(value);
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return `an object${value.constructor && value.constructor !== Object ? ` (${value.constructor.name})` : ''}`;
  return `a ${typeof value}`;
}
