/**
 * Credentials recognisable by their own shape: a vendor prefix and a random body, as each
 * provider documents them. Every matcher checks its prefix case-sensitively at the anchor, reads
 * the body with a table scan, and claims the whole run so that no fragment survives.
 */
import {
  ALNUM, BASE64, UPPER_DIGIT, URLSAFE, builtInRule, charTable, inTable, looksRandom, runEnd,
  type Category, type CharTable, type ContentRule, type Span,
} from './rule.js';

interface Shape {
  readonly prefixes: readonly string[];
  readonly body: CharTable;
  readonly min: number;
  readonly max?: number;
  /** Characters that may not touch the token on either side; URL-safe characters by default. */
  readonly boundary?: CharTable;
  readonly validate?: (body: string) => boolean;
  /** Prefixes (of this rule's anchors) that belong to another rule. */
  readonly not?: readonly string[];
}

/** A rule for one or more prefix-and-body shapes. */
function tokenRule(name: string, category: Category, description: string, shapes: readonly Shape[]): ContentRule {
  const ordered = shapes.flatMap((shape) => shape.prefixes.map((prefix) => ({ prefix, shape }))).sort((a, b) => b.prefix.length - a.prefix.length);
  const rule = contentRule(name, category, description, ordered.map((o) => o.prefix), (text: string, at: number, out: Span[]): number => {
    for (const { prefix, shape } of ordered) {
      if (!text.startsWith(prefix, at)) continue;
      if (shape.not?.some((p) => text.startsWith(p, at))) return at + 1;
      const boundary = shape.boundary ?? URLSAFE;
      if (at > 0 && inTable(boundary, text.charCodeAt(at - 1))) return at + 1;
      const bodyStart = at + prefix.length;
      const end = runEnd(text, bodyStart, shape.body);
      const length = end - bodyStart;
      if (length < shape.min || (shape.max !== undefined && length > shape.max)) return end;
      if (end < text.length && inTable(boundary, text.charCodeAt(end))) return end;
      if (shape.validate && !shape.validate(text.slice(bodyStart, end))) return end;
      out.push({ start: at, end, rule });
      return end;
    }
    return at + 1;
  });
  return rule;
}

/** The matchers below close over the rule they build, to name it in their spans. */
function contentRule(name: string, category: Category, description: string, anchors: readonly string[], find: ContentRule['find']): ContentRule {
  return builtInRule(name, category, description, anchors, () => find);
}

const GITLAB_BODY = charTable('A-Za-z0-9_.-');
const SLACK_BODY = charTable('A-Za-z0-9-');
const WEBHOOK_PATH = charTable('A-Za-z0-9_/+-');

const hasDigit = (body: string): boolean => /[0-9]/.test(body);

