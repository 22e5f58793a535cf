import { AcodeError } from '../lib/errors.js';

/**
 * Entry names in tar archives we read or write: relative, '/'-separated, never leaving the
 * folder they unpack into. Pure; shared by the packer (refuses to write such names) and the
 * extractor (refuses to read them).
 */

/** Types an extractor accepts; links, devices and FIFOs are refused outright. */
export const SAFE_ENTRY_TYPES: ReadonlySet<string> = new Set(['file', 'contiguous-file', 'directory']);

/**
 * The safe, normalised form of an entry name ("./a//b" → "a/b"), or throws ACODE-IMP-005 for
 * an absolute name, a drive letter, a backslash, a `..` segment, a NUL, or an empty name (allowed,
 * as '', for the "./" directory entry many tar tools write first).
 */
export function safeEntryName(name: string, allowEmpty = false): string {
  const refuse = (why: string): AcodeError =>
    new AcodeError('ACODE-IMP-005', `entry ${JSON.stringify(name)} ${why}`, { context: { entry: name } });
  if (name.startsWith('/')) throw refuse('is an absolute path');
  if (/^[A-Za-z]:/.test(name)) throw refuse('names a drive');
  if (name.includes('\\')) throw refuse('holds a backslash');
  if (name.includes('\0')) throw refuse('holds a NUL character');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse('leaves the archive folder (..)');
  if (parts.length === 0 && !allowEmpty) throw refuse('is empty');
  return parts.join('/');
}
