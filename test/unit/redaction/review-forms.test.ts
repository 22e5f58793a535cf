/**
 * Forms the second pass's review found past both the rules and the leak scan (README, Known gaps,
 * 2026-11-28): a literal piped into a secret store's command, `aws ssm put-parameter`'s `--value` for
 * a SecureString or a secret-named parameter. Each is taken (counted under its rule) and near misses
 * stay untouched. Values are made at test time; none was ever a key.
 */
import { expect } from 'chai';
import { ALNUM, body, fakePassword, seeded } from './fakes.js';
import { detectorsOf, expectEach, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261128_3);
const make = (): string => fakePassword(rand);

describe('second pass review: secrets given to a secret store\'s command', () => {
  it('takes a literal piped into a store that reads the secret from its input (wrangler, vercel, gh, fly, doppler, kubectl, docker, gcloud)', () => {
    expectEach([
      'echo "%s" | wrangler secret put API_TOKEN',
      'echo -n %s | npx wrangler secret put API_TOKEN --env production',
      'printf %s | vercel env add DB_PASSWORD production',
      'echo -n %s | gh secret set NPM_TOKEN',
      "echo 'DB_URL=%s' | fly secrets import",
      'echo %s | doppler secrets set API_KEY',
      'echo -n %s | kubectl create secret generic app --from-file=key=/dev/stdin',
      'printf %s | docker secret create db_pw -',
      'echo -n "%s" | gcloud secrets versions add db-pass --data-file=-',
      '$ wrangler secret put API_TOKEN <<< %s',
      'run: echo "%s" | gh secret set DEPLOY_KEY --repo acme/app',
      'log: $ ls\\necho -n %s | wrangler secret put X\\n',
    ], make, 'secret_assignment');
    const secret = make();
    const text = `printf '%s' ${secret} | vercel env add STRIPE_SECRET_KEY production`;
    expect(redactText(text).out).to.equal(text.replace(secret, '[REDACTED]'));
  });

  it('keeps what feeds no literal, stores that read a file or a flag, other subcommands and prose', () => {
    expectUntouched([
      'echo $CF_TOKEN | wrangler secret put API_TOKEN',
      'cat .env | fly secrets import',
      'echo "${SECRET}" | gh secret set X',
      'printf hunter2x | docker secret create db_pw ./pw.txt',
      'echo hunter2x | kubectl create secret generic app --from-file=key=./key.pem',
      'echo done | wrangler secret list',
      'wrangler secret put API_TOKEN',
      'echo https://api.example.com | vercel env add NEXT_PUBLIC_API_URL production',
      'echo hunter2x | grep secret set',
      'run `wrangler secret put NAME` and paste the value',
    ]);
  });

  it('takes aws ssm put-parameter\'s --value for a SecureString or a parameter named like a secret, in either order', () => {
    expectEach([
      'aws ssm put-parameter --name /x/db-password --value %s --type SecureString',
      'aws ssm put-parameter --name /prod/app --type SecureString --value %s',
      'aws ssm put-parameter --type "SecureString" --name /prod/app --value "%s" --overwrite',
      'aws ssm put-parameter --name /prod/api-key --value %s',
      'aws --region eu-west-1 ssm put-parameter --value \'%s\' --name /prod/stripe/secret-key',
      'aws ssm put-parameter --name=/prod/db_password --value=%s',
    ], make, 'secret_assignment');
  });

  it('keeps a bare --value elsewhere: a String parameter under an ordinary name, references, files, other commands', () => {
    expectUntouched([
      'aws ssm put-parameter --name /prod/app/region --value eu-west-1 --type String',
      'aws ssm put-parameter --name /prod/feature-flags --value Xa9fK2mQ7tLp --type StringList',
      'aws ssm put-parameter --name /prod/db-password --value "$DB_PASSWORD" --type SecureString',
      'aws ssm put-parameter --name /prod/db-password --value file://pw.txt --type SecureString',
      'aws ssm get-parameter --name /prod/db-password --with-decryption',
      'mytool set --name /prod/api-key --value Xa9fK2mQ7tLp',
      'The parameter type SecureString encrypts --value with KMS.',
    ]);
    expect(detectorsOf('aws ssm put-parameter --name /prod/app --value Xa9fK2mQ7tLp8Rw --type String')).to.deep.equal([]);
  });
});

describe('second pass review: a label of words before an arrow, JSON-escaped argument arrays in text', () => {
  it('takes a generated-looking value after a label of words and an arrow (→, ->, =>), ending its line', () => {
    expectEach([
      'API key → %s',
      'Access token -> %s',
      'client secret => %s',
      '- **API key** → `%s`',
      'New OpenAI key -> %s.',
      '2. Secret access key → %s',
    ], () => body(rand, ALNUM, 24), 'labeled_secret');
  });

  it('keeps UI paths, prose, words and labels about a secret after an arrow', () => {
    expectUntouched([
      'Settings → API keys → Create',
      'password → reset flow',
      'API key → Settings → Security',
      'Access token -> expires in one hour',
      'Primary key -> Xa9fK2mQ7tLp8RwZ',
      'token -> Xa9fK2mQ7tLp8RwZ',
      'auth token -> String',
      'API key rotation → Xa9fK2mQ7tLp8RwZ',
      'API keys --> Gateway',
    ]);
  });

  it('takes the secret of an argument array whose quotes are escaped as in a JSON string, in text that is not JSON', () => {
    expectEach([
      '[\\"zip\\", \\"-P\\", \\"%s\\"]',
      'args=[\\"unzip\\", \\"-o\\", \\"-P\\", \\"%s\\", \\"a.zip\\"]',
      'tool_call [\\"wandb\\", \\"login\\", \\"%s\\"]',
      'execFileSync(\\"zip\\", [\\"-r\\", \\"-P\\", \\"%s\\", \\"o.zip\\"])',
      '{\\"command\\": \\"wandb\\", \\"args\\": [\\"login\\", \\"%s\\"]}',
      '[\\"sqlcmd\\", \\"-S\\", \\"db\\", \\"-P\\", \\"%s\\"]',
      '[\\"ldapsearch\\", \\"-x\\", \\"-w\\", \\"%s\\"]',
      '[\\"mysql\\", \\"-uroot\\", \\"-p%s\\"]',
    ], make, 'secret_assignment');
    expectUntouched(['[\\"zip\\", \\"-P\\", \\"$ZIP_PASSWORD\\"]', '[\\"zip\\", \\"file\\", \\"-P\\"]', '[\\"gzip\\", \\"-P\\", \\"x\\"]', '[\\"sqlcmd\\", \\"-?\\"]']);
  });
});

describe('second pass review: a piped literal whose quotes are escaped as in a JSON string', () => {
  it('takes it before a secret store\'s command and a registry login\'s --password-stdin, and the scan reads it as the export writes it', () => {
    for (const form of ['echo \\"%s\\" | wrangler secret put X', 'echo -n \\"%s\\" | docker login -u bob --password-stdin ghcr.io']) {
      const secret = make().replace(/[!#%^*]/g, '');
      const text = form.replace('%s', secret);
      const { out } = redactText(text);
      expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
      expect(detectorsOf(JSON.stringify({ c: text })), text).to.deep.equal(['command_password']);
      expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
    }
  });
});
