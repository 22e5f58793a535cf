import { expect } from 'chai';
import { parseConfig } from '../../../lib/config.js';
import { AcodeError } from '../../../lib/errors.js';
import { compileRedaction, type RedactionOptions } from '../../../lib/redaction/index.js';
import { vetPattern } from '../../../lib/redaction/regex-safety.js';
import { FAKE, fakePassword, seeded, table } from './fakes.js';
import { DEFAULTS, counts, redactText } from './helpers.js';

/** The spec's configuration example, as a user would write it. */
const SPEC_EXAMPLE = `export:
  default_format: json
  redact_by_default: true
  redaction_patterns:
    - column: "*_key"
    - column: "*_secret"
    - column: "*_token"
    - pattern: "sk-[a-zA-Z0-9]+"
    - pattern: "ghp_[a-zA-Z0-9]+"
`;

function fromYaml(yaml: string, extra: Partial<RedactionOptions> = {}) {
  const config = parseConfig(yaml, { workspace: '/ws', file: '/ws/.agent/config.yml' });
  return compileRedaction({ ...DEFAULTS, patterns: config.export.redactionPatterns, locate: config.locate, ...extra });
}

function refusal(patterns: unknown[]): AcodeError {
  try {
    compileRedaction({ ...DEFAULTS, patterns });
  } catch (err) {
    expect(err).to.be.instanceOf(AcodeError);
    expect((err as AcodeError).code).to.equal('ACODE-CFG-006');
    return err as AcodeError;
  }
  expect.fail('the rules were accepted');
}

