/**
 * User names were exported in clear while the same name was stripped from paths: the demo's
 * sess_sessions gave `dana,…,~/src/data-pipeline`. Columns (and JSON keys) named like a user name
 * are now masked as e-mail addresses are, under the same switch (`export.redact_emails`).
 */
import { expect } from 'chai';
import { summaryLines } from '../../../lib/redaction/index.js';
import { isUserNameName } from '../../../lib/redaction/names.js';
import { table } from './fakes.js';
import { policyWith, redactText } from './helpers.js';

const NAMES = ['user_name', 'username', 'userName', 'USER_NAME', 'user-name', 'UserName', 'login', 'login_name', 'user_login', 'os_user', 'OS_USER', 'os_username', 'os_user_name', 'ssh_user', 'git_user_name', 'github_login', 'decided_by', 'decidedBy', 'APPROVED_BY', 'denied_by', 'rejected_by', 'reviewed_by'];
const NOT_NAMES = ['id', 'user_id', 'role', 'user_agent', 'author_id', 'last_login', 'login_count', 'login_at', 'login_url', 'user', 'users', 'user_name_hash', 'username_length', 'user_role', 'user_type', 'display_name', 'user_email', 'content', 'created_by', 'updated_by', 'by', 'decided_at', 'decided', 'decision', 'approved_by_id', 'sorted_by', 'group_by'];

describe('identifiers: user name columns', () => {
  it('names a user name by words, in any case or separator; not ids, roles, agents or times', () => {
    for (const name of NAMES) expect(isUserNameName(name), name).to.equal(true);
    for (const name of NOT_NAMES) expect(isUserNameName(name), name).to.equal(false);
  });

  it('plans them as redacted by the default column rule user_name, listed among the rules', () => {
    const policy = policyWith();
    const plan = policy.plan(table('sess_sessions', [...NAMES, ...NOT_NAMES]));
    const redacted = plan.columns.filter((c) => c.action === 'redact').map((c) => [c.column, c.rule]);
    expect(redacted).to.deep.equal(NAMES.map((n) => [n, 'user_name']));
    expect(policy.rules.filter((r) => r.name === 'user_name')).to.deep.equal([
      { name: 'user_name', kind: 'column', category: 'user names', source: 'default', description: policy.rules.find((r) => r.name === 'user_name')!.description },
    ]);
  });

  it('masks every value and counts each, as e-mail addresses are counted; a role column holding "user" stays', () => {
    const policy = policyWith({ placeholder: 'typed' });
    const sessions = policy.plan(table('sess_sessions', ['id', 'user_name', 'cwd']));
    const messages = policy.plan(table('conv_messages', ['id', 'role', 'content']));
    const redactor = policy.createRedactor();
    const rows = [['s1', 'dana', '/home/dana/src'], ['s2', 'bob', null]];
    redactor.redactRows('sess_sessions', sessions, rows);
    const said = [['m1', 'user', 'hello'], ['m2', 'assistant', 'hi']];
    redactor.redactRows('conv_messages', messages, said);
    expect(rows).to.deep.equal([['s1', '[REDACTED:user_name]', '~/src'], ['s2', '[REDACTED:user_name]', null]]);
    expect(said).to.deep.equal([['m1', 'user', 'hello'], ['m2', 'assistant', 'hi']]);
    const summary = redactor.summary();
    expect(summary.byRule['user_name']).to.deep.equal({ count: 2, category: 'user names' });
    expect(summaryLines(summary)).to.deep.equal(['2 user names masked with [REDACTED]', '1 file path normalized']);
  });

  it('is switched off with e-mail addresses (redact_emails: false), and stays on without the default secret rules', () => {
    const off = policyWith({ redactEmails: false });
    expect(off.plan(table('t', ['user_name'])).columns[0]!.action).to.equal('scan');
    expect(off.rules.map((r) => r.name)).to.not.include('user_name');
    const noSecrets = policyWith({ defaultRules: false });
    expect(noSecrets.plan(table('t', ['user_name', 'password'])).columns.map((c) => c.action)).to.deep.equal(['redact', 'scan']);
  });

  it('in JSON text, a one-word value under such a key; not a route, a sentence or a form\'s object', () => {
    expect(redactText('{"login":"octocat","id":1,"os_user":"dana"}').out).to.equal('{"login":"[REDACTED]","id":1,"os_user":"[REDACTED]"}');
    const kept = ['{"login":"/login"}', '{"login":{"title":"Sign in","button":"Log in"}}', '{"username":"Your user name"}', '{"role":"user","user_id":42}'];
    for (const text of kept) expect(redactText(text).out, text).to.equal(text);
  });
});
