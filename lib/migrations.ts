/** One step of the workspace schema; applied once, in its own transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The workspace database of the agent: conversations, runs, messages, sessions, approvals, and
 * the settings and credentials an agent keeps (which is why exports are redacted).
 */
export const WORKSPACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '001_conversations',
    sql: `
      CREATE TABLE conv_chats (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        workspace_path TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE conv_runs (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES conv_chats(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX conv_runs_chat ON conv_runs(chat_id, created_at);
      CREATE TABLE conv_messages (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES conv_runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content TEXT NOT NULL,
        tool_name TEXT,
        metadata TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (run_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: '002_sessions_approvals',
    sql: `
      CREATE TABLE sess_sessions (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        email TEXT,
        cwd TEXT NOT NULL,
        shell_env TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE appr_approvals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES conv_runs(id) ON DELETE CASCADE,
        session_id TEXT REFERENCES sess_sessions(id),
        action TEXT NOT NULL,
        command TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'denied', 'auto')),
        decided_by TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX appr_approvals_run ON appr_approvals(run_id);
    `,
  },
  {
    version: 3,
    name: '003_settings_credentials',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE credentials (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        api_key TEXT,
        access_token TEXT,
        refresh_token TEXT,
        client_secret TEXT,
        created_at TEXT NOT NULL
      );
    `,
  },
];

/** The newest workspace schema version this acode knows. */
export function latestSchemaVersion(): number {
  return Math.max(...WORKSPACE_MIGRATIONS.map((m) => m.version));
}
