import { expect } from 'chai';
import { CopyRowCounter, parseCopyTarget, tocHasData } from '../../../lib/postgres/archive.js';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePgUrl } from '../../../lib/postgres/connection.js';
import { pgToolPath } from '../../../lib/postgres/tools.js';
import { makeTempDir, removeTempDir } from '../../support/temp.js';

/** pg_restore --data-only output for three tables, one with a value holding an escaped newline. */
const SCRIPT = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  "SET client_encoding = 'UTF8';",
  '',
  'COPY public.messages (id, content) FROM stdin;',
  '1\tfirst line\\nsecond line',
  '2\t\\N',
  '3\tCOPY public.fake FROM stdin;',
  '\\.',
  '',
  'COPY public."Odd ""Name"" x" (id) FROM stdin;',
  '\\.',
  '',
  'COPY s2.z (a) FROM stdin;',
  '\\\\x00ff',
  '\\.',
  '',
  '-- PostgreSQL database dump complete',
  '',
].join('\n');

const EXPECTED = [
  { name: 'Odd "Name" x', rows: 0 },
  { name: 'messages', rows: 3 },
  { name: 's2.z', rows: 1 },
];

describe('pg_dump archive reading', () => {
  it('counts COPY rows per table whatever the chunk boundaries', () => {
    const bytes = Buffer.from(SCRIPT);
    for (let size = 1; size <= bytes.length; size++) {
      const counter = new CopyRowCounter();
      for (let i = 0; i < bytes.length; i += size) counter.push(bytes.subarray(i, i + size));
      expect(counter.finish(), `chunks of ${size}`).to.deep.equal(EXPECTED);
    }
  });

  it('calls a data block without its terminator a truncated archive', () => {
    const counter = new CopyRowCounter();
    counter.push(Buffer.from('COPY public.t (a) FROM stdin;\n1\n2\n'));
    expect(() => counter.finish()).to.throw('the data of t ends without its terminator: the archive is truncated');
  });

  it('finds a table\'s data entry in the table of contents by its oid, whatever spaces its names and owner hold', () => {
    const toc = { serverVersion: '15', dataOids: new Set([16386, 16393]) };
    expect(tocHasData(toc, 16386)).to.equal(true);
    expect(tocHasData(toc, 16390)).to.equal(false);
  });

  it('reads quoted and schema-qualified COPY targets the way acode names tables', () => {
    expect(parseCopyTarget('public.messages (id) FROM stdin;')).to.equal('messages');
    expect(parseCopyTarget('public."Odd ""Name"" x" (id) FROM stdin;')).to.equal('Odd "Name" x');
    expect(parseCopyTarget('"my.schema"."t" FROM stdin;')).to.equal('my.schema.t');
    expect(parseCopyTarget('s2.z (a) FROM stdin;')).to.equal('s2.z');
  });
});

describe('PostgreSQL URLs', () => {
  const url = 'postgresql://agent:p%40ss%20w0rd@db.example:6543/workspace?sslmode=require';

  it('shows the URL without its password and hands the password to children in PGPASSWORD only', () => {
    const target = parsePgUrl(url);
    expect(target.display).to.equal('postgresql://agent@db.example:6543/workspace?sslmode=require');
    expect(target.dbnameArg).to.equal(target.display);
    expect(target.database).to.equal('workspace');
    expect(target.childEnv()['PGPASSWORD']).to.equal('p@ss w0rd');
    expect(target.withDatabase('postgres').display).to.equal('postgresql://agent@db.example:6543/postgres?sslmode=require');
  });

  it('treats a password in the query string as one: never shown, never on a command line, given in PGPASSWORD', () => {
    const target = parsePgUrl('postgresql://agent@db.example/workspace?password=s3cret&sslmode=require&sslpassword=k3y');
    expect(target.display).to.equal('postgresql://agent@db.example/workspace?sslmode=require');
    expect(target.dbnameWithApplication('acode-restore-1')).to.equal('postgresql://agent@db.example/workspace?sslmode=require&application_name=acode-restore-1');
    expect(target.childEnv()['PGPASSWORD']).to.equal('s3cret');
  });

  it('refuses what is not a PostgreSQL URL naming a database, without echoing a password', () => {
    expect(() => parsePgUrl('mysql://u:secret@h/db')).to.throw(/must start with postgresql:\/\//);
    expect(() => parsePgUrl('postgresql://u:secret@h/')).to.throw('database.url names no database: postgresql://u@h/');
    expect(() => parsePgUrl('not a url')).to.throw(/not a URL/);
    expect(() => parsePgUrl('postgresql://u:%E0%A4%A@h/db')).to.throw('database.url has a malformed %-escape: postgresql://u@h/db');
    // libpq's socket form with a user but no host is no URL: the message shows the form that is, not the password.
    const socket = (): unknown => parsePgUrl('postgresql://agent:s3cretPw@/workspace?host=/run/postgresql');
    expect(socket).to.throw('database.url has a user but no host; for a Unix socket write postgresql:///database?host=/run/postgresql&user=NAME');
    expect(socket).to.not.throw(/s3cretPw/);
    expect(parsePgUrl('postgresql:///workspace?host=/run/postgresql&user=agent').database).to.equal('workspace');
  });
});

describe('finding pg_dump', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('pg-bin');
    // wrapped/pg_dump is Debian's kind: a link to a Perl script named pg_wrapper.
    for (const sub of ['common', 'wrapped', 'real']) await mkdir(path.join(dir, sub));
    await writeFile(path.join(dir, 'common', 'pg_wrapper'), '#!/bin/sh\n');
    await writeFile(path.join(dir, 'real', 'pg_dump'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'common', 'pg_wrapper'), 0o755);
    await chmod(path.join(dir, 'real', 'pg_dump'), 0o755);
    await symlink(path.join(dir, 'common', 'pg_wrapper'), path.join(dir, 'wrapped', 'pg_dump'));
  });
  afterEach(() => removeTempDir(dir));

  it('passes over pg_wrapper on PATH for a real pg_dump further on', () => {
    const env = { PATH: [path.join(dir, 'wrapped'), path.join(dir, 'real')].join(path.delimiter) };
    expect(pgToolPath('pg_dump', env)).to.equal(path.join(dir, 'real', 'pg_dump'));
  });

  it('takes ACODE_PG_BIN first', () => {
    const env = { ACODE_PG_BIN: path.join(dir, 'real'), PATH: '/usr/bin' };
    expect(pgToolPath('pg_dump', env)).to.equal(path.join(dir, 'real', 'pg_dump'));
  });

  it('ACODE_PG_BIN without the tool is ACODE-DB-006, not another version found on PATH', () => {
    // The user named that folder: a pg_restore from PATH could be older than the server.
    const env = { ACODE_PG_BIN: path.join(dir, 'real'), PATH: path.join(dir, 'real') };
    expect(() => pgToolPath('pg_restore', env)).to.throw(/pg_restore is not in ACODE_PG_BIN \(.*real\), and acode does not look elsewhere when it is set/).with.property('code', 'ACODE-DB-006');
    const missing = { ACODE_PG_BIN: path.join(dir, 'nonexistent'), PATH: path.join(dir, 'real') };
    expect(() => pgToolPath('pg_dump', missing)).to.throw(/pg_dump is not in ACODE_PG_BIN/).with.property('code', 'ACODE-DB-006');
  });
});
