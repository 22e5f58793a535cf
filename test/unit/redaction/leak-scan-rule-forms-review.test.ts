/**
 * Forms the second pass's review found past both the rules and the leak scan (README, Known gaps,
 * 2026-11-28), now read by the scan as the rules take them: each is a hit, raw, as the export's JSON
 * string and as a CSV field, named by its detector; the default rules take each, leaving the scan
 * nothing; near misses stay quiet. Values are made at test time; none was ever a key.
 */
import { expect } from 'chai';
import { leakFormChecks } from './leak-form-checks.js';

const { expectFound, expectQuiet, expectCheap, generated, detectors } = leakFormChecks(20261128_4);

describe('leak scan: forms of the second pass\'s review, read since the rules take them', () => {
  it('a literal piped into a secret store\'s command', () => {
    expectFound([
      'echo "%s" | wrangler secret put API_TOKEN', "printf '%b' %s | vercel env add DB_PASSWORD production", 'echo -n %s | gh secret set NPM_TOKEN',
      "echo 'APP_SEED=%s' | fly secrets import", 'echo %s | doppler secrets set API_KEY', 'echo -n %s | kubectl create secret generic x --from-file=key=/dev/stdin',
      'printf %s | docker secret create db_pw -', 'echo -n %s | gcloud secrets create db-pass --data-file=-', 'echo %s | npx wrangler secret put X',
    ], 'command_password');
  });

  it('stores that read a file or a flag, references, other subcommands stay quiet', () => {
    expectQuiet(['printf %s | docker secret create db_pw ./f', 'echo %s | kubectl create secret generic x --from-file=k=./f', 'echo hi | gh secret set X --body "$V" %s', 'echo %s | wrangler secret list', 'echo %s | grep wrangler secret put', 'echo $X | wrangler secret put Y %s']);
    expectCheap(['echo Xa9fK2mQ7tLp8Rw | wrangler secret put', '| wrangler secret put X ', 'echo x9 | gh secret set N --body ']);
  });

  it('aws ssm put-parameter\'s --value for a SecureString or a secret-named parameter', () => {
    expectFound([
      'aws ssm put-parameter --name /x/db-password --value %s --type SecureString', 'aws ssm put-parameter --name /prod/app --type SecureString --value %s',
      'aws ssm put-parameter --value "%s" --name /prod/api-key', 'aws --region eu-west-1 ssm put-parameter --name /p/token --value \'%s\'',
    ], 'secret_assignment');
    expectQuiet(['aws ssm put-parameter --name /prod/app --type String --value %s', 'aws ssm put-parameter --name /prod/db-password --value "$PW" --type SecureString %s', 'tool --name /x/db-password --value %s']);
    expectCheap(['aws ssm put-parameter --name /x/db-password --value ', ' --value Xa9fK2mQ7tLp8Rw ']);
  });
});

describe('leak scan: a label of words before an arrow', () => {
  it('reads a generated-looking value after a label and -> or → (as the character, and as the export\'s UTF-8 bytes read as Latin-1)', () => {
    const forms = ['API key → %s', 'Access token -> %s', '- **Client secret** → `%s`', 'password → %s', 'New OpenAI key -> %s.'];
    expectFound(forms, 'secret_assignment');
    for (const form of forms) {
      const text = form.replaceAll('%s', generated());
      expect(detectors(Buffer.from(JSON.stringify({ content: text }), 'utf8').toString('latin1')), text).to.deep.equal(['secret_assignment']);
    }
  });

  it('what the rules keep stays quiet: one word before ->, UI paths, words after the value, a key that is no secret\'s, a label about the secret', () => {
    expectQuiet(['token -> %s', 'Primary key -> %s', 'API key → %s → next', 'Access token -> %s for staging', 'API key rotation → %s', 'x = api key -> %s']);
    expectCheap(['API key -> ', 'a -> b ', 'Access token \u2192 Xa9fK2mQ7tLp8RwZ next\n']);
  });
});
