import { expect } from 'chai';
import type { SqlValue } from '../../../lib/records.js';
import { FAKE, column, fakePassword, fakePem, seeded, table } from './fakes.js';
import { counts, policyWith, redactText, redactValues } from './helpers.js';

const rand = seeded(21);
const github = (): string => FAKE['github_token']!(rand);
const openai = (): string => FAKE['openai_api_key']!(rand);

describe('structure-aware redaction', () => {
  it('JSON in text: secret-named keys at any depth are replaced whole, other strings go through content rules', () => {
    const token = fakePassword(rand);
    const pw = fakePassword(rand);
    const key = openai();
    const doc = {
      latency_ms: 12,
      cwd: '/home/alice/src/api',
      auth: { token, type: 'bearer' },
      env: [{ name: 'x', nested: { deeper: { DB_PASSWORD: pw, note: `key ${key}` } } }],
      credentials: { user: 'bob', pass: 'x' },
      input_tokens: 1200,
      password_required: true,
      refresh_token: null,
    };
    const text = JSON.stringify(doc, null, 2);
    const { out, summary } = redactText(text);
    const back = JSON.parse(out) as typeof doc;
    expect(back.auth).to.deep.equal({ token: '[REDACTED]', type: 'bearer' });
    expect(back.env[0]!.nested.deeper).to.deep.equal({ DB_PASSWORD: '[REDACTED]', note: 'key [REDACTED]' });
    // An object under a secret-named key is walked: each value goes, its shape stays.
    expect(back.credentials).to.deep.equal({ user: '[REDACTED]', pass: '[REDACTED]' });
    expect(back.cwd).to.equal('~/src/api');
    expect(back.input_tokens).to.equal(1200);
    expect(back.password_required).to.equal(true);
    expect(back.refresh_token).to.equal(null);
    expect(out, 'formatting is kept').to.equal(JSON.stringify(back, null, 2));
    expect(counts(summary)).to.deep.equal({ token: 1, password: 1, openai_api_key: 1, credentials: 2, home_path: 1 });
  });

  it('JSON in text keeps what JSON.parse would lose: 64-bit numbers and formatting of untouched parts', () => {
    const text = `{"id": 9007199254740993, "api_key": "${fakePassword(rand)}",   "n": 1.50}`;
    expect(redactText(text).out).to.equal('{"id": 9007199254740993, "api_key": "[REDACTED]",   "n": 1.50}');
  });

  it('JSON inside a JSON string is parsed too', () => {
    const secret = fakePassword(rand);
    const inner = JSON.stringify({ client_secret: secret });
    const text = JSON.stringify({ tool: 'read_file', output: inner });
    const { out } = redactText(text);
    expect(JSON.parse(JSON.parse(out).output as string)).to.deep.equal({ client_secret: '[REDACTED]' });
    expect(out).to.not.include(secret);
  });

  it('text that only looks like JSON falls back to content rules', () => {
    const key = github();
    const text = `{ not json, token: ${key} }`;
    const { out, summary } = redactText(text);
    expect(out).to.equal('{ not json, token: [REDACTED] }');
    expect(summary.total).to.equal(1);
    expect(redactText('[1/3] building').out).to.equal('[1/3] building');
  });

  it('multi-line PEM blocks inside JSON strings and escaped in non-JSON text', () => {
    const pem = fakePem(rand, 'RSA');
    const json = JSON.stringify({ type: 'service_account', private_key: pem, note: pem });
    const { out, summary } = redactText(json);
    expect(JSON.parse(out)).to.deep.equal({ type: 'service_account', private_key: '[REDACTED]', note: '[REDACTED]' });
    expect(counts(summary)).to.deep.equal({ private_key: 1, pem_private_key: 1 });
    const escaped = `$ cat sa.json | head\n  "private_key": ${JSON.stringify(pem)},\n  "client_email": "x"`;
    expect(redactText(escaped).out).to.not.include(pem.split('\n')[1]!);
  });

  it('git remote URLs with tokens, in a tool output', () => {
    const token = github();
    const pw = fakePassword(rand);
    const text = `$ git remote -v\norigin\thttps://${token}@github.com/acme/api.git (fetch)\nbackup\thttps://deploy:${pw}@gitlab.example.com/acme/api.git (push)`;
    const { out, summary } = redactText(text);
    expect(out).to.equal('$ git remote -v\norigin\thttps://[REDACTED]@github.com/acme/api.git (fetch)\nbackup\thttps://deploy:[REDACTED]@gitlab.example.com/acme/api.git (push)');
    expect(counts(summary)).to.deep.equal({ github_token: 1, url_password: 1 });
  });

  it('BLOBs of UTF-8 text are scanned like text and stay BLOBs; unchanged BLOBs are the same object', () => {
    const key = github();
    const blob = Buffer.from(`config: token ${key} for /home/alice/x`, 'utf8');
    const clean = Buffer.from('plain bytes, nothing to see', 'utf8');
    const { out, summary } = redactValues([blob, clean]);
    expect(out[0]).to.be.instanceOf(Uint8Array);
    expect(Buffer.from(out[0] as Uint8Array).toString('utf8')).to.equal('config: token [REDACTED] for ~/x');
    expect(out[1]).to.equal(clean);
    expect(summary.total).to.equal(2);
  });

  it('binary BLOBs are read byte for byte: an ASCII secret inside is replaced, the other bytes kept', () => {
    const key = github();
    const bytes = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80]), Buffer.from(` ${key} `, 'latin1'), Buffer.from([0xc3, 0x28, 0x01])]);
    const { out } = redactValues([bytes]);
    const expected = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80]), Buffer.from(' [REDACTED] ', 'latin1'), Buffer.from([0xc3, 0x28, 0x01])]);
    expect(Buffer.from(out[0] as Uint8Array).equals(expected)).to.equal(true);
  });

  it('numbers are not scanned; NULL and empty strings are kept', () => {
    const { out, summary } = redactValues([42n, 1.5, null, '']);
    expect(out).to.deep.equal([42n, 1.5, null, '']);
    expect(summary.total).to.equal(0);
  });
});

