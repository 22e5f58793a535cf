/**
 * The rules that apply unless `export.default_rules: false`: the column rules of FR-041…044 and
 * the content rules of FR-045, in priority order (a more specific rule names an overlap).
 */
import { authorizationHeader, awsSecretKey, mysqlDsnPassword, pgpassPassword, secretAssignment, urlPassword } from './context-rules.js';
import type { DefaultColumnRule } from './names.js';
import type { Category, ContentRule, RuleInfo } from './rule.js';
import { emailAddress, homePath, jwkPrivateKey, kubernetesSecret, pemPrivateKey, puttyPrivateKey } from './structure-rules.js';
import { labeledSecret, localizedLabel, spacedSetting } from './label-rules.js';
import { tableCell } from './table-rules.js';
import { createTokenRules } from './token-rules.js';

export const DEFAULT_COLUMN_RULES: Readonly<Record<DefaultColumnRule, RuleInfo>> = {
  api_key: columnInfo('api_key', 'API keys', 'columns and keys named like api_key, apiKey, access_key, signing_key, x-api-key'),
  password: columnInfo('password', 'passwords', 'columns and keys named like password, passwd, passphrase, db_password, DB_PASS, MYSQL_PWD, psk'),
  token: columnInfo('token', 'tokens', 'columns and keys named like token, access_token, refresh_token, auth_token, jwt, authorization, cookie, and auth (docker, npm: random-looking values only) (not token counts like input_tokens)'),
  secret: columnInfo('secret', 'secrets', 'columns and keys named like secret, client_secret, secret_key, totp_seed, recovery_codes'),
  private_key: columnInfo('private_key', 'private keys', 'columns and keys named like private_key, privateKey'),
  credentials: columnInfo('credentials', 'secrets', 'columns and keys named credential, credentials, creds'),
};

/**
 * Personal identifiers by column name, masked as e-mail addresses are and under the same switch
 * (`export.redact_emails`): a user name is stripped from home paths, so its own column must go too.
 */
export const USER_NAME_RULE: RuleInfo = {
  name: 'user_name', kind: 'column', category: 'user names', source: 'default',
  description: 'columns and JSON keys named like user_name, username, login, os_user, ssh_user, decided_by, approved_by (with export.redact_emails); not user_id, role, user_agent, last_login, created_by',
};

/**
 * A search index's column (PostgreSQL tsvector, tsquery) holds the words of the text it indexes,
 * secrets among them, lowercased and split at punctuation where no content rule knows them: the
 * whole value goes, whatever the column's name.
 */
export const SEARCH_INDEX_RULE: RuleInfo = {
  name: 'search_index', kind: 'column', category: 'search index values', source: 'default',
  description: 'columns of a text search type (PostgreSQL tsvector, tsquery): their lexemes are the indexed text\'s words, secrets included, and cannot be redacted one by one',
};

/** A column type SEARCH_INDEX_RULE takes (an array of them too). */
export function isSearchIndexType(type: string): boolean {
  return /^(?:pg_catalog\.)?ts(?:vector|query)(?:\[\])*$/i.test(type.trim());
}

function columnInfo(name: string, category: Category, description: string): RuleInfo {
  return { name, kind: 'column', category, description: `${description}; names ending in _at, _id, _type, _count… describe a secret and are kept`, source: 'default' };
}

export interface DefaultContentOptions {
  readonly secrets: boolean;
  readonly emails: boolean;
  readonly paths: boolean;
}

/** Fresh rule objects (they carry per-policy priorities), most specific first. */
export function createDefaultContentRules(options: DefaultContentOptions): ContentRule[] {
  const rules: ContentRule[] = [];
  if (options.secrets) {
    rules.push(pemPrivateKey(), puttyPrivateKey(), jwkPrivateKey(), kubernetesSecret(), ...createTokenRules(), awsSecretKey(), urlPassword(), mysqlDsnPassword(), pgpassPassword(), authorizationHeader(), secretAssignment(), labeledSecret(), localizedLabel(), spacedSetting(), tableCell());
  }
  if (options.emails) rules.push(emailAddress());
  if (options.paths) rules.push(homePath());
  return rules;
}
