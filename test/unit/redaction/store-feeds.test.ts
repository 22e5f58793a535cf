/**
 * Secrets fed to a store's command or a login's `--password-stdin` in forms the earlier passes left
 * (README, Known gaps, "Left"): `printf 'PW\n' |` with the `\n` inside the format's quotes, `az \` then
 * `keyvault secret set`, `vault kv put … KEY=-`, 1Password's item JSON, and `mysqladmin … password NEW`. Each is
 * taken by the rules and found by the leak scan raw, as the export's JSON string and as a CSV field;
 * near misses stay untouched. `{PW}` is the secret (printf's own `%s` stays a format): values are
 * made at test time, none was ever a key.
 */
import { expect } from 'chai';
import { ALNUM, body, seeded } from './fakes.js';
import { counts, detectorsOf, redactText } from './helpers.js';

const rand = seeded(20261129_1);
const generated = (): string => body(rand, ALNUM, 24);

/** Each form's secret: the rules replace it alone, once, under `rule`; the scan finds it raw, in JSON and in CSV, and is quiet after. */
function takenAndFound(forms: readonly string[], detector: string, rule = 'secret_assignment'): void {
  for (const form of forms) {
    const secret = generated();
    const text = form.replaceAll('{PW}', secret);
    const { out, summary } = redactText(text);
    expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
    expect(counts(summary), text).to.deep.equal({ [rule]: 1 });
    expect(detectorsOf(JSON.stringify({ content: out })), out).to.deep.equal([]);
    for (const scanned of [text, JSON.stringify({ content: text }), `1,"${text.replaceAll('"', '""')}"\n`]) {
      expect(detectorsOf(scanned), scanned).to.deep.equal([detector]);
    }
  }
}

/** Each text, `{PW}` a generated value: unchanged by the rules, and quiet for the scan raw and in JSON. */
function untouched(forms: readonly string[]): void {
  for (const form of forms) {
    const text = form.replaceAll('{PW}', generated());
    const { out, summary } = redactText(text);
    expect(out, text).to.equal(text);
    expect(summary.total, text).to.equal(0);
    expect(detectorsOf(text), text).to.deep.equal([]);
    expect(detectorsOf(JSON.stringify({ content: text })), text).to.deep.equal([]);
  }
}

/** 1 MiB of each unit: the rules and the scan end (each reader bounded) and find nothing. */
function cheap(units: readonly string[]): void {
  for (const unit of units) {
    const text = unit.repeat(Math.ceil((1024 * 1024) / unit.length));
    expect(detectorsOf(text), unit).to.deep.equal([]);
    redactText(text);
  }
}

describe('printf \'PW\\n\' | a store or a --password-stdin login: the format\'s \\n is no line break', () => {
  it('the rules take the literal and the scan finds it, raw, as JSON and in CSV', () => {
    takenAndFound([
      "printf '{PW}\\n' | docker login -u me --password-stdin",
      'printf "{PW}\\n" | podman login quay.io -u bot --password-stdin',
      "$ printf '%s\\n' '{PW}' | docker login ghcr.io -u me --password-stdin",
      "printf '{PW}\\n' | pass insert -e web/github",
      "printf '%s\\n' '{PW}' | pass insert -e web/x",
      "printf '{PW}\\n' | wrangler secret put API_TOKEN",
      "printf '{PW}\\n' | npx wrangler secret put API_TOKEN --env production",
      "printf '%s\\n' {PW} | gh secret set NPM_TOKEN",
      "printf '{PW}\\n' | docker secret create db_pw -",
      'cd app && printf "{PW}\\n" | gcloud secrets versions add db-pw --data-file=-',
    ], 'command_password');
  });

  it('the rules take it in text holding a JSON string too (a log line\'s `printf \'PW\\\\n\' |`)', () => {
    for (const form of ["log: printf '{PW}\\\\n' | pass insert -e web/x", "$ printf '{PW}\\\\n' | docker login -u me --password-stdin"]) {
      const secret = generated();
      const text = form.replace('{PW}', secret);
      const { out } = redactText(text);
      expect(out, text).to.equal(text.replace(secret, '[REDACTED]'));
    }
  });

  it('keeps references, a printf that ends its command, prose and printf into other commands', () => {
    untouched([
      'printf \'%s\\n\' "$REGISTRY_PASSWORD" | docker login -u me --password-stdin',
      "printf '%s\\n' \"$DB_PASSWORD\" | pass insert -e db/prod",
      "printf 'Deploying {PW}\\n'; wrangler secret put API_TOKEN",
      "printf 'done {PW}\\n' && gh secret set NPM_TOKEN",
      "printf '{PW}\\n' > token.txt\nwrangler secret put API_TOKEN < token.txt",
      "Use printf '%s\\n' to print each word, then pass insert asks for the password.",
      "printf '{PW}\\n' | sudo tee /etc/motd",
      "printf '{PW}\\n' | grep pass insert",
      "printf 'a\\nb\\n' | sort | uniq",
    ]);
  });

  it('reads a crafted run of formats in bounded time', () => {
    cheap([
      "printf 'ab\\n' | docker login --password-stdin ",
      "printf '\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n' | wrangler secret put X\n",
      "printf '%s\\n' | pass insert x\n",
      "printf 'a\\n",
    ]);
  });
});

