import type { SqliteDb } from './sqlite/open.js';

/** A small deterministic generator (mulberry32), so a seed always gives the same workspace. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64URL = `${ALNUM}-_`;

const pick = <T>(rand: Random, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const int = (rand: Random, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
const chars = (rand: Random, alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
};

/**
 * Fake credentials in the shapes real providers use, made at run time from the generator: the
 * repository holds no key, and none of these was ever valid anywhere.
 */
export const FAKE_SECRET_KINDS = {
  openai: (r: Random) => `sk-proj-${chars(r, ALNUM, 48)}`,
  anthropic: (r: Random) => `sk-ant-api03-${chars(r, B64URL, 93)}AA`,
  github: (r: Random) => `ghp_${chars(r, ALNUM, 36)}`,
  github_pat: (r: Random) => `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM, 59)}`,
  aws_access_key: (r: Random) => `AKIA${chars(r, UPPER_DIGITS, 16)}`,
  slack: (r: Random) => `xoxb-${chars(r, '0123456789', 11)}-${chars(r, '0123456789', 12)}-${chars(r, ALNUM, 24)}`,
  stripe: (r: Random) => `sk_live_${chars(r, ALNUM, 24)}`,
  google: (r: Random) => `AIza${chars(r, B64URL, 35)}`,
} as const;

export type FakeSecretKind = keyof typeof FAKE_SECRET_KINDS;

export function fakeSecret(rand: Random, kind?: FakeSecretKind): string {
  const k = kind ?? pick(rand, Object.keys(FAKE_SECRET_KINDS) as FakeSecretKind[]);
  return FAKE_SECRET_KINDS[k](rand);
}

const USERS = ['alice', 'bob', 'chen', 'dana', 'emeka', 'farah'];
const PROJECTS = ['billing-service', 'web-frontend', 'data-pipeline', 'cli-tools', 'infra', 'mobile-app'];
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'gpt-4.1', 'gpt-4.1-mini', 'o3'];
const TOPICS = [
  'Fix the flaky integration test in the payments module',
  'Add pagination to the orders endpoint',
  'Migrate the build from webpack to vite',
  'Why does the worker leak memory after a deploy?',
  'Write a migration that adds an index on created_at',
  'Refactor the auth middleware to use async/await',
  'Set up CI caching for node_modules',
  'Explain this stack trace from production',
];
const PROSE = [
  'Let me look at the failing test first and reproduce it locally.',
  'The problem is that the connection pool is never released when the request is aborted.',
  'I will add a regression test before changing the implementation.',
  'Here is a smaller version of the function with the same behaviour and no shared state.',
  'Running the test suite again to confirm nothing else broke.',
  'The index makes the query use a range scan instead of a full table scan.',
  'This change is backwards compatible: old clients keep sending the same payload.',
];
const CODE = [
  'export async function handler(req, res) {\n  const { page = 1 } = req.query;\n  const rows = await db.orders.list({ page, size: 50 });\n  res.json(rows);\n}',
  'def retry(fn, attempts=3):\n    for i in range(attempts):\n        try:\n            return fn()\n        except TimeoutError:\n            time.sleep(2 ** i)\n    raise',
  'CREATE INDEX CONCURRENTLY orders_created_at ON orders (created_at);',
  'const pool = new Pool({ max: 10, idleTimeoutMillis: 30_000 });\nprocess.on("SIGTERM", () => pool.end());',
];

export interface SeedOptions {
  readonly seed?: number;
  /** Number of chats; each has a few runs with their messages and approvals. */
  readonly chats?: number;
  /** Keep adding chats until about this many bytes of content are written (for benchmarks). */
  readonly targetBytes?: number;
  /** Shorter messages for a quick demo; the benchmark uses 200–4000 characters. */
  readonly messageChars?: readonly [number, number];
  readonly start?: Date;
}

export interface SeedResult {
  readonly rows: Readonly<Record<string, number>>;
  /** How many fake secrets were planted, for redaction tests and the demo. */
  readonly secretsPlanted: number;
  readonly contentBytes: number;
}

