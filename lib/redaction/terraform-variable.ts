/**
 * A Terraform (or OpenTofu) variable named like a secret and its `default`, some lines below the
 * name: `variable "db_password" {\n  type = string\n  default = "…"\n}`.
 */

/** `variable ` at a line's start, right before the name's opening quote. */
const VARIABLE = /(?:^|\n)[ \t]*variable[ \t]+$/;
/** The block's `default = "…"` line (raw or JSON-escaped line breaks before it). */
const DEFAULT_LINE = /(?:\n|\\n)[ \t]*default[ \t]*=[ \t]*(\\?")/;

/**
 * The literal of the `default` of the variable whose name's opening quote is at `quoteStart` and
 * closing one at `nameEnd`; null when it is no variable block, or its default is no string literal
 * (`null`, a number, a list, a heredoc).
 */
export function variableDefault(text: string, quoteStart: number, nameEnd: number): [number, number] | null {
  if (!VARIABLE.test(text.slice(Math.max(0, quoteStart - 64), quoteStart))) return null;
  if (!/^\\?"[ \t]*\{/.test(text.slice(nameEnd, nameEnd + 16))) return null;
  // The block ends at a `}` starting a line; its attributes are a few lines, the description maybe long.
  const window = text.slice(nameEnd, nameEnd + 4096);
  const close = window.search(/(?:\n|\\n)\}/);
  const block = close < 0 ? window : window.slice(0, close);
  const m = DEFAULT_LINE.exec(block);
  if (!m) return null;
  const quote = m[1]!;
  const start = nameEnd + m.index + m[0].length;
  const found = text.slice(start, start + 4097).indexOf(quote);
  const end = found < 0 ? -1 : start + found;
  if (end <= start || end - start > 4096 || text.slice(start, end).includes('\n') || text.charCodeAt(end - 1) === 92) return null;
  return [start, end];
}
