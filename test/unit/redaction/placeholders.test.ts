import { expect } from 'chai';
import { summaryLines } from '../../../lib/redaction/index.js';
import type { SqlValue } from '../../../lib/records.js';
import { FAKE, fakePassword, fakePem, fragments, seeded, table } from './fakes.js';
import { policyWith, redactText } from './helpers.js';

describe('placeholders', () => {
  const rand = seeded(31);

  it('plain by default, typed with the rule name on request', () => {
    const key = FAKE['github_token']!(rand);
    expect(redactText(`t ${key}`).out).to.equal('t [REDACTED]');
    expect(redactText(`t ${key}`, { placeholder: 'typed' }).out).to.equal('t [REDACTED:github_token]');
  });

  it('a config rule\'s replacement is used as written', () => {
    const out = redactText('ticket ACME-12345 closed', { patterns: [{ name: 'ticket', pattern: 'ACME-[0-9]+', replacement: 'ACME-####' }] }).out;
    expect(out).to.equal('ticket ACME-#### closed');
  });

  it('pseudonyms: the same secret maps to the same placeholder within one export, another export gives another', () => {
    const policy = policyWith({ pseudonymize: true, placeholder: 'typed' });
    const schema = table('t', ['api_key', 'content']);
    const plan = policy.plan(schema);
    const a = FAKE['openai_api_key']!(rand);
    const b = FAKE['openai_api_key']!(rand);
    const rows = (): SqlValue[][] => [[a, `uses ${a}`], [b, `uses ${b} then ${a}`]];

    const first = rows();
    policy.createRedactor().redactRows('t', plan, first);
    const p = /\[REDACTED:[a-z_]+:([0-9a-f]{12})\]/g;
    const tagsOf = (v: SqlValue): string[] => [...String(v).matchAll(p)].map((m) => m[1]!);
    const [tagA] = tagsOf(first[0]![0]!);
    const [tagB] = tagsOf(first[1]![0]!);
    expect(tagA).to.not.equal(tagB);
    expect(tagsOf(first[0]![1]!)).to.deep.equal([tagA]);
    expect(tagsOf(first[1]![1]!)).to.deep.equal([tagB, tagA]);
    expect(first[0]![0]).to.equal(`[REDACTED:api_key:${tagA}]`);
    expect(first[0]![1]).to.equal(`uses [REDACTED:openai_api_key:${tagA}]`);

    const second = rows();
    policy.createRedactor().redactRows('t', plan, second);
    expect(tagsOf(second[0]![0]!)[0]).to.not.equal(tagA);
  });

  it('plain pseudonyms carry only the tag', () => {
    expect(redactText(`k ${FAKE['npm_token']!(rand)}`, { pseudonymize: true }).out).to.match(/^k \[REDACTED:[0-9a-f]{12}\]$/);
  });
});

describe('irreversibility and counts', () => {
  it('the summary, the plan and the rule list hold no value and no fragment of one; the redactor holds no mapping', () => {
    const rand = seeded(32);
    const planted = [
      ...Object.values(FAKE).map((make) => make(rand)),
      fakePem(rand), fakePassword(rand), fakePassword(rand),
    ];
    const policy = policyWith({ pseudonymize: true, placeholder: 'typed' });
    const schema = table('conv_messages', ['content', 'api_key', 'metadata']);
    const plan = policy.plan(schema);
    const redactor = policy.createRedactor();
    // Passwords have no shape of their own: in free text they are found by their name.
    const rows: SqlValue[][] = planted.map((s, i) => [i < planted.length - 2 ? `secret ${i}: ${s}` : `DB_PASSWORD=${s}`, s, JSON.stringify({ password: s })]);
    rows.push([`postgres://app:${planted.at(-1)}@db/app`, null, null]);
    redactor.redactRows('conv_messages', plan, rows);

    const written = JSON.stringify([redactor.summary(), plan, policy.rules, summaryLines(redactor.summary()), rows]);
    for (const secret of planted) {
      // The documented fixed part of a PyPI token (the macaroon's "pypi.org") is in the rule's description.
      const random = secret.replace(/^pypi-AgEIcHlwaS5vcmc/, '').replace(/\n/g, '');
      for (const f of fragments(random, 12)) expect(written.includes(f), `a 12-character fragment of a planted secret: ${secret.slice(0, 6)}…`).to.equal(false);
    }
    expect(JSON.stringify(redactor)).to.equal('{}');
    expect(Object.keys(redactor)).to.deep.equal([]);
  });

  it('counts equal the planted numbers, per rule, per table and column', () => {
    const rand = seeded(33);
    const policy = policyWith();
    const plan = policy.plan(table('conv_messages', ['content', 'access_token']));
    const redactor = policy.createRedactor();
    const planted: Record<string, number> = {};
    const rows: SqlValue[][] = [];
    const makers = ['github_token', 'openai_api_key', 'aws_access_key_id', 'slack_token', 'jwt'];
    for (let i = 0; i < 200; i++) {
      const rule = makers[i % makers.length]!;
      const n = 1 + (i % 3);
      const parts = Array.from({ length: n }, () => FAKE[rule]!(rand));
      planted[rule] = (planted[rule] ?? 0) + n;
      rows.push([`row ${i}: ${parts.join(' and ')} in /home/u${i}/x`, i % 2 === 0 ? `tok-${i}` : null]);
    }
    redactor.redactRows('conv_messages', plan, rows.slice(0, 120));
    redactor.redactRows('conv_messages', plan, rows.slice(120));
    const summary = redactor.summary();
    const expected = { ...planted, home_path: 200, token: 100 };
    expect(Object.fromEntries(Object.entries(summary.byRule).map(([r, c]) => [r, c.count]))).to.deep.equal(expected);
    expect(summary.total).to.equal(Object.values(expected).reduce((a, b) => a + b, 0));
    expect(summary.byTable['conv_messages']!['access_token']).to.deep.equal({ token: 100 });
    expect(summary.byTable['conv_messages']!['content']).to.deep.equal({ ...planted, home_path: 200 });
  });

  it('summary lines follow the spec: "15 API keys replaced with [REDACTED]", "45 file paths normalized"', () => {
    const lines = summaryLines({
      total: 64, exempted: 0, byTable: {},
      byRule: {
        openai_api_key: { count: 10, category: 'API keys' }, aws_access_key_id: { count: 5, category: 'API keys' },
        github_token: { count: 3, category: 'tokens' }, home_path: { count: 45, category: 'file paths' }, email: { count: 1, category: 'e-mail addresses' },
      },
    });
    expect(lines).to.deep.equal(['15 API keys replaced with [REDACTED]', '3 tokens replaced with [REDACTED]', '1 e-mail address masked with [REDACTED]', '45 file paths normalized']);
  });
});