/** Fills a migrated workspace database with realistic, fake, deterministic data. */
export function seedWorkspace(db: SqliteDb, options: SeedOptions = {}): SeedResult {
  const rand = createRandom(options.seed ?? 42);
  const [minChars, maxChars] = options.messageChars ?? [200, 4000];
  const start = (options.start ?? new Date(Date.UTC(2026, 0, 5, 9, 0, 0))).getTime();
  const rows: Record<string, number> = { conv_chats: 0, conv_runs: 0, conv_messages: 0, sess_sessions: 0, appr_approvals: 0, settings: 0, credentials: 0 };
  let secrets = 0;
  let bytes = 0;
  let clock = start;
  const tick = (): string => {
    clock += int(rand, 1_000, 90_000);
    return new Date(clock).toISOString();
  };
  const secret = (): string => {
    secrets++;
    return fakeSecret(rand);
  };
  const home = (user: string): string => (rand() < 0.7 ? `/home/${user}` : `/Users/${user}`);

  const insertChat = db.prepare('INSERT INTO conv_chats VALUES (?, ?, ?, ?, ?)');
  const insertRun = db.prepare('INSERT INTO conv_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertMessage = db.prepare('INSERT INTO conv_messages (run_id, seq, role, content, tool_name, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertSession = db.prepare('INSERT INTO sess_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertApproval = db.prepare('INSERT INTO appr_approvals (run_id, session_id, action, command, decision, decided_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertSetting = db.prepare('INSERT INTO settings VALUES (?, ?, ?)');
  const insertCredential = db.prepare('INSERT INTO credentials (provider, api_key, access_token, refresh_token, client_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)');

  const message = (user: string, project: string): { role: string; content: string; tool: string | null } => {
    const roll = rand();
    const target = int(rand, minChars, maxChars);
    let content = '';
    let role = 'assistant';
    let tool: string | null = null;
    if (roll < 0.25) {
      role = 'user';
      content = `${pick(rand, TOPICS)}. The repo is at ${home(user)}/src/${project}.`;
      if (rand() < 0.08) content += ` My key is ${secret()} if you need it.`;
    } else if (roll < 0.5) {
      role = 'tool';
      tool = pick(rand, ['bash', 'read_file', 'grep', 'git']);
      if (rand() < 0.1) {
        content = `$ cat .env\nDATABASE_URL=postgres://app:${chars(rand, ALNUM, 16)}@db.internal:5432/app\nAPI_KEY=${secret()}\nDEBUG=false\n`;
      } else if (rand() < 0.05) {
        content = `$ git remote -v\norigin\thttps://${user}:${secret()}@github.com/acme/${project}.git (fetch)\n`;
      } else {
        content = `$ ls ${home(user)}/src/${project}\nREADME.md\npackage.json\nsrc\ntest\n`;
      }
    }
    while (content.length < target) {
      content += rand() < 0.3 ? `\n\`\`\`\n${pick(rand, CODE)}\n\`\`\`\n` : ` ${pick(rand, PROSE)}`;
    }
    return { role, content: content.slice(0, Math.max(target, content.indexOf('\n') + 1)), tool };
  };

  const sessions: string[] = [];
  const addChat = db.transaction((c: number) => {
    const user = pick(rand, USERS);
    const project = pick(rand, PROJECTS);
    if (c % 4 === 0 || sessions.length === 0) {
      const id = `sess_${chars(rand, HEX, 16)}`;
      const env = JSON.stringify({ SHELL: '/bin/zsh', HOME: home(user), GITHUB_TOKEN: secret(), EDITOR: 'vim' });
      const started = tick();
      insertSession.run(id, user, `${user}@example.com`, `${home(user)}/src/${project}`, env, started, tick(), started);
      sessions.push(id);
      rows['sess_sessions']!++;
    }
    const chatId = `chat_${chars(rand, HEX, 16)}`;
    const created = tick();
    insertChat.run(chatId, pick(rand, TOPICS), `${home(user)}/src/${project}`, created, tick());
    rows['conv_chats']!++;
    for (let r = int(rand, 3, 8); r > 0; r--) {
      const runId = `run_${chars(rand, HEX, 16)}`;
      const runCreated = tick();
      const status = pick(rand, ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled']);
      insertRun.run(runId, chatId, pick(rand, MODELS), status, int(rand, 500, 90_000), int(rand, 100, 8_000), Math.round(rand() * 2_000) / 1_000, runCreated, tick());
      rows['conv_runs']!++;
      for (let seq = 0, n = int(rand, 4, 12); seq < n; seq++) {
        const m = message(user, project);
        const meta = rand() < 0.3 ? JSON.stringify({ latency_ms: int(rand, 80, 9000), cwd: `${home(user)}/src/${project}`, ...(rand() < 0.1 ? { auth: { token: secret() } } : {}) }) : null;
        insertMessage.run(runId, seq, m.role, m.content, m.tool, meta, tick());
        rows['conv_messages']!++;
        bytes += m.content.length + (meta?.length ?? 0);
      }
      for (let a = int(rand, 0, 2); a > 0; a--) {
        const command = pick(rand, ['npm test', 'git push origin main', `rm -rf ${home(user)}/src/${project}/dist`, 'docker compose up -d', `curl -H "Authorization: Bearer ${secret()}" https://api.example.com/v1/me`]);
        insertApproval.run(runId, pick(rand, sessions), 'run_command', command, pick(rand, ['approved', 'approved', 'denied', 'auto']), user, tick());
        rows['appr_approvals']!++;
      }
    }
  });

  const chats = options.chats ?? (options.targetBytes ? Number.MAX_SAFE_INTEGER : 25);
  for (let c = 0; c < chats && (!options.targetBytes || bytes < options.targetBytes); c++) addChat(c);

  db.transaction(() => {
    const settings: [string, string][] = [
      ['theme', 'dark'],
      ['default_model', 'claude-sonnet-4-5'],
      ['telemetry', 'off'],
      ['openai_api_key', secret()],
      ['proxy_url', `http://proxy:${chars(rand, ALNUM, 12)}@proxy.internal:3128`],
    ];
    for (const [k, v] of settings) insertSetting.run(k, v, tick());
    rows['settings'] = settings.length;
    for (const provider of ['openai', 'anthropic', 'github']) {
      insertCredential.run(provider, secret(), secret(), secret(), rand() < 0.5 ? secret() : null, tick());
      rows['credentials']!++;
    }
  })();
  return { rows, secretsPlanted: secrets, contentBytes: bytes };
}
