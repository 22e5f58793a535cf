/**
 * What the server said, as an import's error may repeat it: its first line, with every value it
 * quoted taken out. A data error (SQLSTATE class 22) quotes the value it refused anywhere in its
 * message — `invalid input syntax for type integer: "…"`, `value "…" is out of range for type
 * integer`, `time zone "…" not recognized` — and the value may span lines (a PEM key): the quoted
 * part goes before the first line is taken, so no line of it is left. Other errors quote names
 * (`column "x" of relation "t"`), kept; a trailing `: "…"` goes from them too.
 */
export function serverWords(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const cut = typeof code === 'string' && code.startsWith('22') ? message.replace(/(?::\s*|\s*)"[\s\S]*"/, '') : message.replace(/: "[\s\S]*"$/, '');
  return cut.split('\n')[0]!.trim();
}
