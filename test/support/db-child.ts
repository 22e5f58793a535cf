/**
 * A second process for concurrency tests, run as `node db-child.js <mode> <database>`. It talks
 * JSON lines: it prints `{"ready":true,...}` once it holds what the mode asks for, answers each
 * command read from stdin with one line, and prints `{"bye":true,...}` before it exits.
 *
 * Modes:
 *   reader      keeps a connection open (commands: `counts`, `digest`, `exit`)
 *   read-tx     as reader, inside an open read transaction (rollback-journal lock tests)
 *   write-lock  holds `BEGIN IMMEDIATE` with one uncommitted insert (`rollback` ends it)
 *   writer      writes continuously: each transaction inserts one row into `a` and one into `b`
 *               (`status` says how many transactions committed so far, `stop` ends it)
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { countsOf, digestOf } from './sqlite.js';

const [mode, file] = process.argv.slice(2);
if (!mode || !file) throw new Error('usage: db-child <mode> <database>');

const say = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

const db = new Database(file, { fileMustExist: mode !== 'writer', timeout: 10_000 });
let stopping = false;
let committed = 0;

function answer(command: string): void {
  try {
    if (command === 'counts') say({ counts: countsOf(db), integrity: db.pragma('quick_check', { simple: true }) });
    else if (command === 'digest') say({ digest: digestOf(db) });
    else if (command === 'status') say({ status: true, committed });
    else if (command === 'rollback') {
      if (db.inTransaction) db.exec('ROLLBACK');
      say({ rolledBack: true });
    } else if (command === 'exit' || command === 'stop') {
      stopping = true;
    } else say({ error: `unknown command ${command}` });
  } catch (err) {
    say({ error: (err as Error).message, code: (err as { code?: string }).code });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => answer(line.trim()));

function finish(): void {
  if (db.inTransaction) db.exec('ROLLBACK');
  db.close();
  say({ bye: true, committed });
  process.exit(0);
}

if (mode === 'reader') {
  say({ ready: true, counts: countsOf(db) });
} else if (mode === 'read-tx') {
  db.exec('BEGIN');
  say({ ready: true, counts: countsOf(db) });
} else if (mode === 'write-lock') {
  db.exec('BEGIN IMMEDIATE');
  db.exec('CREATE TABLE IF NOT EXISTS lock_probe (id INTEGER PRIMARY KEY)');
  db.exec('INSERT INTO lock_probe DEFAULT VALUES');
  say({ ready: true });
} else if (mode === 'writer') {
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, at TEXT NOT NULL)');
  db.exec('CREATE TABLE IF NOT EXISTS b (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, at TEXT NOT NULL)');
  const insertA = db.prepare('INSERT INTO a (tx, at) VALUES (?, ?)');
  const insertB = db.prepare('INSERT INTO b (tx, at) VALUES (?, ?)');
  const one = db.transaction((n: number) => {
    const at = new Date().toISOString();
    insertA.run(n, at);
    insertB.run(n, at);
  });
  committed = Number(db.prepare('SELECT count(*) FROM a').pluck().get());
  say({ ready: true, committed });
  const loop = (): void => {
    if (stopping) return finish();
    // A few transactions per turn, then let stdin in: one row per table each time.
    for (let i = 0; i < 20; i++) {
      one(committed + 1);
      committed++;
    }
    if (committed % 1000 === 0) say({ committed });
    setImmediate(loop);
  };
  setImmediate(loop);
} else {
  throw new Error(`unknown mode ${mode}`);
}

if (mode !== 'writer') {
  const idle = setInterval(() => {
    if (stopping) {
      clearInterval(idle);
      finish();
    }
  }, 10);
}
