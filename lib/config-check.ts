import type { Node as YamlNode } from 'yaml';
import { createRequire } from 'node:module';
import { AcodeError, describeString, shownString } from './errors.js';
import { closest } from './closest.js';

/**
 * The config file's YAML checked against a schema of sections and typed keys: each problem is an
 * ACODE-CFG error at the key's file:line:column, with the nearest valid key or value suggested.
 */

// The YAML parser costs a fifth of the CLI's start-up; most workspaces have no config file, so it
// is loaded on the first parse only.
type Yaml = typeof import('yaml');
let yamlModule: Yaml | null = null;
export const yaml = (): Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);
const isMap = (node: unknown): node is import('yaml').YAMLMap => yaml().isMap(node);
const isSeq = (node: unknown): node is import('yaml').YAMLSeq => yaml().isSeq(node);
export const isScalar = (node: unknown): node is import('yaml').Scalar => yaml().isScalar(node);

export type Rule =
  | { readonly type: 'string' }
  | { readonly type: 'integer'; readonly min: number; readonly nullable?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'list' }
  | { readonly type: 'string-list' }
  | { readonly type: 'string-map' }
  | { readonly type: 'section'; readonly fields: Readonly<Record<string, Rule>> };

export type At = (offset: number | undefined) => string;

export function checkSection(node: unknown, fields: Readonly<Record<string, Rule>>, keyPath: string[], at: At): Record<string, unknown> {
  const name = keyPath.join('.') || 'the top level';
  if (!isMap(node)) {
    throw new AcodeError('ACODE-CFG-003', `${at(nodeStart(node))}: ${name} must be a mapping of keys, got ${describe(node)}`, { context: { key: name } });
  }
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const full = [...keyPath, key];
    // Own keys only: `toString` or `__proto__` must not find Object.prototype's and pass.
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!rule) {
      const near = closest(key, Object.keys(fields));
      const suggestion = near ? `did you mean '${[...keyPath, near].join('.')}'?` : `valid keys: ${Object.keys(fields).join(', ')}`;
      // A key can be a pasted secret (a URL with its password): shown only when it is a plain word.
      const plain = shownString(key).startsWith("'");
      const label = plain ? `'${full.join('.')}'` : `in ${name}: ${shownString(key).replace(/^a string/, 'a key')}`;
      throw new AcodeError('ACODE-CFG-002', `${at(nodeStart(pair.key))}: unknown key ${label} — ${suggestion}`, { context: { key: plain ? full.join('.') : `${name}.…` } });
    }
    out[key] = checkValue(pair.value, rule, full, at);
  }
  return out;
}

function checkValue(node: unknown, rule: Rule, keyPath: string[], at: At): unknown {
  const key = keyPath.join('.');
  const where = at(nodeStart(node));
  const wrongType = (expected: string): AcodeError =>
    new AcodeError('ACODE-CFG-003', `${where}: ${key} must be ${expected}, got ${describe(node)}`, { context: { key } });
  const value = isScalar(node) ? node.value : undefined;
  switch (rule.type) {
    case 'section':
      return checkSection(node, rule.fields, keyPath, at);
    case 'string':
      if (typeof value !== 'string' || value === '') throw wrongType('a non-empty string');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType('true or false');
      return value;
    case 'integer':
      if (rule.nullable && isScalar(node) && value === null) return null;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(`an integer${rule.nullable ? ' (or empty)' : ''}`);
      if (value < rule.min) {
        throw new AcodeError('ACODE-CFG-005', `${where}: ${key} must be at least ${rule.min}, got ${value}`, { context: { key } });
      }
      return value;
    case 'enum':
      if (typeof value !== 'string') throw wrongType(`one of ${rule.values.join(', ')}`);
      if (!rule.values.includes(value)) {
        const near = closest(value, rule.values);
        throw new AcodeError('ACODE-CFG-005', `${where}: ${key} must be one of ${rule.values.join(', ')}, got ${typeof value === 'string' ? shownString(value) : String(value)}${near ? ` — did you mean '${near}'?` : ''}`, { context: { key } });
      }
      return value;
    case 'list':
      if (!isSeq(node)) throw wrongType('a list');
      return node.toJSON() as unknown[];
    case 'string-list':
      if (!isSeq(node)) throw wrongType('a list of strings');
      return node.items.map((item, i) => checkValue(item, { type: 'string' }, [...keyPath, String(i)], at));
    case 'string-map': {
      if (!isMap(node)) throw wrongType('a mapping of names to strings');
      // Table names are keys: one named __proto__ must be a key like any other, not the prototype.
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[name] = checkValue(pair.value, { type: 'string' }, [...keyPath, name], at) as string;
      }
      return out;
    }
  }
}

export function nodeStart(node: unknown): number | undefined {
  return (node as YamlNode | null)?.range?.[0];
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    if (typeof v === 'string') return describeString(v);
    return `the ${typeof v} ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
  }
  return 'an unsupported value';
}

