/**
 * A workspace with fake secrets planted where an agent leaves them, and the exact redacted text
 * each planted cell must become. Every secret is generated when the test runs (seeded, so a
 * failure reproduces); none of them was ever valid. A cell is written as parts: plain text, a
 * secret with the rule that must take it, or a home folder that must become `~`. The same parts
 * give the source value, the expected output and the expected counts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALNUM, FAKE, URLSAFE, body, chars, fakeAwsSecret, fakePassword, fakePem, hex, seeded, uuid, type Random } from '../unit/redaction/fakes.js';
import { runCli, type CliResult } from './cli.js';
import { openDb } from './sqlite.js';
import { makeTempDir } from './temp.js';

export type Part = string | { readonly secret: string; readonly rule: string } | { readonly home: string };

/** A cell's text as parts, or as a BLOB of the parts' text in UTF-8 or (with binary around it) latin1. */
export type Planted = readonly Part[] | { readonly blob: 'utf8' | 'latin1'; readonly parts: readonly Part[]; readonly prefix?: Buffer; readonly suffix?: Buffer };
export type Plain = string | number | null;

export interface RowSpec {
  readonly table: string;
  /** Column that identifies the row in any export (its first key column). */
  readonly key: string;
  readonly values: Readonly<Record<string, Plain | Planted>>;
}

/** Rule name → the word the CLI summary counts it under. */
export const CATEGORY: Readonly<Record<string, string>> = {
  api_key: 'API keys',
  token: 'tokens',
  secret: 'secrets',
  password: 'passwords',
  private_key: 'private keys',
  credentials: 'secrets',
  pem_private_key: 'private keys',
  anthropic_api_key: 'API keys',
  openai_api_key: 'API keys',
  github_token: 'tokens',
  gitlab_token: 'tokens',
  slack_token: 'tokens',
  stripe_key: 'API keys',
  aws_access_key_id: 'API keys',
  google_api_key: 'API keys',
  huggingface_token: 'tokens',
  npm_token: 'tokens',
  pypi_token: 'tokens',
  sendgrid_api_key: 'API keys',
  jwt: 'tokens',
  twilio_key: 'API keys',
  slack_webhook: 'secrets',
  aws_secret_access_key: 'secrets',
  url_password: 'passwords',
  authorization_header: 'tokens',
  secret_assignment: 'secrets',
  email: 'e-mail addresses',
  user_name: 'user names',
  home_path: 'file paths',
};

const ORDER = ['API keys', 'tokens', 'secrets', 'passwords', 'private keys', 'custom matches', 'e-mail addresses', 'user names', 'file paths'];
const SINGULAR: Readonly<Record<string, string>> = {
  'API keys': 'API key', tokens: 'token', secrets: 'secret', passwords: 'password', 'private keys': 'private key',
  'custom matches': 'custom match', 'e-mail addresses': 'e-mail address', 'user names': 'user name', 'file paths': 'file path',
};

export type Tally = Record<string, Record<string, Record<string, number>>>;

export interface Fixture {
  readonly rows: readonly RowSpec[];
  /** label → value of every planted secret (and e-mail address). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Values that look secret-ish but are not: each must survive byte for byte. */
  readonly nearMisses: readonly string[];
  /** The home folders planted (`/home/alice`, …): none may survive. */
  readonly homes: readonly string[];
}

const isSecret = (p: Part): p is { secret: string; rule: string } => typeof p === 'object' && 'secret' in p;
const isHome = (p: Part): p is { home: string } => typeof p === 'object' && 'home' in p;
const isPlanted = (v: Plain | Planted): v is Planted => v !== null && typeof v === 'object';
const partsOf = (v: Planted): readonly Part[] => ('blob' in v ? v.parts : (v as readonly Part[]));

export type Placeholder = (rule: string, secret: string) => string;
export const PLAIN: Placeholder = () => '[REDACTED]';
export const TYPED: Placeholder = (rule) => `[REDACTED:${rule}]`;

/** The text of parts, before (`null`) or after redaction with a placeholder. JSON-in-text parts quote it themselves. */
export function render(parts: readonly Part[], placeholder: Placeholder | null): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (isHome(p)) return placeholder ? '~' : p.home;
      if (!isSecret(p)) throw new TypeError('unknown part');
      return placeholder ? placeholder(p.rule, p.secret) : p.secret;
    })
    .join('');
}

/** A planted value as SQLite gets it (null placeholder) or as the export must hold it. */
export function valueOf(v: Plain | Planted, placeholder: Placeholder | null): Plain | Buffer {
  if (!isPlanted(v)) return v;
  if (!('blob' in v)) return render(v as readonly Part[], placeholder);
  const text = Buffer.from(render(v.parts, placeholder), v.blob);
  return Buffer.concat([v.prefix ?? Buffer.alloc(0), text, v.suffix ?? Buffer.alloc(0)]);
}

