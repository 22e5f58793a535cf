import { expect } from 'chai';
import { AnchorScreen, type ScreenAnchor } from '../../../lib/redaction/anchor-screen.js';
import { createDefaultContentRules } from '../../../lib/redaction/default-rules.js';
import type { ContentRule, Span } from '../../../lib/redaction/rule.js';
import { RuleSet, SCREEN_MAX_LENGTH } from '../../../lib/redaction/scanner.js';
import { chars, FAKE, fakePem, seeded, type Random } from './fakes.js';
import { redactText } from './helpers.js';

function defaultRules(): ContentRule[] {
  const rules = createDefaultContentRules({ secrets: true, emails: true, paths: true });
  rules.forEach((r, i) => (r.priority = i));
  return rules;
}

/** Every anchor at every position, by brute force: what the screen must report, in its order. */
function naive(anchors: readonly ScreenAnchor[], text: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    anchors.forEach((a, id) => {
      const piece = text.slice(i, i + a.text.length);
      if (piece.length === a.text.length && (a.folded ? piece.replace(/[A-Z]/g, (c) => c.toLowerCase()) === a.text : piece === a.text)) out.push([i, id]);
    });
  }
  return out;
}

function screened(screen: AnchorScreen, text: string): [number, number][] {
  screen.find(text);
  return Array.from({ length: screen.count }, (_, h) => [screen.position(h), screen.anchor(h)] as [number, number]);
}

/** Characters above U+00FF whose low byte is an anchor's letter or punctuation ('@', 'k', '-', '/'), and a NUL. */
const LOOKALIKES = ['\u0140', '\u016b', '\u012d', '\u012f', '\u0173', '\u0165', '\u0000', 'é', '€'];

/** Text made of anchors in random case, pieces of them, planted credentials, look-alike characters and filler. */
function corpusValue(rand: Random, anchors: readonly string[]): string {
  let s = '';
  const parts = 1 + Math.floor(rand() * 12);
  for (let p = 0; p < parts; p++) {
    const r = rand();
    const anchor = anchors[Math.floor(rand() * anchors.length)]!;
    if (r < 0.3) s += [...anchor].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join('');
    else if (r < 0.4) s += anchor.slice(0, Math.max(1, anchor.length - 1));
    else if (r < 0.55) s += LOOKALIKES[Math.floor(rand() * LOOKALIKES.length)]!;
    else if (r < 0.7) {
      const makers = Object.values(FAKE);
      s += makers[Math.floor(rand() * makers.length)]!(rand);
    } else s += chars(rand, 'abcdefghijklmnopqrstuvwxyz ABC-_./@:=\n"', 1 + Math.floor(rand() * 30));
  }
  return s;
}

const plainSpans = (spans: Span[] | null): unknown => spans?.map((s) => ({ start: s.start, end: s.end, rule: s.rule.info.name, replacement: s.replacement }));

describe('anchor screen', () => {
  const rules = defaultRules();
  const anchorTexts = [...new Set(rules.flatMap((r) => r.anchors))];

  it('reports every anchor at every position, letters in either case for folded anchors, exactly as a brute-force search does', () => {
    const anchors: ScreenAnchor[] = [
      { text: '@', folded: false },
      { text: '-p', folded: false },
      { text: '://', folded: false },
      { text: '/home/', folded: false },
      { text: 'key', folded: true },
      { text: 'sk-', folded: true },
      { text: 'xoxb-', folded: true },
      { text: 'eyj', folded: true },
    ];
    const screen = AnchorScreen.create(anchors)!;
    expect(screen).to.not.equal(null);
    const rand = seeded(11);
    const words = anchors.map((a) => a.text);
    let hits = 0;
    for (let n = 0; n < 3000; n++) {
      const text = corpusValue(rand, words);
      const expected = naive(anchors, text);
      expect(screened(screen, text), JSON.stringify(text)).to.deep.equal(expected);
      hits += expected.length;
    }
    expect(hits).to.be.greaterThan(3000);
    expect(screened(screen, 'KEY at the start, @ at the end @')).to.deep.equal([[0, 4], [18, 0], [31, 0]]);
    expect(screened(screen, '')).to.deep.equal([]);
    // U+016B's low byte is 'k', U+0140's is '@': spots to check, never hits.
    expect(screened(screen, '\u016bey \u0140 \u012dp')).to.deep.equal([]);
  });

  it('finds an anchor past the first 64 KiB of a long value, and at its very end', () => {
    const screen = AnchorScreen.create([{ text: 'ghp_', folded: true }, { text: '@', folded: false }])!;
    const text = `${'x'.repeat(300_000)}GHP_${'y'.repeat(10)}@`;
    expect(screened(screen, text)).to.deep.equal([[300_000, 0], [300_014, 1]]);
    expect(screened(screen, 'short ghp_')).to.deep.equal([[6, 0]]);
  });

  it('refuses anchors it cannot take: empty ones', () => {
    expect(AnchorScreen.create([{ text: 'pässwort', folded: false }])).to.not.equal(null);
    expect(AnchorScreen.create([{ text: '', folded: false }])).to.equal(null);
    expect(AnchorScreen.create([])).to.equal(null);
  });

  it('gives the default rules the same spans as indexOf and the regex, on planted credentials, look-alikes and mixed case', () => {
    const withScreen = new RuleSet(rules, null);
    const without = new RuleSet(rules, null, { screen: false });
    const rand = seeded(5);
    let found = 0;
    for (let n = 0; n < 4000; n++) {
      let text = corpusValue(rand, anchorTexts);
      if (n % 50 === 0) text += ` ${fakePem(rand)} /home/jane/src user@example.com https://bob:${chars(rand, 'abcdef0123', 12)}@db.example.com/x`;
      const a = plainSpans(withScreen.find(text));
      expect(a, JSON.stringify(text)).to.deep.equal(plainSpans(without.find(text)));
      if (a) found++;
    }
    expect(found).to.be.greaterThan(1000);
  });

  it('searches values longer than the screen takes with indexOf and the regex, and still redacts them', () => {
    const rand = seeded(3);
    const token = FAKE['github_token']!(rand);
    const { out, summary } = redactText(`${'z '.repeat(SCREEN_MAX_LENGTH / 2)}${token} /home/jane/notes`);
    expect(out.endsWith('[REDACTED] ~/notes')).to.equal(true);
    expect(out).to.not.include(token);
    expect(summary.total).to.equal(2);
  });

  it('keeps a rule set with a non-ASCII literal prefix working, default rules and all', () => {
    const token = FAKE['gitlab_token']!(seeded(4));
    const { out, summary } = redactText(`a Kennwört=hunter2 b ${token} /Users/jane/x`, { patterns: [{ name: 'german_password', pattern: 'Kennwört=\\S+' }] });
    expect(out).to.equal('a [REDACTED] b [REDACTED] ~/x');
    expect(Object.keys(summary.byRule).sort()).to.deep.equal(['german_password', 'gitlab_token', 'home_path']);
  });
});
