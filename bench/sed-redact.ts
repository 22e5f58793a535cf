/**
 * The redaction a user would hack with sed instead of using acode: a dozen token patterns in GNU
 * sed ERE, applied to `sqlite3 -json` output (where newlines are already escaped, so every match
 * is on one line). Anthropic comes before OpenAI because `sk-` would also eat `sk-ant-`.
 */
export const SED_PATTERNS: readonly (readonly [name: string, expression: string])[] = [
  ['anthropic', 's/sk-ant-[A-Za-z0-9_-]{20,}/[REDACTED]/g'],
  ['openai', 's/sk-[A-Za-z0-9_-]{20,}/[REDACTED]/g'],
  ['github', 's/gh[pousr]_[A-Za-z0-9]{36,}/[REDACTED]/g'],
  ['github_pat', 's/github_pat_[A-Za-z0-9_]{22,}/[REDACTED]/g'],
  ['aws', 's/AKIA[0-9A-Z]{16}/[REDACTED]/g'],
  ['slack', 's/xox[abposr]-[A-Za-z0-9-]{10,}/[REDACTED]/g'],
  ['stripe', 's/[sr]k_live_[A-Za-z0-9]{20,}/[REDACTED]/g'],
  ['google', 's/AIza[0-9A-Za-z_-]{35}/[REDACTED]/g'],
  ['jwt', 's/eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}/[REDACTED]/g'],
  ['bearer', 's/Bearer [A-Za-z0-9._~+\\/=-]{16,}/Bearer [REDACTED]/g'],
  ['password=', 's/(password|passwd|pwd|secret|token|api_key)=[^&" ]+/\\1=[REDACTED]/gI'],
  ['url-password', 's#://([^:/@" ]+):[^@/" ]+@#://\\1:[REDACTED]@#g'],
  ['home-path', 's#/(home|Users)/[A-Za-z0-9._-]+#/\\1/[USER]#g'],
];

/** `sed -E -e … -e …` as argv words. */
export function sedArgs(): string[] {
  return ['-E', ...SED_PATTERNS.flatMap(([, e]) => ['-e', e])];
}