describe('configured rules', () => {
  it("loads the spec's example: shorthand entries get names from their place", () => {
    const policy = fromYaml(SPEC_EXAMPLE);
    const mine = policy.rules.filter((r) => r.source === 'config').map((r) => `${r.name}:${r.kind}`);
    expect(mine).to.deep.equal(['column_1:column', 'column_2:column', 'column_3:column', 'pattern_4:content', 'pattern_5:content']);
    // `*_key` takes names whose last word is "key": `apikey` is one word, left to the default api_key rule.
    const plan = policy.plan(table('t', ['api_key', 'apiKey', 'API-KEY', 'apikey', 'key', 'client_secret', 'id_token', 'content']));
    expect(plan.columns.map((c) => c.rule ?? c.action)).to.deep.equal(['column_1', 'column_1', 'column_1', 'api_key', 'scan', 'column_2', 'column_3', 'scan']);
  });

  it('a pattern rule names what it matches, ahead of a default that also would', () => {
    const key = `sk-${FAKE['npm_token']!(seeded(41)).slice(4)}`;
    const { out, summary } = redactText(`use ${key} now`, { patterns: [{ pattern: 'sk-[a-zA-Z0-9]+' }], placeholder: 'typed' });
    expect(out).to.equal('use [REDACTED:pattern_1] now');
    expect(counts(summary)).to.deep.equal({ pattern_1: 1 });
  });

  it('column + pattern: the pattern applies only in matching columns', () => {
    const policy = compileRedaction({ ...DEFAULTS, patterns: [{ name: 'ticket', column: 'notes', pattern: 'INC-[0-9]{6}' }] });
    const plan = policy.plan(table('t', ['notes', 'title']));
    const redactor = policy.createRedactor();
    const rows = [['see INC-123456', 'see INC-123456']];
    redactor.redactRows('t', plan, rows);
    expect(rows[0]).to.deep.equal(['see [REDACTED]', 'see INC-123456']);
    expect(plan.columns[0]!.reason).to.include("'ticket'");
  });

  it('a named group "secret" limits what a pattern replaces', () => {
    const { out } = redactText('pin=483920;', { patterns: [{ name: 'pin', pattern: 'pin=(?<secret>[0-9]{4,8});' }] });
    expect(out).to.equal('pin=[REDACTED];');
  });

  it('allow entries keep reviewed false positives, globally or for one rule, and are counted as exempted', () => {
    const rand = seeded(42);
    const docsKey = FAKE['aws_access_key_id']!(rand);
    const other = FAKE['aws_access_key_id']!(rand);
    const { out, summary } = redactText(`${docsKey} ${other} FIX-1 FIX-2`, {
      patterns: [{ name: 'aws_docs_example', allow: docsKey }, { name: 'fix', pattern: 'FIX-[0-9]', allow: ['FIX-2'] }],
    });
    expect(out).to.equal(`${docsKey} [REDACTED] [REDACTED] FIX-2`);
    expect(summary.exempted).to.equal(2);
  });

  it('lists column globs that matched no column, as warnings', () => {
    const policy = compileRedaction({ ...DEFAULTS, patterns: [{ name: 'legacy', column: ['old_*', 'ancient_*'] }, { column: '*_key' }] });
    expect(policy.unmatchedColumnRules([table('t', ['api_key', 'content'])])).to.deep.equal([`rule 'legacy' (column "old_*", "ancient_*")`]);
  });

  it('an invalid regex names the rule, its place in the file and the engine\'s message', () => {
    const yaml = `export:\n  redaction_patterns:\n    - name: ok\n      pattern: "abc"\n    - name: broken\n      pattern: "([a-z]+"\n`;
    try {
      fromYaml(yaml);
      expect.fail('accepted');
    } catch (err) {
      expect((err as AcodeError).code).to.equal('ACODE-CFG-006');
      expect((err as AcodeError).message).to.equal("Invalid redaction rule: .agent/config.yml:5:7: rule 'broken': pattern is not a valid regular expression: Unterminated group");
    }
  });

  it('refuses patterns that could backtrack catastrophically, up front, saying why', () => {
    const evil: [string, RegExp][] = [
      ['(a+)+$', /nested quantifiers/],
      ['([a-z]+)*@', /nested quantifiers/],
      ['(\\w+\\s?)*$', /nested quantifiers/],
      ['(.*a){20}', /nested quantifiers/],
      ['(a|aa)*b', /alternatives that can match the same text/],
      ['(a|a)+', /alternatives that can match the same text/],
      ['\\w+\\w+X', /too many ways to split/],
      ['.*token.*=', /too many ways to split/],
      ['[a-z_]+_[a-z0-9_]+\\d', /too many ways to split/],
      ['(x)\\1+', /back-references/],
      ['(?=\\w+x)y', /lookaround holds an unbounded quantifier/],
    ];
    for (const [pattern, why] of evil) {
      const err = refusal([{ name: 'evil', pattern }]);
      expect(err.message, pattern).to.include("rule 'evil': pattern is refused: ");
      // The pattern itself is not repeated: a rule written for one leaked key holds it.
      expect(err.message, pattern).to.not.include(pattern);
      expect(err.message, pattern).to.match(why);
    }
  });

  it('an allowed borderline pattern cannot hang an export: adversarial values of 1 MiB finish', () => {
    const mib = 1024 * 1024;
    const cases: [unknown, string][] = [
      [{ name: 'leading_run', pattern: '[a-z]+X' }, 'a'.repeat(mib)],
      [{ name: 'prefixed_run', pattern: 'xa[a-z]+Y' }, 'xa'.repeat(mib / 2)],
      [{ name: 'split_run', pattern: 'tok_[a-z]+-[0-9]+Q' }, `tok_${'a'.repeat(mib)}`],
      [{ name: 'dot_star', pattern: 'secret=.*' }, 'secret='.repeat(mib / 7)],
    ];
    for (const [rule, value] of cases) {
      const { out } = redactText(value, { patterns: [rule], defaultRules: false, redactEmails: false, redactPaths: false });
      expect(out.length).to.be.at.most(value.length);
    }
  });

  it('unknown keys, unknown kinds, missing names, bad names and bad globs are each named', () => {
    expect(refusal([{ name: 'x', patern: 'abc' }]).message).to.include("rule 'x': unknown key 'patern' — did you mean 'pattern'?");
    expect(refusal([{ name: 'x', regex: 'abc' }]).message).to.include("rule 'x': unknown key 'regex'; a rule has name, column, pattern, allow, replacement, description");
    expect(refusal([{ name: 'x', replacement: 'y' }]).message).to.include("rule 'x': says neither what to redact nor what to keep");
    expect(refusal([{ pattern: 'abc', replacement: 'y' }]).message).to.include('rule #1: has no name');
    expect(refusal(['sk-[a-z]+']).message).to.include('rule #1: must be a mapping');
    expect(refusal([{ name: 'has space', column: 'x' }]).message).to.include('name must be 1–64 letters');
    expect(refusal([{ name: 'a', column: 'x' }, { name: 'a', column: 'y' }]).message).to.include("rule 'a': the name 'a' is used by an earlier rule");
    expect(refusal([{ name: 'github_token', pattern: 'x' }]).message).to.include('belongs to a built-in rule');
    expect(refusal([{ name: 'g', column: 'api[key]' }]).message).to.include('column glob "api[key]" may hold only');
    expect(refusal([{ name: 'p', pattern: '' }]).message).to.include('pattern must be a non-empty string');
  });

  it('with default rules off, only configured rules apply', () => {
    const pw = fakePassword(seeded(43));
    const text = `password=${pw} ${FAKE['github_token']!(seeded(44))}`;
    expect(redactText(text, { defaultRules: false }).out).to.equal(text);
  });
});

describe('pattern vetting', () => {
  it('caps unbounded quantifiers, keeps bounded ones, and finds literal prefixes for the pre-filter', () => {
    expect(vetPattern('sk-[a-zA-Z0-9]+')).to.deep.include({ source: 'sk-[a-zA-Z0-9]{1,256}', prefixes: ['sk-'], startAnchored: false });
    expect(vetPattern('\\bghp_[A-Za-z0-9]{36}\\b')).to.deep.include({ source: '\\bghp_[A-Za-z0-9]{36}\\b', prefixes: ['ghp_'] });
    expect(vetPattern('foo_\\d+|bar_\\d*')).to.deep.include({ prefixes: ['foo_', 'bar_'] });
    expect(vetPattern('[a-z]+X').source).to.equal('(?<![a-z])[a-z]+X');
    expect(vetPattern('^key=\\w+')).to.deep.include({ startAnchored: true, prefixes: ['key='] });
    expect(vetPattern('(?:\\d{1,3}\\.){3}\\d{1,3}').prefixes).to.deep.equal([]);
    expect(vetPattern('x-a{2,}b').source).to.equal('x-a{2,256}b');
    expect(vetPattern('a{2,}b').source, 'a leading run is not capped: attempts start only where a run starts').to.equal('(?<!a)a{2,}b');
  });
});
