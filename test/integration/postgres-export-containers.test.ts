import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { exportDatabase, planExport } from '../../lib/export.js';
import { importExport } from '../../lib/import.js';
import { usePgWorkspace } from '../support/postgres.js';
import { openToRead } from '../support/sqlite.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace } from '../support/workspace.js';
import { ALNUM, body, seeded } from '../unit/redaction/fakes.js';

const NOW = new Date('2024-01-20T14:30:45Z');
const FORMATS = ['json', 'ndjson', 'csv', 'sqlite'] as const;

/** The output's bytes, with every `\x` hex run (bytea's text form, backslash doubled or not) decoded too. */
function bytesAndHex(file: Buffer): string {
  const text = file.toString('latin1');
  const decoded = [...text.matchAll(/\\x((?:[0-9a-f]{2}){4,})/g)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1'));
  return [text, ...decoded].join('\n');
}

/** Row objects of one table in an ndjson export. */
async function ndjsonRows(file: string, table: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith(`{"table":${JSON.stringify(table)},"row"`))
    .map((l) => (JSON.parse(l) as { row: Record<string, unknown> }).row);
}

describe('integration: PostgreSQL arrays, composites and hstore under redaction', function () {
  const rand = seeded(4242);
  const secret = (): string => body(rand, ALNUM, 18);
  const s = { pw: secret(), keys: secret(), cred: secret(), stripe: secret(), wrapped: secret(), apiKey: secret(), apiKey2: secret(), quoted: secret(), hkey: secret() };
  const token = `ghp_${body(rand, ALNUM, 36)}`;
  const openai = `sk-proj-${body(rand, ALNUM, 48)}`;
  const argv = { mysql: secret(), zip: secret(), sshpass: secret(), wandb: secret() };
  const fx = usePgWorkspace('acode_containers', (pg, db) =>
    pg
      .query(
        `CREATE EXTENSION hstore;
         CREATE TYPE wrap AS (label text, doc jsonb);
         CREATE TYPE att AS (name text, body bytea);
         CREATE TYPE cred AS (provider text, api_key text);
         CREATE TABLE docs (id int PRIMARY KEY, ja jsonb[], h hstore, w wrap);
         INSERT INTO docs VALUES
          (1, ARRAY['{"password": {"value": "${s.pw}"}}'::jsonb, NULL], hstore('doc', '{"credentials": {"default": "${s.cred}"}}'), ROW('x y', '{"credentials": {"default": "${s.wrapped}"}}')),
          (2, ARRAY['{"api_keys": ["${s.keys}"]}'::jsonb], hstore(ARRAY['cfg', 'api_key', 'n'], ARRAY['{"secrets": {"stripe": "${s.stripe}"}}', '${s.hkey}', NULL]), NULL);
         CREATE TABLE attachments (id int PRIMARY KEY, many bytea[], pair att);
         INSERT INTO attachments VALUES (1,
           ARRAY[convert_to('GITHUB_TOKEN=${token}', 'UTF8'), NULL, '\\x00ff'::bytea],
           ROW('.env', convert_to('OPENAI_API_KEY=${openai}', 'UTF8')));
         CREATE TABLE accounts (id int PRIMARY KEY, account cred, history cred[]);
         INSERT INTO accounts VALUES (1, ROW('openai', '${s.apiKey}'), ARRAY[ROW('a "b"', '${s.apiKey2}')::cred, ROW(NULL, NULL)::cred, NULL]);
         CREATE TABLE quoted (id int PRIMARY KEY, a text[]);
         INSERT INTO quoted VALUES (1, ARRAY['{"password": "a\\"${s.quoted}"}']);
         CREATE TABLE commands (id int PRIMARY KEY, argv text[]);
         INSERT INTO commands VALUES (1, ARRAY['mysql', '-u', 'root', '-p${argv.mysql}']), (2, ARRAY['zip', '-P', '${argv.zip}', 'out.zip', 'notes dir']),
          (3, ARRAY['sshpass', '-p', '${argv.sshpass}', 'ssh', NULL, 'bob@db']), (4, ARRAY['wandb', 'login', '${argv.wandb}']),
          (5, ARRAY['zip', '-r', 'out.zip', 'src']), (6, ARRAY['mysql', '-p']), (7, '{{zip,-P},{x,y}}');
         CREATE TABLE harmless (id int PRIMARY KEY, t text[], grid int[], shifted text[], boxes box[], ja jsonb[], h hstore, w wrap, b bytea[], c cred[]);
         INSERT INTO harmless VALUES
          (1, ARRAY['', 'NULL', 'null', 'a b', 'a,b', 'q"uote', 'back\\slash', NULL, '{brace}', 'é ü'], '{{1,2},{3,NULL}}', '[0:1]={x,"y z"}',
              ARRAY['(1,1),(0,0)'::box, '(2,2),(1,1)'::box], ARRAY['{"k": "v, w"}'::jsonb, NULL], hstore(ARRAY['a', 'b c', 'd"e', 'f'], ARRAY['1', NULL, 'x\\y', '']),
              ROW('', NULL), ARRAY['\\x00ff'::bytea, NULL, ''::bytea], ARRAY[ROW('openai', NULL)::cred, ROW(NULL, NULL)::cred]),
          (2, '{}', NULL, NULL, NULL, '{}', '', ROW(NULL, NULL), '{}', '{}')`,
        db,
      )
      .then(() => undefined),
  );

  it('walks JSON inside jsonb[] elements, hstore values and composite fields by key, in every format (red team finding 2)', async () => {
    const leaked = [s.pw, s.keys, s.cred, s.stripe, s.wrapped, s.hkey];
    for (const format of FORMATS) {
      const out = path.join(fx.out, `docs.${format}`);
      const result = await exportDatabase({ config: await fx.ws.config(), format, output: out, tables: ['docs'], redact: true, now: () => NOW });
      const bytes = bytesAndHex(await readFile(out));
      for (const x of leaked) expect(bytes.includes(x), `${format}: ${x}`).to.equal(false);
      expect(result.redaction?.byTable['docs'], format).to.deep.equal({ ja: { password: 1, api_key: 1 }, h: { credentials: 1, secret: 1, api_key: 1 }, w: { credentials: 1 } });
    }
    const rows = await ndjsonRows(path.join(fx.out, 'docs.ndjson'), 'docs');
    expect(rows[0]).to.deep.equal({
      id: 1,
      ja: '{"{\\"password\\": {\\"value\\": \\"[REDACTED]\\"}}",NULL}',
      h: '"doc"=>"{\\"credentials\\": {\\"default\\": \\"[REDACTED]\\"}}"',
      w: '("x y","{""credentials"": {""default"": ""[REDACTED]""}}")',
    });
    expect(rows[1]!['h']).to.equal('"n"=>NULL, "cfg"=>"{\\"secrets\\": {\\"stripe\\": \\"[REDACTED]\\"}}", "api_key"=>"[REDACTED]"');
  });

  it('decodes bytea in arrays and composites, redacts it as a BLOB and writes it back as hex (red team finding 3)', async () => {
    for (const format of FORMATS) {
      const out = path.join(fx.out, `att.${format}`);
      await exportDatabase({ config: await fx.ws.config(), format, output: out, tables: ['attachments'], redact: true, now: () => NOW });
      const bytes = bytesAndHex(await readFile(out));
      expect(bytes.includes(token.slice(4)), `${format}: the GitHub token`).to.equal(false);
      expect(bytes.includes(openai.slice(8)), `${format}: the OpenAI key`).to.equal(false);
    }
    const [row] = await ndjsonRows(path.join(fx.out, 'att.ndjson'), 'attachments');
    const hex = (text: string): string => `\\\\x${Buffer.from(text).toString('hex')}`;
    expect(row).to.deep.equal({ id: 1, many: `{"${hex('GITHUB_TOKEN=[REDACTED]')}",NULL,"\\\\x00ff"}`, pair: `(.env,"${hex('OPENAI_API_KEY=[REDACTED]')}")` });
  });

  it('replaces a composite field named like a secret whole, in arrays of composites too, and the plan says so (red team finding 4)', async () => {
    for (const format of FORMATS) {
      const out = path.join(fx.out, `acc.${format}`);
      await exportDatabase({ config: await fx.ws.config(), format, output: out, tables: ['accounts'], redact: true, now: () => NOW });
      const bytes = (await readFile(out)).toString('latin1');
      for (const x of [s.apiKey, s.apiKey2]) expect(bytes.includes(x), `${format}: ${x}`).to.equal(false);
    }
    // Written back as PostgreSQL prints the same value with the placeholder in it.
    const [printed] = await fx.pg.query(`SELECT concat(ROW('openai', '[REDACTED]')::cred) AS account, concat(ARRAY[ROW('a "b"', '[REDACTED]')::cred, ROW(NULL, NULL)::cred, NULL]) AS history`, fx.database);
    expect(printed!['history']).to.equal('{"(\\"a \\"\\"b\\"\\"\\",[REDACTED])","(,)",NULL}');
    expect(await ndjsonRows(path.join(fx.out, 'acc.ndjson'), 'accounts')).to.deep.equal([{ id: 1, ...printed }]);
    const plan = await planExport({ config: await fx.ws.config(), format: 'json', output: path.join(fx.out, 'plan.json'), tables: ['accounts', 'attachments', 'docs'], redact: true, now: () => NOW });
    const parts = plan.tables.flatMap((t) => t.columns.filter((c) => c.parts).map((c) => [t.name, c.column, c.parts]));
    expect(parts).to.deep.equal([
      ['accounts', 'account', 'a composite (provider: text, api_key: replaced whole by column rule api_key)'],
      ['accounts', 'history', 'an array of a composite (provider: text, api_key: replaced whole by column rule api_key)'],
      ['attachments', 'many', 'an array of bytea (decoded and scanned as a BLOB)'],
      ['attachments', 'pair', 'a composite (name: text, body: bytea (decoded and scanned as a BLOB))'],
      ['docs', 'ja', 'an array of text'],
      ['docs', 'h', 'an hstore'],
      ['docs', 'w', 'a composite (label: text, doc: text)'],
    ]);
  });

  it("takes the whole password in a text[] element's JSON, escaped quote and all (red team finding 7)", async () => {
    const out = path.join(fx.out, 'q.ndjson');
    await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, tables: ['quoted'], redact: true, now: () => NOW });
    expect(await ndjsonRows(out, 'quoted')).to.deep.equal([{ id: 1, a: '{"{\\"password\\": \\"[REDACTED]\\"}"}' }]);
  });

  it("reads a text[]'s elements together as an argument list: a password in the element after its command's flag goes, the rest stays", async () => {
    const out = path.join(fx.out, 'argv.ndjson');
    const result = await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, tables: ['commands'], redact: true, now: () => NOW });
    expect(await ndjsonRows(out, 'commands')).to.deep.equal([
      { id: 1, argv: '{mysql,-u,root,-p[REDACTED]}' },
      { id: 2, argv: '{zip,-P,[REDACTED],out.zip,"notes dir"}' },
      { id: 3, argv: '{sshpass,-p,[REDACTED],ssh,NULL,bob@db}' },
      { id: 4, argv: '{wandb,login,[REDACTED]}' },
      { id: 5, argv: '{zip,-r,out.zip,src}' },
      { id: 6, argv: '{mysql,-p}' },
      { id: 7, argv: '{{zip,-P},{x,y}}' },
    ]);
    expect(result.redaction?.byTable['commands']).to.deep.equal({ argv: { secret_assignment: 4 } });
  });

  it('leaves harmless containers byte for byte as PostgreSQL prints them (NULLs, quoting, bounds, the box delimiter), as --no-redact does', async () => {
    const columns = ['t', 'grid', 'shifted', 'boxes', 'ja', 'h', 'w', 'b', 'c'];
    const printed = await fx.pg.query(`SET bytea_output = 'hex'; SELECT id, ${columns.map((c) => `CASE WHEN num_nulls(${c}) = 0 THEN concat(${c}) END AS ${c}`).join(', ')} FROM harmless ORDER BY id`, fx.database);
    const expected: Record<string, unknown>[] = printed.map((r) => ({ ...r, id: Number(r['id']) }));
    expect(expected[0]!['t']).to.equal('{"","NULL","null","a b","a,b","q\\"uote","back\\\\slash",NULL,"{brace}","é ü"}');
    expect(expected[0]!['boxes']).to.equal('{(1,1),(0,0);(2,2),(1,1)}');
    for (const redact of [true, false]) {
      const out = path.join(fx.out, `h-${redact}.ndjson`);
      const result = await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, tables: ['harmless'], redact, now: () => NOW });
      expect(await ndjsonRows(out, 'harmless'), `redact ${redact}`).to.deep.equal(expected);
      if (redact) expect(result.redaction?.total).to.equal(0);
    }
  });

  it('writes redacted values PostgreSQL still reads as their type, and the redacted export imports into SQLite', async () => {
    const out = path.join(fx.out, 'all.ndjson');
    await exportDatabase({ config: await fx.ws.config(), format: 'ndjson', output: out, tables: ['docs', 'attachments', 'accounts'], redact: true, now: () => NOW });
    const docs = await ndjsonRows(out, 'docs');
    const [att] = await ndjsonRows(out, 'attachments');
    const [acc] = await ndjsonRows(out, 'accounts');
    const lit = (v: unknown): string => `'${String(v).replace(/'/g, "''")}'`;
    const [read] = await fx.pg.query(
      `SELECT (${lit(docs[0]!['ja'])}::jsonb[])[1] #>> '{password,value}' AS pw, (${lit(docs[1]!['h'])}::hstore) -> 'api_key' AS hkey, ((${lit(docs[0]!['w'])}::wrap).doc) #>> '{credentials,default}' AS wrapped,
              convert_from((${lit(att!['many'])}::bytea[])[1], 'UTF8') AS many, convert_from((${lit(att!['pair'])}::att).body, 'UTF8') AS body,
              (${lit(acc!['account'])}::cred).api_key AS api_key, ((${lit(acc!['history'])}::cred[])[1]).provider AS provider`,
      fx.database,
    );
    expect(read).to.deep.equal({ pw: '[REDACTED]', hkey: '[REDACTED]', wrapped: '[REDACTED]', many: 'GITHUB_TOKEN=[REDACTED]', body: 'OPENAI_API_KEY=[REDACTED]', api_key: '[REDACTED]', provider: 'a "b"' });
    const target = await createWorkspace({ database: 'none' });
    try {
      await importExport({ config: await target.config(), source: out });
      const db = openToRead(target.db);
      try {
        expect(db.prepare('SELECT account FROM accounts').get()).to.deep.equal({ account: '(openai,[REDACTED])' });
        expect(db.prepare('SELECT many FROM attachments').get()).to.deep.equal({ many: att!['many'] });
      } finally {
        db.close();
      }
    } finally {
      await removeTempDir(target.dir);
    }
  });
});