describe('az split from keyvault secret set by a line a `\\` continues', () => {
  it('the rules take --value and the scan finds it, raw, as JSON and in CSV', () => {
    takenAndFound([
      'az \\\n  keyvault secret set --vault-name kv1 --name db-pw --value {PW}',
      'az --subscription dev \\\n  keyvault secret set --vault-name kv1 --name db-pw --value={PW}',
      'az keyvault \\\n  secret set --vault-name kv1 --name db-pw --value {PW}',
      '$ az \\\n    keyvault secret set \\\n    --vault-name kv1 \\\n    --name db-pw \\\n    --value "{PW}"',
      'run: |\n  az \\\n    keyvault secret set -n api --vault-name kv1 --value \'{PW}\'',
    ], 'secret_assignment');
  });

  it('keeps a keyvault command on a line no `\\` continues, other commands and other subcommands', () => {
    untouched([
      'az login\n  keyvault secret set --vault-name kv1 --name db-pw --value {PW}',
      'echo \\\n  keyvault secret set --vault-name kv1 --value {PW}',
      'az \\\n  keyvault secret show --name db-pw --vault-name kv1',
      'az \\\n  keyvault secret set --vault-name kv1 --name db-pw --value @pw.txt',
      'az \\\n  keyvault secret set-attributes --name x --vault-name kv1 --value {PW}',
      'az \\\n  appconfig kv set --name cfg --key region --value {PW}',
    ]);
  });

  it('reads crafted runs of continued lines in bounded time', () => {
    cheap(['az \\\n', 'keyvault \\\n secret set --value x \\\n', 'az \\\n keyvault secret set --value @f \\\n']);
  });
});

describe('vault kv put|patch|write PATH KEY=- fed by a pipe, a here-string or a here-doc', () => {
  it('the rules take the input whatever the key\'s name, and the scan finds it, raw, as JSON and in CSV', () => {
    takenAndFound([
      "echo -n '{PW}' | vault kv put secret/app password=-",
      "echo -n '{PW}' | vault kv put secret/app value=-",
      'echo -n "{PW}" | vault kv put -mount=secret app db_pass=-',
      "printf '%s' '{PW}' | vault kv patch secret/app api_key=-",
      "printf '{PW}' | vault write auth/userpass/users/bob password=-",
      "echo -n '{PW}' | VAULT_ADDR=https://vault.internal:8200 vault kv put secret/app token=-",
      "printf '{PW}\\n' | vault kv put secret/app value=-",
      "vault kv put secret/app api_key=- <<< '{PW}'",
      'cat <<EOF | vault kv put secret/app token=-\n{PW}\nEOF',
      'vault kv put secret/app password=- <<EOF\n{PW}\nEOF',
    ], 'command_password');
  });

  it('keeps a key read from a file, other subcommands, references, prose, and `-` itself', () => {
    untouched([
      'vault kv put secret/app password=-',
      'vault kv put secret/app password=@pw.txt',
      "echo -n '{PW}' | vault kv put secret/app password=@secrets/pw.txt",
      "echo -n '{PW}' | vault kv get secret/app",
      "echo -n '{PW}' | vault read secret/app",
      "echo '{PW}' | vault kv put secret/app ttl=1h",
      'echo -n "$DB_PASSWORD" | vault kv put secret/app password=-',
      'Store it with vault kv put secret/app password=- and paste the value when asked.',
      'curl -F file=@report.csv https://example.com/upload',
    ]);
  });

  it('reads crafted runs in bounded time', () => {
    cheap(['| vault kv put a b=- ', "echo 'x' | vault kv put a password=-\n", 'vault kv put a b=- <<< ', 'A=b | ', '| vault write x y=@f.txt ']);
  });
});

