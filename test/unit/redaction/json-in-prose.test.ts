/**
 * JSON objects standing in prose, outside a code fence (the fourth red team's `Here is my config:
 * {"credentials": {"default": "…"}}`): a strictly valid object is walked as a JSON column is; code's
 * object literals are not JSON and keep what the text rules give them.
 */
import { expect } from 'chai';
import { ALNUM, body, seeded } from './fakes.js';
import { counts, detectorsOf, redactText } from './helpers.js';

const rand = seeded(20261128);
const secret = (): string => body(rand, ALNUM, 20);

describe('JSON in prose: strictly valid objects outside a fence', () => {
  it('a secret-named key\'s nested values, a name/value pair and the objects of a JSON Lines log are taken, the prose around keeps its own spans', () => {
    const [a, b, c, d, e] = [secret(), secret(), secret(), secret(), secret()];
    const cases: [string, string, Record<string, number>][] = [
      [`Here is my config: {"credentials": {"default": "${a}"}} and it fails`, 'Here is my config: {"credentials": {"default": "[REDACTED]"}} and it fails', { credentials: 1 }],
      [`I set {"env": [{"name": "DB_PASSWORD", "value": "${b}"}]} in the task`, 'I set {"env": [{"name": "DB_PASSWORD", "value": "[REDACTED]"}]} in the task', { password: 1 }],
      [`{"event": "start", "id": 1}\n{"event": "auth", "secrets": {"smtp": "${c}"}}\n`, '{"event": "start", "id": 1}\n{"event": "auth", "secrets": {"smtp": "[REDACTED]"}}\n', { secret: 1 }],
      [`Broken: {"a": 1, b: 2}, then {"credentials": {"backup": "${d}"}}`, 'Broken: {"a": 1, b: 2}, then {"credentials": {"backup": "[REDACTED]"}}', { credentials: 1 }],
      [`cfg = {"prod": {"credentials": {"default": "${e}"}}, "retry": retries()}`, 'cfg = {"prod": {"credentials": {"default": "[REDACTED]"}}, "retry": retries()}', { credentials: 1 }],
      [`\`\`\`python\nDB = {"secrets": {"db": "${a}"}}\n\`\`\`\nsee /home/alice/app`, '```python\nDB = {"secrets": {"db": "[REDACTED]"}}\n```\nsee ~/app', { secret: 1, home_path: 1 }],
      // As the object alone in a value (a JSON column) always was: the key's value whole, scheme word too.
      [`{"headers": {"authorization": "token ${b}"}} trailing`, '{"headers": {"authorization": "[REDACTED]"}} trailing', { token: 1 }],
    ];
    for (const [text, want, rules] of cases) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(want);
      expect(counts(summary), text).to.deep.equal(rules);
      expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
    }
  });

  it('an object cut from a larger document under a secret\'s name ("secrets": {…} in prose, a fence, a log line, code) is walked as that member is in JSON', () => {
    const [a, b, c, d, e] = [secret(), secret(), secret(), secret(), secret()];
    const cases: [string, string, Record<string, number>][] = [
      [`the config had "secrets": {"prod": {"db": "${a}"}} in it`, 'the config had "secrets": {"prod": {"db": "[REDACTED]"}} in it', { secret: 1 }],
      [`\`\`\`json\n"credentials": {"default": {"value": "${b}"}, "backup": "${c}"}\n\`\`\``, '```json\n"credentials": {"default": {"value": "[REDACTED]"}, "backup": "[REDACTED]"}\n```', { credentials: 2 }],
      [`level=info cfg secrets: {"smtp": "${d}", "type": "smtp"}`, 'level=info cfg secrets: {"smtp": "[REDACTED]", "type": "smtp"}', { secret: 1 }],
      // Code whose inner object is strict JSON: the leak scan reads these, so the rules take them.
      [`const c = {credentials: {"default": "${e}"}}`, 'const c = {credentials: {"default": "[REDACTED]"}}', { credentials: 1 }],
      [`c = {"credentials": {"default": "${a}"}, "n": True}`, 'c = {"credentials": {"default": "[REDACTED]"}, "n": True}', { credentials: 1 }],
      // What describes the secret stays, as in a JSON column.
      ['x "password": {"type": "string", "minLength": 12} y', 'x "password": {"type": "string", "minLength": 12} y', {}],
    ];
    for (const [text, want, rules] of cases) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(want);
      expect(counts(summary), text).to.deep.equal(rules);
      expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
    }
    // Not under a secret's name: an object's values keep what the text rules give them.
    const s = secret();
    for (const text of [`"settings": {"prod": {"db": "${s}"}}`, `"x\\"secrets": {"db": "${s}"}`]) expect(redactText(text).out, text).to.equal(text);
  });

  it('code\'s object literals (single quotes, expressions, trailing commas, comments) are no JSON: nested values without a secret\'s shape stay', () => {
    const s = secret();
    for (const text of [
      `c = {"credentials": {"default": '${s}'}}`,
      `c = {"credentials": {"default": process.env.X || "${s}x"}}`,
      `c = {"credentials": {"default": "${s}",}}`,
      `c = {"credentials": {"default": "${s}" /* prod */}}`,
    ]) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(text);
      expect(summary.total, text).to.equal(0);
    }
  });

  it('4 MiB of unclosed objects, strings and arrays is read once, and the object after it is walked', () => {
    const s = secret();
    for (const junk of ['{"a": {"b', '{"a": [', '{"a": "{\\"b": ', 'x {"k": 1, "j": {"l": 2}, ']) {
      const text = `${junk.repeat((4 << 20) / junk.length)}\nok: {"credentials": {"default": "${s}"}}`;
      const { out } = redactText(text);
      expect(out.slice(out.lastIndexOf('\n')), junk).to.equal('\nok: {"credentials": {"default": "[REDACTED]"}}');
    }
  });
});
