import { expect } from 'chai';
import { FAKE, body, chars, ALNUM, fakeAwsSecret, fakePassword, fakePem, fakeSlackWebhook, fakeTwilioSid, hex, seeded, uuid, type Random } from './fakes.js';
import { counts, redactText } from './helpers.js';

/** Contexts a credential turns up in: prose, quotes, a shell line, a config line, a URL, markdown. */
const CONTEXTS: readonly ((s: string) => string)[] = [
  (s) => s,
  (s) => `My key is ${s}, please use it.`,
  (s) => `"${s}"`,
  (s) => `const client = new Client('${s}');`,
  (s) => `curl https://api.example.com/v1/x?key=${s}&page=2`,
  (s) => `| prod | ${s} |`,
  (s) => `(${s})`,
  (s) => `line one\n${s}\nline three`,
];

const RULE_OF: Readonly<Record<string, string>> = { github_pat: 'github_token' };

describe('default content rules: generated positives', () => {
  for (const [maker, make] of Object.entries(FAKE)) {
    const rule = RULE_OF[maker] ?? maker;
    it(`${maker}: every generated value is replaced whole and counted under ${rule}`, () => {
      const rand = seeded(maker.length * 31);
      for (const context of CONTEXTS) {
        for (let i = 0; i < 5; i++) {
          const secret = make(rand);
          const text = context(secret);
          const { out, summary } = redactText(text);
          expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
          expect(counts(summary), text).to.deep.equal({ [rule]: 1 });
        }
      }
    });
  }

  it('aws_secret_access_key: 40 characters after its name, in env, INI, JSON and YAML form', () => {
    const rand = seeded(3);
    for (const form of ['AWS_SECRET_ACCESS_KEY=%s', 'aws_secret_access_key = %s', '"SecretAccessKey": "%s"', 'aws_secret_access_key: %s']) {
      const secret = fakeAwsSecret(rand);
      const text = `[default]\n${form.replace('%s', secret)}\nregion = eu-west-1`;
      const { out, summary } = redactText(text);
      expect(out).to.equal(text.replace(secret, '[REDACTED]'));
      expect(counts(summary)).to.deep.equal({ aws_secret_access_key: 1 });
    }
  });

  it('twilio_key: SK/AC + 32 hex near the word Twilio, and not elsewhere', () => {
    const rand = seeded(4);
    const sid = fakeTwilioSid(rand);
    const near = `Twilio account: ${sid} (from the console)`;
    expect(redactText(near).out).to.equal(near.replace(sid, '[REDACTED]'));
    const far = `object id ${sid}`;
    expect(redactText(far).out).to.equal(far);
  });

  it('slack_webhook: the path after /services/ goes, the host stays', () => {
    const hook = fakeSlackWebhook(seeded(5));
    const { out, summary } = redactText(`POST ${hook}`);
    expect(out).to.equal('POST https://hooks.slack.com/services/[REDACTED]');
    expect(counts(summary)).to.deep.equal({ slack_webhook: 1 });
  });

  it('discord_webhook: the token after the webhook id goes, the host and id stay', () => {
    const rand = seeded(6);
    for (const host of ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com']) {
      const token = body(rand, `${ALNUM}-_`, 68);
      const { out, summary } = redactText(`curl -X POST https://${host}/api/webhooks/123456789012345678/${token} -d @msg.json`);
      expect(out).to.equal(`curl -X POST https://${host}/api/webhooks/123456789012345678/[REDACTED] -d @msg.json`);
      expect(counts(summary)).to.deep.equal({ discord_webhook: 1 });
    }
  });

  it('pem_private_key: whole multi-line blocks of every kind, and a block cut short', () => {
    const rand = seeded(6);
    for (const label of ['RSA', 'EC', 'OPENSSH', 'ENCRYPTED', 'DSA', '']) {
      const pem = fakePem(rand, label);
      const text = `key file:\n${pem}\n-- end of file`;
      const { out, summary } = redactText(text);
      expect(out).to.equal('key file:\n[REDACTED]\n-- end of file');
      expect(counts(summary)).to.deep.equal({ pem_private_key: 1 });
    }
    const cut = fakePem(rand).split('\n').slice(0, 4).join('\n');
    expect(redactText(`$ head -4 id_rsa\n${cut}`).out).to.equal('$ head -4 id_rsa\n[REDACTED]');
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
    expect(redactText(cert).out).to.equal(cert);
  });

  it('url_password: scheme, user and host stay; only the password goes (git remotes, databases, proxies)', () => {
    const rand = seeded(8);
    const pw = fakePassword(rand);
    const token = FAKE['github_token']!(rand);
    const cases: [string, string][] = [
      [`postgres://app:${pw}@db.internal:5432/app`, 'postgres://app:[REDACTED]@db.internal:5432/app'],
      [`redis://:${pw}@cache:6379/0`, 'redis://:[REDACTED]@cache:6379/0'],
      [`origin\thttps://x-access-token:${pw}@github.com/acme/api.git (fetch)`, 'origin\thttps://x-access-token:[REDACTED]@github.com/acme/api.git (fetch)'],
      [`http://proxy:p@ss${pw}@proxy.internal:3128`, 'http://proxy:[REDACTED]@proxy.internal:3128'],
      [`origin https://${token}@github.com/acme/api.git`, 'origin https://[REDACTED]@github.com/acme/api.git'],
    ];
    for (const [text, expected] of cases) expect(redactText(text).out).to.equal(expected);
  });

  it('authorization_header: Bearer, Basic, Token and Digest credentials; the scheme word stays', () => {
    const rand = seeded(9);
    const bearer = body(rand, ALNUM, 40);
    const basic = Buffer.from(`deploy:${fakePassword(rand)}`).toString('base64');
    const cases: [string, string][] = [
      [`Authorization: Bearer ${bearer}`, 'Authorization: Bearer [REDACTED]'],
      [`curl -H "Authorization: Basic ${basic}" https://x`, 'curl -H "Authorization: Basic [REDACTED]" https://x'],
      // A Python dict: a strictly valid JSON object in text is walked as JSON, its `authorization` value taken whole (json-in-prose.test.ts).
      [`{'headers': {'authorization': 'token ${bearer}'}} trailing`, "{'headers': {'authorization': 'token [REDACTED]'}} trailing"],
      [`proxy-authorization: Bearer ${bearer}`, 'proxy-authorization: Bearer [REDACTED]'],
      [`-H 'Bearer ${bearer}'`, "-H 'Bearer [REDACTED]'"],
    ];
    for (const [text, expected] of cases) expect(redactText(text).out, text).to.equal(expected);
  });

  it('secret_assignment: password=/secret:/token= in env, shell, YAML, JSON-like text, query strings, flags and code', () => {
    const rand = seeded(10);
    const forms = [
      'export API_TOKEN=%s',
      'DB_PASSWORD=%s',
      'password: %s',
      '  client_secret: "%s"',
      '{"password": "%s", "user": "bob"',
      "{'refresh_token': '%s'}",
      'GET /callback?code=1&access_token=%s&state=2',
      'mysql --password=%s -h db',
      'psql --password %s',
      'const apiKey = "%s";',
      'set SECRET_KEY=%s',
      'spring.datasource.password=%s',
      'X-Api-Key: %s',
      'token := "%s"',
    ];
    for (const form of forms) {
      const secret = fakePassword(rand);
      const text = form.replace('%s', secret);
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
      expect(summary.total, text).to.equal(1);
    }
  });

  it('home_path: /home/<user>, /Users/<user> and C:\\Users\\<user> become ~, counted as file paths', () => {
    const cases: [string, string][] = [
      ['$ ls /home/alice/src/api', '$ ls ~/src/api'],
      ['cwd=/Users/bob.smith/work', 'cwd=~/work'],
      ['C:\\Users\\Carol\\AppData\\Local', '~\\AppData\\Local'],
      ['"C:\\\\Users\\\\dave\\\\repo"', '"~\\\\repo"'],
      ['open /home/erin', 'open ~'],
      ['cd /mnt/c/Users/jdoe/src', 'cd ~/src'],
      ['from WSL: /mnt/D/Users/Jane/notes.txt', 'from WSL: ~/notes.txt'],
      ['silverblue: /var/home/frank/.bashrc', 'silverblue: ~/.bashrc'],
    ];
    for (const [text, expected] of cases) {
      const { out, summary } = redactText(text);
      expect(out, text).to.equal(expected);
      expect(summary.byRule['home_path']).to.deep.equal({ count: 1, category: 'file paths' });
    }
  });

  it('email: a folder named after an address is masked; a URL\'s user part is not an address', () => {
    expect(redactText('/Users/x/Library/CloudStorage/GoogleDrive-jane.doe@example.com/My Drive', { redactPaths: false }).out).to.equal('/Users/x/Library/CloudStorage/[REDACTED]/My Drive');
    expect(redactText('ssh://git@example.com/acme/api.git and https://deploy@example.com/x').out).to.equal('ssh://git@example.com/acme/api.git and https://deploy@example.com/x');
  });

  it('email: addresses masked and counted; git@ remotes and @2x images kept', () => {
    const { out, summary } = redactText('mail dana.o+ci@example.co.uk or ops@acme.io; git@github.com:acme/api.git; logo@2x.png');
    expect(out).to.equal('mail [REDACTED] or [REDACTED]; git@github.com:acme/api.git; logo@2x.png');
    expect(summary.byRule['email']).to.deep.equal({ count: 2, category: 'e-mail addresses' });
  });

  it('paths and e-mail addresses are switched off by their own settings', () => {
    const text = 'see /home/alice/x and alice@example.com';
    expect(redactText(text, { redactPaths: false, redactEmails: false }).out).to.equal(text);
  });
});

