/**
 * Here-documents feeding a secret store's command (`cat <<EOF | wrangler secret put NAME`, `vercel env
 * add NAME production <<'EOF'`): the lines below the command up to the line holding only the marker
 * are its input, so they are the secret. Raw text's lines, or a JSON string's `\n`-escaped ones (a
 * log line holding the command as the export of a tool call writes it).
 */

/** The here-doc operator and its marker, quoted or not, right at the start: `<<EOF`, `<<-EOF`, `<< 'EOF'`, `<<"EOF"`; not `<<<`. */
const OPERATOR = /^<<(-?)[ \t]*(["']?)([A-Za-z_]\w{0,31})\2(?=[\s;&|)]|\\n|$)/;
/** `cat <<EOF` (or `cat - <<EOF`) ending a pipe's producer. */
const CAT = /(?:^|[\s;&|(`])cat(?:[ \t]+-)?[ \t]+(<<-?[ \t]*(["']?)[A-Za-z_]\w{0,31}\2)[ \t]*$/;
/** Lines and characters of a body read at most: a store is fed a secret or a few `NAME=VALUE` lines. */
const MAX_LINES = 32;
const MAX_BODY = 4096;

/** A here-doc's operator at `at`: its marker and whether `<<-` lets tabs lead the closing line. */
export function hereDocAt(text: string, at: number): { marker: string; tabs: boolean } | null {
  const m = OPERATOR.exec(text.slice(at, at + 48));
  return m ? { marker: m[3]!, tabs: m[1] === '-' } : null;
}

/** Where `cat <<EOF` starts its operator in a producer `text.slice(from, to)`, or -1. */
export function catHereDoc(text: string, from: number, to: number): number {
  const m = CAT.exec(text.slice(from, to));
  return m ? from + m.index + m[0].indexOf('<<') : -1;
}

/**
 * The body's lines (each a span, blank lines left out) of the here-doc whose operator stands on the
 * line holding `at`: from the line below to the line holding only the marker, or the text's end.
 * Null when the marker does not close it within the bounds (a fragment: nothing is sure).
 */
export function hereDocLines(text: string, at: number, marker: string, tabs: boolean): [number, number][] | null {
  const raw = text.indexOf('\n', at);
  const escaped = text.indexOf('\\n', at);
  // The body's lines end as the command's line does: a raw line break, or JSON's `\n` in text that holds a JSON string.
  const json = escaped >= 0 && (raw < 0 || escaped < raw);
  const breakAt = json ? escaped : raw;
  if (breakAt < 0 || breakAt - at > 1024) return null;
  const separator = json ? '\\n' : '\n';
  const lines: [number, number][] = [];
  const limit = Math.min(text.length, breakAt + MAX_BODY);
  for (let start = breakAt + separator.length, n = 0; n < MAX_LINES; n++) {
    const next = text.indexOf(separator, start);
    let end = next < 0 ? text.length : next;
    if (end > limit) return null;
    if (!json && text.charCodeAt(end - 1) === 13) end--;
    let lead = start;
    while (tabs && text.charCodeAt(lead) === 9) lead++;
    // In JSON text the closing line may end the string too (`…\nEOF"}`).
    const line = text.slice(lead, end);
    if (line === marker || (json && line.startsWith(`${marker}"`))) return lines;
    // A line's secret without the spaces around it (`<<-` lets tabs indent it).
    let from = start;
    let to = end;
    while (from < to && /\s/.test(text[from]!)) from++;
    while (to > from && /\s/.test(text[to - 1]!)) to--;
    if (to > from) lines.push([from, to]);
    if (next < 0) return lines;
    start = next + separator.length;
  }
  return null;
}
