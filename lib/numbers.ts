/**
 * `1,234,567`: what `toLocaleString('en-US')` prints for a count, without its first call's ~28 ms
 * of ICU start-up, paid by every command that prints a count.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** A wait in the words a user gave it: `3 s`, `500 ms`. */
export function formatWait(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