describe('column plans', () => {
  const schema = table('credentials', [
    column('id', 'INTEGER'), 'provider', 'api_key', 'apiKey', 'API-KEY', 'access_token', 'refresh_token', 'client_secret', 'db_password',
    'private_key', 'credentials', 'input_tokens', 'token_type', 'password_changed_at', 'primary_key', 'sort_key', 'content',
  ]);

  it('says for every column what happens to it, computed once per table', () => {
    const plan = policyWith().plan(schema);
    const summary = Object.fromEntries(plan.columns.map((c) => [c.column, c.action === 'redact' ? `redact:${c.rule}` : c.action]));
    expect(summary).to.deep.equal({
      id: 'scan', provider: 'scan', api_key: 'redact:api_key', apiKey: 'redact:api_key', 'API-KEY': 'redact:api_key',
      access_token: 'redact:token', refresh_token: 'redact:token', client_secret: 'redact:secret', db_password: 'redact:password',
      private_key: 'redact:private_key', credentials: 'redact:credentials', input_tokens: 'scan', token_type: 'scan',
      password_changed_at: 'scan', primary_key: 'scan', sort_key: 'scan', content: 'scan',
    });
    for (const c of plan.columns) expect(c.reason).to.be.a('string').and.not.equal('');
    expect(plan.table).to.equal('credentials');
  });

  it('redacts whole values of redacted columns: text, numbers and BLOBs; NULL stays NULL', () => {
    const policy = policyWith();
    const plan = policy.plan(table('t', ['api_key', 'content']));
    const redactor = policy.createRedactor();
    const rows: SqlValue[][] = [['x1', 'a'], [123n, 'b'], [Buffer.from('raw'), 'c'], [null, 'd']];
    redactor.redactRows('t', plan, rows);
    expect(rows.map((r) => r[0])).to.deep.equal(['[REDACTED]', '[REDACTED]', Buffer.from('[REDACTED]'), null]);
    expect(redactor.summary().byTable).to.deep.equal({ t: { api_key: { api_key: 3 } } });
  });

  it('key/value tables: the value is taken whole when the row\'s key names a secret', () => {
    const policy = policyWith();
    const plan = policy.plan(table('settings', ['key', 'value', 'updated_at']));
    expect(plan.columns[1]!.reason).to.include('key names a secret');
    const redactor = policy.createRedactor();
    const pw = fakePassword(rand);
    const rows: SqlValue[][] = [['theme', 'dark', 'now'], ['smtp_password', pw, 'now'], ['max_tokens', '4096', 'now']];
    redactor.redactRows('settings', plan, rows);
    expect(rows.map((r) => r[1])).to.deep.equal(['dark', '[REDACTED]', '4096']);
  });

  it('key/value tables with a name column too: the key column is the key, `(id, name, key, value)` as `(key, value)`', () => {
    const policy = policyWith();
    const plan = policy.plan(table('prefs', ['id', 'name', 'key', 'value']));
    expect(plan.columns[3]!.reason).to.include("the row's key names a secret");
    const redactor = policy.createRedactor();
    const pw = fakePassword(rand);
    const rows: SqlValue[][] = [[1n, 'Postgres', 'db_password', pw], [2n, 'Theme', 'theme', 'dark']];
    redactor.redactRows('prefs', plan, rows);
    expect(rows.map((r) => r[3])).to.deep.equal(['[REDACTED]', 'dark']);
  });

  it('BLOBs of UTF-16 text (with and without a byte order mark, either byte order) are redacted as text and stay UTF-16', () => {
    const policy = policyWith();
    const plan = policy.plan(table('tool_output', ['id', column('stdout', 'BLOB')]));
    const key = FAKE['anthropic_api_key']!(rand);
    const text = `$env:ANTHROPIC_API_KEY = "${key}"\r\ncd /home/alice/src\r\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const binary = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
    const inputs = [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), Buffer.concat([Buffer.from([0xfe, 0xff]), be]), le, binary];
    const rows: SqlValue[][] = inputs.map((b, i) => [BigInt(i), b]);
    policy.createRedactor().redactRows('tool_output', plan, rows);
    const want = '$env:ANTHROPIC_API_KEY = "[REDACTED]"\r\ncd ~/src\r\n';
    const out = rows.map((r) => r[1] as Buffer);
    expect(out[0]!.subarray(0, 2)).to.deep.equal(Buffer.from([0xff, 0xfe]));
    expect(out[0]!.subarray(2).toString('utf16le')).to.equal(want);
    expect(out[1]!.subarray(0, 2)).to.deep.equal(Buffer.from([0xfe, 0xff]));
    expect(Buffer.from(out[1]!.subarray(2)).swap16().toString('utf16le')).to.equal(want);
    expect(out[2]!.toString('utf16le')).to.equal(want);
    expect(out[3], 'binary data is left as it was').to.equal(binary);
  });

  it('JSON name/value pairs (Kubernetes and ECS env lists): the value of a pair whose name names a secret is taken whole', () => {
    const pw = fakePassword(rand);
    const spec = `{"env":[{"name":"DB_PASSWORD","value":"${pw}"},{"name":"LOG_LEVEL","value":"debug"},{"value":"${pw}x","name":"apiKey"}],"key":"api_key","val":"${pw}y","other":{"key":"theme","value":"dark"}}`;
    const { out } = redactText(spec);
    expect(JSON.parse(out)).to.deep.equal({
      env: [{ name: 'DB_PASSWORD', value: '[REDACTED]' }, { name: 'LOG_LEVEL', value: 'debug' }, { value: '[REDACTED]', name: 'apiKey' }],
      key: 'api_key',
      val: '[REDACTED]',
      other: { key: 'theme', value: 'dark' },
    });
  });

  it('with default_rules off and no content rules, columns are kept', () => {
    const plan = policyWith({ defaultRules: false, redactEmails: false, redactPaths: false }).plan(table('t', ['api_key', 'content']));
    expect(plan.columns.map((c) => c.action)).to.deep.equal(['keep', 'keep']);
  });
});