export function createTokenRules(): ContentRule[] {
  return [
    tokenRule('anthropic_api_key', 'API keys', 'Anthropic API and admin keys (sk-ant-…)', [
      { prefixes: ['sk-ant-'], body: URLSAFE, min: 20, validate: looksRandom },
    ]),
    tokenRule('openai_api_key', 'API keys', 'OpenAI API keys: legacy, project, service-account and admin (sk-…, sk-proj-…)', [
      { prefixes: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-', 'sk-'], body: URLSAFE, min: 20, validate: looksRandom, not: ['sk-ant-'] },
    ]),
    tokenRule('github_token', 'tokens', 'GitHub tokens: classic, OAuth, user-to-server, server-to-server, refresh (ghp_ gho_ ghu_ ghs_ ghr_) and fine-grained (github_pat_)', [
      { prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], body: ALNUM, min: 30, validate: looksRandom },
      { prefixes: ['github_pat_'], body: charTable('A-Za-z0-9_'), min: 40, validate: looksRandom },
    ]),
    tokenRule('gitlab_token', 'tokens', 'GitLab tokens: personal, deploy, pipeline trigger, runner, SCIM, feed, CI job, incoming mail, OAuth secret (glpat- gldt- …)', [
      { prefixes: ['glpat-', 'gldt-', 'glptt-', 'glrt-', 'glrtr-', 'glsoat-', 'glft-', 'glcbt-', 'glimt-', 'gloas-', 'glagent-', 'glwt-'], body: GITLAB_BODY, min: 20, validate: looksRandom },
    ]),
    tokenRule('slack_token', 'tokens', 'Slack bot, user, app, refresh and configuration tokens (xoxb- xoxp- xoxa- xoxr- xoxs- xoxe- xapp-)', [
      { prefixes: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-', 'xoxe.xoxb-', 'xoxe.xoxp-', 'xapp-'], body: SLACK_BODY, min: 10, validate: hasDigit },
    ]),
    tokenRule('stripe_key', 'API keys', 'Stripe secret and restricted keys (sk_live_ sk_test_ rk_live_ rk_test_) and webhook secrets (whsec_)', [
      { prefixes: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], body: ALNUM, min: 16, validate: looksRandom },
      { prefixes: ['whsec_'], body: BASE64, min: 24, validate: looksRandom },
    ]),
    tokenRule('aws_access_key_id', 'API keys', 'AWS access key IDs (AKIA/ASIA/ABIA/ACCA + 16 characters)', [
      { prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'], body: UPPER_DIGIT, min: 16, max: 16, boundary: ALNUM },
    ]),
    tokenRule('google_api_key', 'API keys', 'Google API keys (AIza + 35 characters)', [
      { prefixes: ['AIza'], body: URLSAFE, min: 35, max: 40 },
    ]),
    tokenRule('huggingface_token', 'tokens', 'Hugging Face user and organisation tokens (hf_…, api_org_…)', [
      { prefixes: ['hf_', 'api_org_'], body: ALNUM, min: 30, validate: looksRandom },
    ]),
    tokenRule('npm_token', 'tokens', 'npm access tokens (npm_ + 36 characters)', [
      { prefixes: ['npm_'], body: ALNUM, min: 36, max: 40, validate: looksRandom },
    ]),
    tokenRule('pypi_token', 'tokens', 'PyPI and TestPyPI upload tokens (pypi-AgEIcHlwaS5vcmc…)', [
      { prefixes: ['pypi-AgEIcHlwaS5vcmc', 'pypi-AgENdGVzdC5weXBpLm9yZw'], body: URLSAFE, min: 40 },
    ]),
    sendgrid(),
    jwt(),
    twilio(),
    slackWebhook(),
  ];
}

function sendgrid(): ContentRule {
  const rule = contentRule('sendgrid_api_key', 'API keys', 'SendGrid API keys (SG.<22>.<43>)', ['SG.'], (text, at, out) => {
    if (!text.startsWith('SG.', at) || (at > 0 && inTable(URLSAFE, text.charCodeAt(at - 1)))) return at + 1;
    const first = runEnd(text, at + 3, URLSAFE);
    if (first - at - 3 < 16 || first - at - 3 > 32 || text.charCodeAt(first) !== 46) return first;
    const end = runEnd(text, first + 1, URLSAFE);
    if (end - first - 1 < 40 || end - first - 1 > 50) return end;
    out.push({ start: at, end, rule });
    return end;
  });
  return rule;
}

function jwt(): ContentRule {
  const segment = (text: string, from: number): number => runEnd(text, from, URLSAFE);
  const rule = contentRule('jwt', 'tokens', 'JSON Web Tokens (eyJ….eyJ….signature)', ['eyJ'], (text, at, out) => {
    if (!text.startsWith('eyJ', at) || (at > 0 && inTable(URLSAFE, text.charCodeAt(at - 1)))) return at + 1;
    const header = segment(text, at);
    if (header - at < 10 || text.charCodeAt(header) !== 46 || !text.startsWith('eyJ', header + 1)) return header;
    const payload = segment(text, header + 1);
    if (payload - header - 1 < 10) return payload;
    const end = text.charCodeAt(payload) === 46 ? segment(text, payload + 1) : payload;
    out.push({ start: at, end, rule });
    return end;
  });
  return rule;
}

/** Twilio SIDs are only shaped like `SK`/`AC` + 32 hex, so they are taken near the word "twilio". */
function twilio(): ContentRule {
  const sid = /(?<![A-Za-z0-9])(?:SK|AC)[0-9a-f]{32}(?![A-Za-z0-9])/g;
  const reach = 256;
  const rule = contentRule('twilio_key', 'API keys', `Twilio API key and account SIDs (SK/AC + 32 hex) within ${reach} characters of "twilio"`, ['twilio'], (text, at, out) => {
    const from = Math.max(0, at - reach);
    const window = text.slice(from, Math.min(text.length, at + reach));
    sid.lastIndex = 0;
    for (let m = sid.exec(window); m; m = sid.exec(window)) {
      out.push({ start: from + m.index, end: from + m.index + m[0].length, rule });
    }
    return at + 6;
  });
  return rule;
}

function slackWebhook(): ContentRule {
  const host = 'hooks.slack.com/';
  const rule = contentRule('slack_webhook', 'secrets', 'Slack incoming-webhook and workflow URLs (hooks.slack.com/services/…): the path is replaced, the host kept', [host], (text, at, out) => {
    if (!text.startsWith(host, at)) return at + 1;
    for (const kind of ['services/', 'workflows/', 'triggers/']) {
      const bodyStart = at + host.length + kind.length;
      if (!text.startsWith(kind, at + host.length)) continue;
      const end = runEnd(text, bodyStart, WEBHOOK_PATH);
      if (end - bodyStart >= 16) out.push({ start: bodyStart, end, rule });
      return end;
    }
    return at + 1;
  });
  return rule;
}
