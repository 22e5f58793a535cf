/**
 * The leak scan's detector: a second, independent look at the serialised output for anything
 * that still looks like a credential. It shares no code and no pattern with the redaction rules,
 * so a mistake in one is not repeated in the other. It looks for: vendor token prefixes followed
 * by a random-looking body, PEM private-key headers, random-looking values assigned to names
 * that end in a secret word (`=`, `:`, `=>`, a YAML block's next line, a .netrc `password`),
 * passwords and tokens in URLs, passwords on curl, mysql, sshpass and registry-login command lines,
 * secrets given as command arguments, random values beside a `name`/`key` naming a secret,
 * Bearer and Basic credentials, and `.pgpass` lines; and, since the rules took them, key names
 * (`HMAC_KEY`), values below a YAML key or under a secret's section, a flag's next element in an
 * argument list, prefixed and bracketed literals, environment fallbacks, full-width separators and
 * names in other languages, C macros and Go MySQL DSNs; and SQL rows (`INSERT … VALUES`, a key/value
 * `UPDATE`), CSV/TSV columns under a secret's header, `DEFAULT` literals, `ENV`/`SetEnv`/`setenv` lines,
 * setters and credential calls, login commands' arguments, markup, Terraform defaults and JSON(C)
 * objects under a secret's section; and flags with their value after a space, argument arrays as
 * command lines, a secret printed below its command after a prompt, a label's value on the next
 * line, SQL `PASSWORD '…'` clauses, plist and Android pairs and positional credential calls; and
 * literals piped into a secret store's command (or fed by a here-string or here-doc), `aws ssm
 * put-parameter`'s SecureString `--value`, `az keyvault secret set --value` and a label's value after an arrow. Each
 * family's reader is a file of `leak/`. Hits carry a fingerprint, never the value.
 */
import type { ArraysRead } from './leak/argument-arrays.js';
import { secretAssignments } from './leak/assignments.js';
import { argumentSecrets, commandPasswords, htpasswdPasswords, pipedPasswords } from './leak/commands.js';
import { credentialCalls } from './leak/credential-calls.js';
import { defines, envDirectives, markupPairs, markupValues, namedValues, terraformDefaults } from './leak/config-forms.js';
import { bearerValues, discordWebhooks, mysqlDsns, pgpassLines, teamsWebhooks, urlPasswords } from './leak/connections.js';
import { encodedPem, jwkKeys, kubernetesSecrets, privateKeyHeaders, puttyKeys } from './leak/key-material.js';
import { keyAssignments } from './leak/key-names.js';
import { arrowLabels } from './leak/labels.js';
import { ssmParameters, storePipes } from './leak/secret-stores.js';
import { storeRedirections } from './leak/store-inputs.js';
import { columnDefaults, identifiedBy, sqlInserts } from './leak/tables.js';
import { REACH } from './leak/values.js';
import { vendorTokens } from './leak/vendor-tokens.js';
import { checkOptions } from '../options.js';

export { fingerprint } from './leak/values.js';

export interface LeakHit {
  readonly detector: string;
  /** First 16 hex of sha256(detector + ':' + value): stable, shareable, and not reversible. */
  readonly fingerprint: string;
  readonly start: number;
  readonly end: number;
}

export interface LeakDetectorOptions {
  /** Fingerprints of reviewed false positives (`--allow-scan-hit`, `export.allow_scan_hits`). */
  readonly allow?: readonly string[];
}

export interface LeakDetector {
  /** Hits in `text` not allowed by fingerprint, in order of position. */
  scan(text: string): LeakHit[];
  /** No hit, with the context it was judged on, spans more than this many characters. */
  readonly reach: number;
  /** What it was made with: enough to make the same detector in a worker thread. */
  readonly options: LeakDetectorOptions;
}

export function createLeakDetector(options: LeakDetectorOptions = {}): LeakDetector {
  checkOptions<LeakDetectorOptions>('createLeakDetector', 'LeakDetectorOptions', options, { allow: 'strings' });
  const allowed = new Set((options.allow ?? []).map((f) => f.toLowerCase()));
  return {
    reach: REACH,
    options: { allow: [...allowed] },
    scan(text: string): LeakHit[] {
      const hits: LeakHit[] = [];
      vendorTokens(text, hits);
      privateKeyHeaders(text, hits);
      secretAssignments(text, hits);
      keyAssignments(text, hits);
      defines(text, hits);
      sqlInserts(text, hits);
      envDirectives(text, hits);
      columnDefaults(text, hits);
      identifiedBy(text, hits);
      markupValues(text, hits);
      markupPairs(text, hits);
      credentialCalls(text, hits);
      terraformDefaults(text, hits);
      mysqlDsns(text, hits);
      // Argument arrays are read once a scan, whichever needle finds them.
      const arrays: ArraysRead = new Set();
      commandPasswords(text, hits, arrays);
      pipedPasswords(text, hits);
      storePipes(text, hits);
      storeRedirections(text, hits);
      ssmParameters(text, hits);
      htpasswdPasswords(text, hits);
      argumentSecrets(text, hits, arrays);
      namedValues(text, hits);
      arrowLabels(text, hits);
      bearerValues(text, hits);
      pgpassLines(text, hits);
      teamsWebhooks(text, hits);
      puttyKeys(text, hits);
      jwkKeys(text, hits);
      encodedPem(text, hits);
      kubernetesSecrets(text, hits);
      discordWebhooks(text, hits);
      urlPasswords(text, hits);
      return hits.filter((h) => !allowed.has(h.fingerprint)).sort((a, b) => a.start - b.start);
    },
  };
}