/** table → column → rule → replacements, counted from the parts. */
export function tally(rows: readonly RowSpec[], tables?: readonly string[]): Tally {
  const out: Tally = {};
  for (const row of rows) {
    if (tables && !tables.includes(row.table)) continue;
    for (const [column, v] of Object.entries(row.values)) {
      if (!isPlanted(v)) continue;
      for (const p of partsOf(v)) {
        const rule = isSecret(p) ? p.rule : isHome(p) ? 'home_path' : null;
        if (!rule) continue;
        const t = (out[row.table] ??= {});
        const c = (t[column] ??= {});
        c[rule] = (c[rule] ?? 0) + 1;
      }
    }
  }
  return out;
}

export function byRule(t: Tally): Record<string, number> {
  const out: Record<string, number> = {};
  for (const columns of Object.values(t)) for (const rules of Object.values(columns)) for (const [rule, n] of Object.entries(rules)) out[rule] = (out[rule] ?? 0) + n;
  return out;
}

/** The spec's summary lines for a tally: "3 API keys replaced with [REDACTED]", "5 file paths normalized". */
export function summaryLines(t: Tally, placeholder = '[REDACTED]'): string[] {
  const totals = new Map<string, number>();
  for (const [rule, n] of Object.entries(byRule(t))) {
    const category = CATEGORY[rule] ?? 'custom matches';
    totals.set(category, (totals.get(category) ?? 0) + n);
  }
  return ORDER.filter((c) => totals.has(c)).map((c) => {
    const n = totals.get(c)!;
    const what = `${n} ${n === 1 ? SINGULAR[c] : c}`;
    if (c === 'file paths') return `${what} normalized`;
    return `${what} ${c === 'e-mail addresses' || c === 'user names' ? 'masked with' : 'replaced with'} ${placeholder}`;
  });
}

/** The agent's own table for things it keeps: a password column and a BLOB of notes. */
const VAULT_SQL = 'CREATE TABLE agent_vault (id INTEGER PRIMARY KEY, service TEXT NOT NULL, password TEXT, notes BLOB, created_at TEXT NOT NULL)';