describe('default content rules: near misses survive untouched', () => {
  const rand: Random = seeded(11);
  const image = `data:image/png;base64,${Buffer.from(Array.from({ length: 3000 }, () => Math.floor(rand() * 256))).toString('base64')}`;
  const NEAR_MISSES: Readonly<Record<string, string>> = {
    'git SHA': `commit ${hex(rand, 40)} (HEAD -> main)`,
    'short SHA and ranges': `git log ${hex(rand, 7)}..${hex(rand, 7)}`,
    UUID: `request ${uuid(rand)} failed`,
    'sha256 digest': `sha256:${hex(rand, 64)}  backup.db`,
    'process.env.API_KEY': 'const key = process.env.API_KEY;\nif (!process.env.OPENAI_API_KEY) throw new Error("missing");',
    'os.environ and getenv': 'password = os.environ["DB_PASSWORD"]\ntoken = os.getenv("GITHUB_TOKEN")',
    skeleton: 'Render a skeleton while the sk-learn model loads; risk-free task-runner.',
    'sk- in prose': 'OpenAI keys start with sk- and Stripe ones with sk_live_ followed by random characters.',
    'URLs without credentials': 'https://example.com/a/b?q=1#frag http://localhost:3000/@vite/client https://registry.npmjs.org/@types/node https://user@example.com/',
    'base64 image': image,
    'token counts': 'input_tokens: 1834\noutput_tokens=912\nmax_tokens = 4096\n"total_tokens": 2746',
    'secret-named metadata': 'token_type: Bearer\npassword_changed_at: 2026-01-05\nsecret_name: prod-db',
    'references and placeholders': 'token: ${{ secrets.GITHUB_TOKEN }}\npassword: <your-password>\nAPI_KEY=$API_KEY\npassword: null\nsecret: ""\npassword: "********"',
    'type annotations': 'function login(user: string, password: string): Promise<Token> {}\nclass S { api_key: Optional[str] = None }',
    'comparisons and arrows': 'if (token == null) return;\nconst check = (password) => password.length > 8;',
    'prose with a colon': 'The password: it must be at least twelve characters long.',
    'short prefixes': 'ghp_short AKIA12 AIzaShort sk-abc xoxb-1 hf_hub_download npm_config_registry SG.x.y',
    'package versions and decorators': 'lodash@4.17.21 @types/node@20 actions/checkout@v4 @Component',
    'words like AKIA or Asia': 'ASIAN markets; ASIA-PACIFIC; AKIAMA is a name',
    'certificates': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
    'other paths': '/srv/home/data /var/lib/users/x ~/projects C:\\Program Files\\App /usr/home',
    'web pages under /home/': 'http://localhost:8080/home/index.html https://example.com/home/jane/profile',
    'service prefixes without a key': 'fw_version=2 fc-container r8_value gsk_config xai-grok-2 pplx-online dapi_v2 shpat_ HRKU- lin_api_docs ntn_id glc_abc ya29.short 1//0 pat-na1-docs AGE-SECRET-KEY-1 ops_eyJ sk.eyJ discord.com/api/webhooks/123 at 12:AAB',
    'XML elements without a secret': '<password>${DB_PASSWORD}</password><token></token><password>********</password><passwordPolicy>strong</passwordPolicy>',
  };
  for (const [name, text] of Object.entries(NEAR_MISSES)) {
    it(name, () => {
      const { out, summary } = redactText(text);
      expect(out).to.equal(text);
      expect(summary.total).to.equal(0);
    });
  }

  it('sk- bodies that are words (kebab-case slugs) are kept; random ones are not', () => {
    expect(redactText('branch sk-this-is-a-long-kebab-case-feature-name').out).to.equal('branch sk-this-is-a-long-kebab-case-feature-name');
    const key = `sk-${chars(seeded(12), ALNUM, 20)}7`;
    expect(redactText(`branch ${key}`).out).to.equal('branch [REDACTED]');
  });
});

describe('default content rules: crafted values cannot slow an export down', () => {
  it('1 MiB of each anchor, repeated, finishes', () => {
    const units = [
      'eyJ', 'eyJabcdefghijk.', 'sk-', 'ghp_', '@', 'a@b.', '://', 'x://a:', 'password=', 'token: ', '"token": "', '--password ',
      '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----\n-----END', '/home/', 'C:\\Users\\', 'SG.', 'twilio ',
      'Authorization: Bearer ', 'bearer ', 'xoxb-', 'AKIA', 'hooks.slack.com/services/', 'secret_access_key=', '{"a":', '[',
    ];
    for (const unit of units) {
      const value = unit.repeat(Math.ceil((1024 * 1024) / unit.length));
      const { out } = redactText(value);
      expect(out.length, unit).to.be.at.most(value.length);
    }
  });
});
