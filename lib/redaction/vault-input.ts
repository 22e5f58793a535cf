/**
 * HashiCorp Vault's `vault kv put PATH KEY=-` (`kv patch`, `write`): a key given `-` takes its value
 * from the command's input, so what a pipe, a here-string or a here-doc feeds it is that key's value,
 * whatever the key's name (`echo -n PW | vault kv put secret/app value=-`). Found from the anchor
 * `vault` (the argument readers' already): no pair of the pre-filter's screen.
 */
import { NOT_A_VALUE, REFERENCE } from './not-a-value.js';
import { inTable } from './rule.js';
import { COMMAND_BEFORE, shellWord } from './shell-words.js';
import { SEGMENT_END, segmentStart, storeInput } from './secret-stores.js';

/** `vault` then its subcommand that writes data, with global flags (`-namespace=x`) between. */
const VAULT_WRITE = /^vault(?:\.exe)?[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:kv[ \t]+(?:-[\w-]+(?:=\S*)?[ \t]+)*(?:put|patch)|write)(?=[ \t])/i;
/** What may stand before `vault` in its segment: spaces, a shell's prompt, `sudo`, variables (`VAULT_ADDR=… vault …`). */
const VAULT_BEFORE = /^[ \t]*(?:\S{0,64}[$%>#][ \t]+)?(?:sudo[ \t]+)?(?:[A-Za-z_]\w{0,63}=\S{0,256}[ \t]+){0,4}$/;
/** A key that reads its value from the input: `password=-`, quoted or not. */
const FROM_INPUT = /^[\w.-]{1,64}=-$/;

/** The literal fed to `vault kv put … KEY=-` when `at` is the `vault` starting that command; null otherwise. */
export function vaultInputSecret(text: string, at: number): [number, number][] | null {
  if (at > 0 && !inTable(COMMAND_BEFORE, text.charCodeAt(at - 1))) return null;
  const command = VAULT_WRITE.exec(text.slice(at, at + 128));
  if (!command) return null;
  const from = segmentStart(text, at);
  if (!VAULT_BEFORE.test(text.slice(from, at))) return null;
  const restStart = at + command[0].length;
  const stop = text.slice(restStart, restStart + 512).search(SEGMENT_END);
  const restEnd = stop < 0 ? Math.min(text.length, restStart + 512) : restStart + stop;
  // Its words up to the segment's end (a here-doc's or here-string's `<<` too): one must be `KEY=-`.
  let dash = false;
  for (let w = shellWord(text, restStart, restEnd), n = 0; w && w.start < restEnd && n < 32 && !dash; w = shellWord(text, w.next, restEnd), n++) {
    dash = FROM_INPUT.test(text.slice(w.start, w.end));
  }
  if (!dash) return null;
  const pipe = text.charCodeAt(from - 1) === 124 && text.charCodeAt(from - 2) !== 124 ? from - 1 : -1;
  const spans = storeInput(text, restStart, text.slice(restStart, restEnd), pipe);
  if (spans.length === 0) return null;
  const span: [number, number] = [spans[0]![0], spans[spans.length - 1]![1]];
  const value = text.slice(span[0], span[1]);
  return REFERENCE.test(value) || NOT_A_VALUE.test(value) ? null : [span];
}