describe('1Password item JSON (op item create\'s template by a pipe or a here-doc, op item get\'s output) and CloudFormation parameters', () => {
  it('the rules take a CONCEALED field\'s value whatever its label, and the scan finds it, raw, as JSON and in CSV', () => {
    takenAndFound([
      'op item create --category login --title db --vault dev - <<EOF\n{"fields":[{"id":"password","type":"CONCEALED","purpose":"PASSWORD","label":"password","value":"{PW}"}]}\nEOF',
      'echo \'{"title":"db","fields":[{"id":"password","type":"CONCEALED","value":"{PW}"}]}\' | op item create --vault dev -',
      '{\n  "id": "x1",\n  "fields": [\n    {\n      "id": "password",\n      "type": "CONCEALED",\n      "purpose": "PASSWORD",\n      "label": "password",\n      "value": "{PW}",\n      "reference": "op://dev/db/password"\n    }\n  ]\n}',
      '{"fields": [{"id": "k3j2", "section": {"id": "s1"}, "type": "CONCEALED", "label": "db-conn", "value": "{PW}"}]}',
    ], 'secret_assignment', 'password');
  });

  it('the rules take an OTP field\'s seed and a CloudFormation parameter under a secret\'s name (the scan reads neither)', () => {
    for (const [form, kept] of [
      ['{"id": "TOTP_x", "type": "OTP", "label": "one-time password", "value": "otpauth://totp/acme?secret={PW}"}', '"TOTP_x"'],
      ['[{"ParameterKey": "DBPassword", "ParameterValue": "{PW}"}, {"ParameterKey": "Env", "ParameterValue": "prod"}]', '"prod"'],
    ]) {
      const secret = generated();
      const text = form!.replace('{PW}', secret);
      const { out, summary } = redactText(text);
      expect(out, text).not.to.include(secret);
      expect(counts(summary), text).to.deep.equal({ password: 1 });
      expect(out, text).to.include(kept);
    }
  });

  it('keeps other fields, empty values, references, select options and parameters under other names', () => {
    untouched([
      '{"id": "username", "type": "STRING", "purpose": "USERNAME", "label": "username", "value": "{PW}"}',
      '{"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": ""}',
      '{"id": "password", "type": "CONCEALED", "label": "password", "reference": "op://dev/db/password"}',
      '[{"type": "CONCEALED", "label": "password", "reference": "op://x"}, {"type": "STRING", "label": "username", "value": "{PW}"}]',
      '[{"label": "Password", "value": "password"}, {"label": "API token", "value": "token"}]',
      '[{"ParameterKey": "InstanceType", "ParameterValue": "t3.micro"}, {"ParameterKey": "KeyName", "ParameterValue": "deploy-key"}]',
      'Set the field\'s type to CONCEALED; its value is then hidden in the app.',
    ]);
  });

  it('reads crafted runs in bounded time', () => {
    cheap(['{"type": "CONCEALED", "value": "', '"type": "CONCEALED", ', '{"value": "x", "type": "OTP"}', '{"ParameterKey": "a", ']);
  });
});

describe('mysqladmin … password NEW (README Known gaps, the fifth red team\'s positional logins)', () => {
  it('the rules take the new password and the scan finds it, raw, as JSON and in CSV', () => {
    takenAndFound([
      "mysqladmin -u root password '{PW}'",
      'sudo mysqladmin -u root -h 127.0.0.1 password "{PW}"',
      '$ mysqladmin --user=root password {PW} && echo ok',
      'mysqladmin -u root -p password {PW}',
    ], 'command_password');
  });

  it('keeps a prompt for it, references, other subcommands, prose and other commands', () => {
    untouched([
      'mysqladmin -u root -p password',
      'mysqladmin -u root password "$NEW_PW"',
      'mysqladmin -u root -p status',
      'Use mysqladmin to change the password {PW} for root.',
      'mysql -u root password {PW}',
      'mysqladmin -u root password -h localhost',
    ]);
  });

  it('reads crafted runs in bounded time', () => {
    cheap(['mysqladmin ', 'mysqladmin -u a ', ' password ', 'mysqladmin -x password ']);
  });
});