/** The planted rows, built from a seeded generator so that a failing run can be replayed. */
export function buildFixture(seed = 4242): Fixture {
  const r: Random = seeded(seed);
  const s = {
    openai: FAKE.openai_api_key!(r),
    openai2: `sk-${body(r, ALNUM, 48)}`,
    anthropic: FAKE.anthropic_api_key!(r),
    ghp: `ghp_${body(r, ALNUM, 36)}`,
    ghpAccess: `gho_${body(r, ALNUM, 36)}`,
    ghpRefresh: `ghr_${body(r, ALNUM, 36)}`,
    ghpRemote: `ghp_${body(r, ALNUM, 36)}`,
    ghpEnv: `ghp_${body(r, ALNUM, 36)}`,
    ghpBlob: `ghp_${body(r, ALNUM, 36)}`,
    slack: `xoxb-${chars(r, '0123456789', 11)}-${chars(r, '0123456789', 12)}-${body(r, ALNUM, 24)}`,
    slackAccess: `xoxp-${chars(r, '0123456789', 11)}-${chars(r, '0123456789', 12)}-${body(r, ALNUM, 24)}`,
    stripe: `sk_live_${body(r, ALNUM, 24)}`,
    akia: `AKIA${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    akiaBlob: `AKIA${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    awsSecret: fakeAwsSecret(r),
    jwt: FAKE.jwt!(r),
    npm: `npm_${body(r, ALNUM, 36)}`,
    pem: fakePem(r, 'RSA'),
    bearer: body(r, URLSAFE, 40),
    pgPassword: fakePassword(r),
    urlPassword: fakePassword(r),
    exported: body(r, ALNUM, 32),
    jsonPassword: fakePassword(r),
    settingsPassword: fakePassword(r),
    clientSecret: fakePassword(r),
    vault1: fakePassword(r),
    vault2: fakePassword(r),
    email1: `alice.liddell.${chars(r, 'abcdefghijklmnopqrstuvwxyz', 6)}@example.com`,
    email2: `dave.${chars(r, 'abcdefghijklmnopqrstuvwxyz', 6)}@example.org`,
  };
  const S = (secret: string, rule: string): Part => ({ secret, rule });
  const H = (home: string): Part => ({ home });
  const sha = hex(r, 40);
  const id = uuid(r);
  const digest = hex(r, 64);
  const nearMisses = [
    `commit ${sha}`,
    id,
    `sha256:${digest}`,
    'process.env.API_KEY',
    'a skeleton config',
    'https://github.com/acme/app.git',
    'every OpenAI key starts with sk- and a long random body',
    'risk-free task-runner',
  ];
  const t0 = '2024-03-01T10:00:00Z';
  const rows: RowSpec[] = [
    { table: 'conv_chats', key: 'id', values: { id: 'chat-1', title: 'Set up CI', workspace_path: [H('/home/alice'), '/projects/acme'], created_at: t0, updated_at: t0 } },
    { table: 'conv_runs', key: 'id', values: { id: 'run-1', chat_id: 'chat-1', model: 'gpt-4.1', status: 'succeeded', input_tokens: 1834, output_tokens: 312, cost_usd: 0.25, created_at: t0, finished_at: t0 } },
    ...messages(),
    { table: 'sess_sessions', key: 'id', values: { id: 'sess-1', user_name: [S('alice', 'user_name')], email: [S(s.email1, 'email')], cwd: [H('/home/alice'), '/projects/acme'], shell_env: ['export API_TOKEN=', S(s.exported, 'secret_assignment'), '\nexport PATH=/usr/local/bin:/usr/bin'], started_at: t0, ended_at: null, created_at: t0 } },
    { table: 'sess_sessions', key: 'id', values: { id: 'sess-2', user_name: [S('bob', 'user_name')], email: null, cwd: [H('/Users/bob'), '/code/app'], shell_env: ['AWS_SECRET_ACCESS_KEY=', S(s.awsSecret, 'aws_secret_access_key')], started_at: t0, ended_at: t0, created_at: t0 } },
    { table: 'sess_sessions', key: 'id', values: { id: 'sess-3', user_name: [S('carol', 'user_name')], email: null, cwd: [H('C:\\Users\\carol'), '\\repo'], shell_env: null, started_at: t0, ended_at: null, created_at: t0 } },
    { table: 'appr_approvals', key: 'id', values: { id: 1, run_id: 'run-1', session_id: 'sess-1', action: 'shell', command: ['echo ', S(s.npm, 'npm_token'), ' | npm login --registry https://registry.npmjs.org/'], decision: 'approved', decided_by: [S('alice', 'user_name')], created_at: t0 } },
    { table: 'appr_approvals', key: 'id', values: { id: 2, run_id: 'run-1', session_id: 'sess-1', action: 'shell', command: nearMisses.join(' ; '), decision: 'auto', decided_by: null, created_at: t0 } },
    { table: 'settings', key: 'key', values: { key: 'openai.api_key', value: [S(s.openai2, 'api_key')], updated_at: t0 } },
    { table: 'settings', key: 'key', values: { key: 'db.url', value: ['postgres://app:', S(s.urlPassword, 'url_password'), '@db.internal:5432/app'], updated_at: t0 } },
    { table: 'settings', key: 'key', values: { key: 'theme', value: 'dark', updated_at: t0 } },
    { table: 'settings', key: 'key', values: { key: 'mcp.servers', value: ['{"servers":[{"name":"db","env":{"config":{"auth":{"deep":{"password":"', S(s.settingsPassword, 'password'), '"}}}}}]}'], updated_at: t0 } },
    { table: 'credentials', key: 'id', values: { id: 1, provider: 'openai', api_key: [S(s.openai, 'api_key')], access_token: null, refresh_token: null, client_secret: null, created_at: t0 } },
    { table: 'credentials', key: 'id', values: { id: 2, provider: 'github', api_key: null, access_token: [S(s.ghpAccess, 'token')], refresh_token: [S(s.ghpRefresh, 'token')], client_secret: [S(s.clientSecret, 'secret')], created_at: t0 } },
    { table: 'credentials', key: 'id', values: { id: 3, provider: 'slack', api_key: null, access_token: [S(s.slackAccess, 'token')], refresh_token: null, client_secret: null, created_at: t0 } },
    { table: 'agent_vault', key: 'id', values: { id: 1, service: 'postgres', password: [S(s.vault1, 'password')], notes: { blob: 'utf8', parts: ['CI pushes with ', S(s.ghpBlob, 'github_token'), ' from ', H('/home/alice'), '/ci'] }, created_at: t0 } },
    { table: 'agent_vault', key: 'id', values: { id: 2, service: 'smtp', password: [S(s.vault2, 'password')], notes: { blob: 'latin1', prefix: Buffer.from([0xff, 0x00, 0xfe]), parts: [' key ', S(s.akiaBlob, 'aws_access_key_id'), ' '], suffix: Buffer.from([0x00, 0x9f]) }, created_at: t0 } },
  ];
  return { rows, secrets: s, nearMisses, homes: ['/home/alice', '/Users/bob', 'C:\\Users\\carol'] };

  function messages(): RowSpec[] {
    const m = (id: number, role: string, content: Planted | string, extra: Record<string, Plain | Planted> = {}): RowSpec => ({
      table: 'conv_messages',
      key: 'id',
      values: { id, run_id: 'run-1', seq: id, role, content, tool_name: role === 'tool' ? 'shell' : null, metadata: null, created_at: t0, ...extra },
    });
    return [
      m(1, 'user', ['My OpenAI key is ', S(s.openai, 'openai_api_key'), ' and the Anthropic one is ', S(s.anthropic, 'anthropic_api_key')]),
      m(2, 'user', ['GitHub ', S(s.ghp, 'github_token'), ', Slack bot ', S(s.slack, 'slack_token'), ', Stripe ', S(s.stripe, 'stripe_key'), '.']),
      m(3, 'assistant', ['The AWS access key ', S(s.akia, 'aws_access_key_id'), ' belongs to us-east-1.']),
      m(4, 'tool', ['$ cat deploy/id_rsa\n', S(s.pem, 'pem_private_key'), '\n$ ']),
      m(5, 'tool', ['$ curl -s -H "Authorization: Bearer ', S(s.bearer, 'authorization_header'), '" https://api.example.com/v1/me\n{"ok":true}'], {
        metadata: ['{"env":{"GITHUB_TOKEN":"', S(s.ghpEnv, 'token'), '"},"cwd":"', H('/home/alice'), '/projects/acme"}'],
      }),
      m(6, 'user', ['connect with postgres://admin:', S(s.pgPassword, 'url_password'), '@localhost:5432/app please']),
      m(7, 'tool', ['$ git remote -v\norigin\thttps://alice:', S(s.ghpRemote, 'github_token'), '@github.com/acme/app.git (fetch)']),
      m(8, 'assistant', ['The session JWT is ', S(s.jwt, 'jwt'), ' and it expires hourly.']),
      m(9, 'tool', ['{"tool":"read_file","result":{"config":{"database":{"primary":{"host":"db","password":"', S(s.jsonPassword, 'password'), '"}}}}}']),
      m(10, 'assistant', [
        'Saved to ', H('/home/alice'), '/projects/acme/src/index.ts and ', H('/Users/bob'), '/Desktop/notes.md; also ',
        H('C:\\Users\\carol'), '\\AppData\\x.txt. Ping ', S(s.email2, 'email'), ' when done.',
      ]),
      m(11, 'assistant', `Near misses: ${nearMisses.join(' | ')}`),
    ];
  }
}

export interface PlantedWorkspace {
  readonly dir: string;
  readonly db: string;
  readonly fixture: Fixture;
}

const QUOTE = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Inserts rows into a database file (better-sqlite3, in one transaction). */
export function insertRows(file: string, rows: readonly RowSpec[], extraSql: readonly string[] = []): void {
  const db = openDb(file);
  try {
    db.transaction(() => {
      for (const sql of extraSql) db.exec(sql);
      for (const row of rows) {
        const cols = Object.keys(row.values);
        const stmt = db.prepare(`INSERT INTO ${QUOTE(row.table)} (${cols.map(QUOTE).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
        stmt.run(cols.map((c) => valueOf(row.values[c]!, null)));
      }
    })();
  } finally {
    db.close();
  }
}

/** Runs the built CLI in a workspace with a fixed clock (and anything in `env`). */
export function cliIn(dir: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, input?: string): Promise<CliResult> {
  return runCli(args, { workspace: dir, env: { ACODE_NOW: '2024-03-02T12:00:00Z', ...env }, input });
}

/**
 * A fresh workspace: `acode db migrate`, then the fixture's rows (and the agent_vault table)
 * inserted with better-sqlite3. `config` becomes `.agent/config.yml`.
 */
export async function plantWorkspace(options: { readonly config?: string; readonly fixture?: Fixture; readonly extraSql?: readonly string[]; readonly rows?: readonly RowSpec[] } = {}): Promise<PlantedWorkspace> {
  const dir = await makeTempDir('redaction');
  await mkdir(path.join(dir, '.agent'), { recursive: true });
  if (options.config !== undefined) await writeFile(path.join(dir, '.agent', 'config.yml'), options.config);
  const migrated = await cliIn(dir, ['db', 'migrate']);
  if (migrated.code !== 0) throw new Error(`acode db migrate failed (${migrated.code}):\n${migrated.stderr}`);
  const fixture = options.fixture ?? buildFixture();
  const db = path.join(dir, '.agent', 'acode.db');
  insertRows(db, [...fixture.rows, ...(options.rows ?? [])], [VAULT_SQL, ...(options.extraSql ?? [])]);
  return { dir, db, fixture };
}
