/** Whether a value is code (a call, a reference, an identifier spelled in words, a path) rather than a secret. */

/**
 * Code and paths, not values: `process.env.OPENAI_API_KEY`, `settings.GITHUB_TOKEN`, a call
 * (`generatePassword(24)`), `PWD=/workspace/app2`, `GIT_ASKPASS=/opt/…/askpass.sh`.
 */
export function isCode(value: string, next: number): boolean {
  // A call or a subscript, a dotted reference: unless a part reads generated (a digit among letters, eight or more long).
  // Identifiers spelled in words with a version or size in them (`step2_exchange`, `load_pkcs1`,
  // `AWS_IMDSV2_SESSION_TOKEN`, `SHA224PasswordProperty`) are not generated.
  const machineMade = value.split('.').some((part) => part.length >= 8 && /[0-9]/.test(part) && /[A-Za-z]/.test(part) && !spelledWithDigits(part));
  if ((next === 40 || next === 91 || /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(value)) && !machineMade) return true;
  // A PowerShell cmdlet (`$pw = ConvertTo-SecureString …`): Verb-Noun, letters only.
  if (/^[A-Z][a-z]+[A-Za-z]*-[A-Z][a-z]+[A-Za-z]*$/.test(value)) return true;
  // `Ec2InstanceMetadataCredentials`, `OAuth2Client`: a version digit after a word is still spelled.
  return /^[~.]?\//.test(value) || camelWords(value.replace(/(?<=[A-Za-z])\d{1,2}(?=[A-Z]|$)/g, ''));
}

/**
 * An identifier whose pieces between digits and underscores are each one case (`oauth2_client`,
 * `IMDSV2`) or words (`S3HmacAuthV4Handler`): a random body has pieces of mixed case within a few
 * characters.
 */
function spelledWithDigits(part: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(part)) return false;
  return part.split(/[_$\d]+/).every((p) => p.length <= 1 || /^(?:[a-z]+|[A-Z]+)$/.test(p) || camelWords(p) || camelWords(p.replace(/[A-Z]$/, '')));
}

/** Vowelless words code spells identifiers with (`validateJwtSignature`, `parseSqlCtx`). */
const ABBREVIATIONS = new Set('jwt sql xml html http url uri css rpc tcp udp dns pdf svg png ctx cfg msg pkg btn fmt mgr svc src dst std tmp str num len idx cnt ptr ssh ssl tls crc md db id js ts rx tx kv gql px'.split(' '));

/**
 * An identifier spelled in words, not generated: `RequestCredentials`, `validateJwtSignature`,
 * `AuthenticationService`, `parseJSONToken`. Letters only; each word has three or more letters
 * and a vowel or is a known abbreviation (the first may have two: `isValid`); at most one
 * all-capital acronym. Random letters break these rules within a few characters: about one
 * random 16-letter string in 200 passes, one in 50 000 of 32 letters.
 */
function camelWords(value: string): boolean {
  if (!/^[A-Za-z]+$/.test(value)) return false;
  const words = value.match(/[A-Z]{2,5}(?![a-z])|[A-Z]?[a-z]+/g);
  if (!words || words.join('') !== value || words.filter((w) => /^[A-Z]+$/.test(w)).length > 1) return false;
  return words.every((w, i) => /^[A-Z]+$/.test(w) || ((w.length >= 3 || (i === 0 && w.length === 2)) && (/[aeiouy]/i.test(w) || ABBREVIATIONS.has(w.toLowerCase()))));
}
