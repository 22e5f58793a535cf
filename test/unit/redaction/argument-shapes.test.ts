/**
 * Shapes lib/redaction/README.md listed as not recognised until 2026-11-27, each now redacted by
 * a default rule and seen raw by the leak scan: vendor Authorization schemes, secrets named by a
 * `name`/`key` field beside a `value` (Kubernetes env lists, .NET and Spring XML), fish's
 * `set -x` and Windows' `setx`, secrets given as command arguments, `.pgpass` lines and bracketed
 * tuple targets. Every secret is generated here.
 */
import { expect } from 'chai';
import { ALNUM, body, chars, fakeDiscordBotToken, seeded } from './fakes.js';
import { counts, detectorsOf, expectEach, expectRedactedTo, expectUntouched, redactText } from './helpers.js';

const rand = seeded(2611);
const token = (): string => body(rand, ALNUM, 32);
/** A generated password of the kind people paste: letters, digits, fourteen long. */
const password = (): string => body(rand, ALNUM, 14);

describe('Authorization headers with a vendor\'s own scheme', () => {
  it('the credential after Api-Key, SSWS, GenieKey, Klaviyo-API-Key, DeepL-Auth-Key is redacted and the scheme stays', () => {
    expectEach(['Authorization: Api-Key %s', 'Authorization: SSWS %s', 'authorization: GenieKey %s', 'Authorization: Klaviyo-API-Key %s', '"Authorization": "DeepL-Auth-Key %s"'], token, 'authorization_header');
  });

  it('AWS\'s signature scheme is no credential: its name stays, the key id and signature go by their own rules', () => {
    const signature = chars(rand, '0123456789abcdef', 64);
    const { out } = redactText(`Authorization: AWS4-HMAC-SHA256 Credential=AKIA${chars(rand, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${signature}`);
    expect(out).to.equal('Authorization: AWS4-HMAC-SHA256 Credential=[REDACTED], SignedHeaders=host, Signature=[REDACTED]');
  });

  it('a scheme before a word is kept, and the leak scan reads Bearer and Basic credentials on its own', () => {
    expectUntouched(['Authorization: Custom scheme', 'Authorization: Negotiate', 'Bearer tokens expire after an hour']);
    expect(detectorsOf(`Authorization: Bearer ${token()}`)).to.deep.equal(['authorization_value']);
    expect(detectorsOf(`-H "Authorization: Basic ${Buffer.from(`bob:${password()}`).toString('base64')}"`)).to.deep.equal(['authorization_value']);
  });
});

describe('a secret named by a name or key field beside its value', () => {
  it('Kubernetes and CI env lists: `- name: DB_PASSWORD` then `value:` on the next line', () => {
    expectEach(['env:\n  - name: DB_PASSWORD\n    value: %s\n  - name: LOG_LEVEL\n    value: debug', 'env:\n- name: "API_TOKEN"\n  value: "%s"'], password, 'secret_assignment', 'secret_assignment');
  });

  it('.NET appSettings, Spring beans and map entries in XML; name/value objects in text', () => {
    expectEach(['<add key="ApiKey" value="%s" />', '<property name="password" value="%s"/>', '<entry key="db.password" value="%s"/>', 'env=[{name: "GITHUB_TOKEN", value: "%s"}]', 'log: {\\"name\\":\\"STRIPE_SECRET\\",\\"value\\":\\"%s\\"}'], token, 'secret_assignment', 'secret_assignment');
  });

  it('names that are no secret, references, valueFrom and empty values are kept', () => {
    expectUntouched([
      '- name: LOG_LEVEL\n  value: Xk9vQ2mLp7Rt',
      '- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}',
      '- name: API_TOKEN\n  value: ${{ secrets.API_TOKEN }}',
      '<add key="ApiKey" value="" />',
      '{"name": "password", "type": "string", "required": true}',
    ]);
  });
});

describe('fish and Windows environment commands', () => {
  it('`set -x`, `set -gx`, `set --export` and `setx` give the next word', () => {
    expectEach(['set -x OPENAI_API_KEY %s', 'set -gx GITHUB_TOKEN %s', 'set --export DB_PASSWORD %s', 'setx API_KEY %s', 'setx STRIPE_SECRET "%s" /M'], token, 'secret_assignment');
  });

  it('set -e erases, a command substitution and a path are no values', () => {
    expectUntouched(['set -e GITHUB_TOKEN', 'set -x GITHUB_TOKEN (cat ~/.config/token)', 'set -x PATH $PATH /usr/local/bin', 'setx PATH "%PATH%;C:\\tools"', 'set -e password check']);
  });
});

describe('secrets given as command arguments', () => {
  it('API keys and tokens: wandb login, ngrok authtoken, vault login, gh secret set --body', () => {
    expectEach([
      'wandb login %s', 'wandb login --relogin %s', 'ngrok authtoken %s', 'ngrok config add-authtoken %s', 'vault login %s',
      'gh secret set API_KEY --body %s', 'gh secret set API_KEY -b"%s" --repo acme/app', 'gh secret set API_KEY --body=%s',
    ], token, 'secret_assignment', 'command_password');
  });

  it('passwords: Oracle logins, zip and unzip -P, 7z -p, ssh-keygen -N and -P, openssl -k, curl cookies', () => {
    expectEach([
      'sqlplus scott/%s@orcl', 'sqlplus -s system/%s@//db:1521/ORCL @run.sql', 'ssh-keygen -t ed25519 -N \'%s\' -f key',
      'openssl enc -aes-256-cbc -k %s -in a -out b',
    ], password, 'secret_assignment', 'command_password');
    expectEach(['sqlldr userid=scott/%s@orcl control=x.ctl', 'expdp system/%s schemas=hr', 'unzip -P %s x.zip', '7z a -p%s x.7z f', 'ssh-keygen -p -P %s -N "" -f key'], password, 'secret_assignment');
    expectRedactedTo([
      [`zip -P ${'Zq8wE4rT6yU1iO'} out.zip dir`, 'zip -P [REDACTED] out.zip dir'],
      [`curl -b "sessionid=${'Xk9vQ2mLp7RtYb3N'}; lang=en-US" https://x.io`, 'curl -b "sessionid=[REDACTED]; lang=en-US" https://x.io'],
    ]);
    expect(detectorsOf(`curl -b "sessionid=${token()}" https://x.io`)).to.deep.equal(['command_password']);
  });

  it('the command\'s other words are read on: a header and a cookie on one curl are two secrets', () => {
    const [key, cookie] = [token(), token()];
    const { out, summary } = redactText(`curl -H "X-Api-Key: ${key}" -b "s=${cookie}" https://x.io`);
    expect(out).to.equal('curl -H "X-Api-Key: [REDACTED]" -b "s=[REDACTED]" https://x.io');
    expect(counts(summary)).to.deep.equal({ secret_assignment: 2 });
  });

  it('a literal piped into gh auth login --with-token', () => {
    expectEach(['echo "%s" | gh auth login --with-token', 'printf %s | gh auth login --hostname ghe.acme.io --with-token'], token, 'secret_assignment');
  });

  it('flags that prompt or read files, references, and the same names elsewhere are kept', () => {
    expectUntouched([
      'git checkout -b feature/login', 'gzip -k file', 'the performance of rman backups', 'zip -r out.zip dir', 'unzip -o x.zip', '7z x archive.7z -o/tmp',
      '7z a -p x.7z', 'ssh-keygen -t ed25519 -N \'\' -f key', 'openssl req -new -key k.pem', 'openssl enc -d -k $PASS -in f', 'sqlplus /nolog',
      'sqlplus / as sysdba', 'sqlplus -s $DB_USER/$DB_PASS@db', 'vault login -method=github', 'vault login -', 'vault login $VAULT_TOKEN',
      'wandb login --relogin', 'ngrok http 8080', 'gh secret set API_KEY < key.txt', 'gh secret set API_KEY --body "$API_KEY"', 'curl -b cookies.txt https://x.io',
      'echo "$GH_TOKEN" | gh auth login --with-token', 'python -c "print(list(zip(a, b)))"',
    ]);
  });
});

describe('.pgpass lines', () => {
  it('host:port:database:user:password: the password, for the usual ports and *', () => {
    expectEach(['db.example.com:5432:app:appuser:%s', '$ cat ~/.pgpass\nlocalhost:5432:*:postgres:%s\n', '*:*:*:replicator:%s', 'pgbouncer:6432:app:app:%s\r\n', '{"stdout":"10.0.0.5:5433:app:app:%s\\n"}'], password, 'pgpass_password', 'pgpass_password');
  });

  it('a password holding an escaped colon is taken whole; prose, addresses and references are kept', () => {
    expectRedactedTo([['db:5432:app:app:Pa55\\:w0rdXy', 'db:5432:app:app:[REDACTED]']]);
    expectUntouched(['listening on 0.0.0.0:5432:ok', 'at 12:5432:ab:cd:ef', 'localhost:5432:*:postgres:$PGPASSWORD', 'db:5432:app:user:', 'postgres on db:5432: connection refused']);
  });
});

describe('bracketed tuple targets', () => {
  it('Python and JavaScript: the value at the name\'s place', () => {
    expectEach(['(user, password) = ("admin", "%s")', 'const [user, password] = ["admin", "%s"];', '(password, user) = ("%s", "admin")', 'let (user, token) = ("admin", "%s");', '[a, password] = [1, "%s"]'], password, 'secret_assignment');
  });

  it('calls, variables, comparisons and React state are kept', () => {
    expectUntouched(['(user, password) = get_credentials()', 'const [user, password] = creds;', '(user, password) = (u, p)', 'if (user, password) == ("a", "b"):', 'const [token, setToken] = useState("");', 'const [token, setToken] = useState(null);']);
  });
});

describe('key files and webhook URLs', () => {
  it('PuTTY .ppk files: the private lines go, the header, public lines and MAC stay', () => {
    const publicLine = `AAAAC3NzaC1lZDI1NTE5AAAAI${body(rand, ALNUM, 43)}`;
    const privateLines = [`AAAAI${body(rand, ALNUM, 60)}`, `${body(rand, ALNUM, 12)}==`];
    const mac = chars(rand, '0123456789abcdef', 64);
    for (const eol of ['\n', '\r\n']) {
      const file = ['PuTTY-User-Key-File-3: ssh-ed25519', 'Encryption: none', 'Comment: me@laptop', 'Public-Lines: 1', publicLine, 'Private-Lines: 2', ...privateLines, `Private-MAC: ${mac}`, ''].join(eol);
      const { out, summary } = redactText(file);
      expect(out).to.equal(file.replace(privateLines.join(eol), '[REDACTED]'));
      expect(counts(summary)).to.deep.equal({ putty_private_key: 1 });
      expect(detectorsOf(file)).to.deep.equal(['private_key_block']);
      expect(detectorsOf(JSON.stringify({ c: out }))).to.deep.equal([]);
    }
    // As a tool's output inside JSON, the lines are escaped.
    const escaped = `{"stdout":"Private-Lines: 1\\n${privateLines[0]}\\nPrivate-MAC: ${mac}"}`;
    expect(redactText(escaped).out).to.equal(`{"stdout":"Private-Lines: 1\\n[REDACTED]\\nPrivate-MAC: ${mac}"}`);
    expect(detectorsOf(escaped)).to.deep.equal(['private_key_block']);
  });

  it('Microsoft Teams incoming webhooks: the secret after IncomingWebhook/ goes, host and ids stay', () => {
    const id = (): string => `${chars(rand, '0123456789abcdef', 8)}-${chars(rand, '0123456789abcdef', 4)}-4${chars(rand, '0123456789abcdef', 3)}-a${chars(rand, '0123456789abcdef', 3)}-${chars(rand, '0123456789abcdef', 12)}`;
    const secret = `${chars(rand, '0123456789abcdef', 31)}7/${id()}`;
    const url = `https://acme.webhook.office.com/webhookb2/${id()}@${id()}/IncomingWebhook/${secret}`;
    const { out, summary } = redactText(`TEAMS_HOOK_URL=${url}`);
    expect(out).to.equal(`TEAMS_HOOK_URL=${url.replace(secret, '[REDACTED]')}`);
    expect(counts(summary)).to.deep.equal({ teams_webhook: 1 });
    expect(detectorsOf(`curl -X POST ${url}`)).to.deep.equal(['vendor_token']);
    expectUntouched(['see the IncomingWebhook/ docs', 'https://acme.webhook.office.com/webhookb2/IncomingWebhook/']);
  });
});

describe('Discord bot tokens', () => {
  it('near "discord" or bot.run(, when the first part decodes to a user id; the leak scan finds them anywhere', () => {
    const tail = `.${body(rand, ALNUM, 6)}.${body(rand, ALNUM, 38)}`;
    const id = Buffer.from(`1${chars(rand, '0123456789', 17)}`).toString('base64url');
    expectEach([`bot.run("%s")`, "const client = new Discord.Client();\nclient.login('%s')", 'import discord\n\nclient = discord.Client()\nclient.run(\'%s\')', 'Discord bot: %s'], () => `${id}${tail}`, 'discord_bot_token', 'vendor_token');
    expectUntouched([`discord: ${Buffer.from('1234567890abcdefgh').toString('base64url')}${tail}`, 'MTIz.config.value', 'NT4.0.1381 service pack']);
    // Far from those words the rule does not look, and the scan fails the export instead of letting it pass.
    const far = `notes: ${fakeDiscordBotToken(rand)}`;
    expect(redactText(far).out).to.equal(far);
    expect(detectorsOf(far)).to.deep.equal(['vendor_token']);
  });
});

describe('keys in JSON Web Keys and in base64', () => {
  const b64url = (n: number): string => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256))).toString('base64url');

  it('a JWK\'s private members go, its public ones stay', () => {
    const [n, d, p, q] = [b64url(256), b64url(256), b64url(128), b64url(128)];
    const jwk = `{"kty":"RSA","kid":"k1","use":"sig","n":"${n}","e":"AQAB","d":"${d}","p":"${p}","q":"${q}"}`;
    const { out, summary } = redactText(`keys: ${jwk}`);
    expect(out).to.equal(`keys: {"kty":"RSA","kid":"k1","use":"sig","n":"${n}","e":"AQAB","d":"[REDACTED]","p":"[REDACTED]","q":"[REDACTED]"}`);
    expect(counts(summary)).to.deep.equal({ jwk_private_key: 3 });
    expect(detectorsOf(jwk)).to.deep.equal(['private_key_block']);
    expect(detectorsOf(JSON.stringify({ c: out }))).to.deep.equal([]);
    const oct = `{\\"kty\\":\\"oct\\",\\"k\\":\\"${b64url(32)}\\"}`;
    expect(redactText(oct).out).to.equal('{\\"kty\\":\\"oct\\",\\"k\\":\\"[REDACTED]\\"}');
    expectUntouched([`{"kty":"EC","crv":"P-256","x":"${b64url(32)}","y":"${b64url(32)}"}`, 'the "kty" member names the key type']);
  });

  it('base64 of a PEM private key and of JSON holding a credential are taken whole; certificates and other JSON stay', () => {
    const pem = Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\n${b64url(96)}\n-----END RSA PRIVATE KEY-----\n`).toString('base64');
    const docker = Buffer.from(JSON.stringify({ auths: { 'ghcr.io': { username: 'me', password: body(rand, ALNUM, 20), auth: body(rand, ALNUM, 28) } } })).toString('base64');
    expectEach(['    client-key-data: %s\n', 'PRIVATE_PEM_B64=%s', 'data:\n  .dockerconfigjson: %s'], () => pem, 'encoded_credentials', 'private_key_block');
    expectEach(['data:\n  .dockerconfigjson: %s\n', '{"config": "%s"}'], () => docker, 'encoded_credentials', 'encoded_secret');
    const certificate = Buffer.from(`-----BEGIN CERTIFICATE-----\n${b64url(96)}\n-----END CERTIFICATE-----\n`).toString('base64');
    const settings = Buffer.from(JSON.stringify({ theme: 'dark', fontSize: 14, recent: ['a.ts', 'b.ts'] })).toString('base64');
    expectUntouched([`    client-certificate-data: ${certificate}`, `state=${settings}`]);
  });
});

describe('Kubernetes Secrets', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('kubectl get secret -o yaml / -o json: every value under data: and stringData:, whatever its key', () => {
    const [url, config, key] = [b64(`postgres://app:${body(rand, ALNUM, 16)}@db/app`), b64(`{"token":"${body(rand, ALNUM, 24)}"}`), body(rand, ALNUM, 20)];
    const yaml = `$ kubectl get secret app -o yaml\napiVersion: v1\ndata:\n  DATABASE_URL: ${url}\n  config.json: ${config}\n  notes: |\n    line one\n    line two\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  CLUSTER_ID: ${key}\n`;
    const { out, summary } = redactText(yaml);
    expect(out).to.equal(`$ kubectl get secret app -o yaml\napiVersion: v1\ndata:\n  DATABASE_URL: [REDACTED]\n  config.json: [REDACTED]\n  notes: |\n    [REDACTED]\n    [REDACTED]\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  CLUSTER_ID: ${key}\n`);
    expect(counts(summary).kubernetes_secret).to.equal(4);
    expect(detectorsOf(yaml)).to.include('secret_assignment');
    expect(detectorsOf(JSON.stringify({ c: out }))).to.deep.equal([]);
    const json = `{"apiVersion": "v1", "data": {"DATABASE_URL": "${url}", "x": "eTE="}, "kind": "Secret", "metadata": {"name": "app"}}`;
    expect(redactText(json).out).to.equal('{"apiVersion": "v1", "data": {"DATABASE_URL": "[REDACTED]", "x": "[REDACTED]"}, "kind": "Secret", "metadata": {"name": "app"}}');
    expect(detectorsOf(json)).to.deep.equal(['secret_assignment']);
  });

  it('stringData with quoted keys and values; other kinds and a ConfigMap beside a Secret stay', () => {
    const password = body(rand, ALNUM, 14);
    expectRedactedTo([[`kind: Secret\nstringData:\n  username: admin\n  "api-key": '${password}'\n`, `kind: Secret\nstringData:\n  username: [REDACTED]\n  "api-key": '[REDACTED]'\n`]]);
    expectUntouched(['kind: SecretProviderClass\nspec:\n  parameters:\n    objects: x\ndata:\n  a: b', 'apiVersion: v1\nkind: ConfigMap\ndata:\n  LOG_LEVEL: debug', 'kind: SealedSecret\nspec:\n  encryptedData:\n    DATABASE_URL: AgBy3i4OJSWK+PiTySYZZA==']);
  });
});

describe('a review of the argument and name/value readers (2026-11-27)', () => {
  const T = body(rand, ALNUM, 32);
  const S = body(rand, ALNUM, 16);

  it('secrets behind escaped quotes, line continuations, Windows paths, clustered and repeated flags are taken, never a lone backslash', () => {
    expectRedactedTo([
      [`log: {"cmd":"wandb login \\"${T}\\""}`, 'log: {"cmd":"wandb login \\"[REDACTED]\\""}'],
      [`wandb login \\\n  ${T}`, 'wandb login \\\n  [REDACTED]'],
      [`wandb login \\\r\n  ${T}`, 'wandb login \\\r\n  [REDACTED]'],
      [`.\\ngrok.exe authtoken ${T}`, '.\\ngrok.exe authtoken [REDACTED]'],
      [`C:\\oracle\\bin\\sqlplus.exe scott/${S}@orcl`, 'C:\\oracle\\bin\\sqlplus.exe scott/[REDACTED]@orcl'],
      [`zip -rP ${S} a.zip d`, 'zip -rP [REDACTED] a.zip d'],
      [`unzip -qP ${S} a.zip`, 'unzip -qP [REDACTED] a.zip'],
      [`curl -sb "sid=${T}" https://x`, 'curl -sb "sid=[REDACTED]" https://x'],
      [`7z a "-p${S}" x.7z`, '7z a "-p[REDACTED]" x.7z'],
      [`curl https://x \\\n  -b "sid=${T}"`, 'curl https://x \\\n  -b "sid=[REDACTED]"'],
      [`gh secret set X --body="${T}"`, 'gh secret set X --body="[REDACTED]"'],
      [`log: {"cmd":"curl -b \\"sid=${T}\\" https://x"}`, 'log: {"cmd":"curl -b \\"sid=[REDACTED]\\" https://x"}'],
      [`ssh-keygen -p -f k -P old${S} -N new${S}`, 'ssh-keygen -p -f k -P [REDACTED] -N [REDACTED]'],
      ['ssh-keygen -t ed25519 -N \\"\\" -f key', 'ssh-keygen -t ed25519 -N \\"\\" -f key'],
      ['vault login \\\n  -method=oidc', 'vault login \\\n  -method=oidc'],
    ]);
  });

  it('tuples take every target\'s value, skip variables, and leave destructuring defaults to the assignment', () => {
    expectRedactedTo([
      [`(api_key, api_secret) = ("${S}", "${T}")`, '(api_key, api_secret) = ("[REDACTED]", "[REDACTED]")'],
      [`password, token = "${S}", "${T}"`, 'password, token = "[REDACTED]", "[REDACTED]"'],
      [`[token, secret] = [a, "${S}"]`, '[token, secret] = [a, "[REDACTED]"]'],
      [`const [user, password = "${S}"] = args;`, 'const [user, password = "[REDACTED]"] = args;'],
      [`let [a, b, token = '${T}'] = x;`, "let [a, b, token = '[REDACTED]'] = x;"],
    ]);
  });

  it('setx flags and paths, prefixed .NET keys, commented and block env values, escaped lines, .pgpass indented or echoed', () => {
    expectRedactedTo([
      [`setx /M API_KEY ${S}`, 'setx /M API_KEY [REDACTED]'],
      [`C:\\Windows\\System32\\setx.exe API_KEY ${T}`, 'C:\\Windows\\System32\\setx.exe API_KEY [REDACTED]'],
      [`<add key="ida:Password" value="${S}" />`, '<add key="ida:Password" value="[REDACTED]" />'],
      [`- name: DB_PASSWORD  # prod\n  value: ${S}`, '- name: DB_PASSWORD  # prod\n  value: [REDACTED]'],
      [`- name: DB_PASSWORD\n  value: |\n    ${S}\n- name: X`, '- name: DB_PASSWORD\n  value: |\n    [REDACTED]\n- name: X'],
      [`log: {"cmd":"env:\\n- name: DB_PASSWORD\\n  value: \\"${S}\\""}`, 'log: {"cmd":"env:\\n- name: DB_PASSWORD\\n  value: \\"[REDACTED]\\""}'],
      [`  db:5432:app:app:${S}`, '  db:5432:app:app:[REDACTED]'],
      [`echo db:5432:app:app:${S} >> ~/.pgpass`, 'echo db:5432:app:app:[REDACTED] >> ~/.pgpass'],
      [`log {\\"out\\":\\"db:5432:app:app:${S}\\",\\"rc\\":0}`, 'log {\\"out\\":\\"db:5432:app:app:[REDACTED]\\",\\"rc\\":0}'],
      ['proxy_set_header Authorization "Basic dXNlcjpwYXNzd29yZDEyMw==";', 'proxy_set_header Authorization "Basic [REDACTED]";'],
    ]);
  });

  it('code, prose, paths, self-hosted URLs and plain cookies are kept, and the leak scan is quiet on them', () => {
    const quiet = [
      "{ name: 'API_KEY', value: getSecret2() }", "{ name: 'API_KEY', value: process.env.API_KEY }", 'main.go:5432:12:undefinedVarX2:foo',
      'Authorization: see docs/AuthenticationGuide2024.md', 'See the sqlplus notes in docs/Oracle19cInstall', 'zip the build folder, then run mvn package -P Release2024',
      'set -x password-store ~/.password-store', "curl -b 'lang=en-US' https://example.com", 'curl -b "session=$SESSION" https://x',
      'wandb login --host http://localhost:8080', 'wandb login --relogin --host http://10.0.0.5:8080', 'sqlplus -s /nolog @run.sql > logs/Run_2024_01.log',
      'sqlplus -S /nolog < scripts/Setup_2024.sql', 'env:\n  - name: PWD\n    value: /app/Backend2', '- name: GIT_ASKPASS\n  value: /opt/bin/askpass2.sh',
      '- name: BYPASS\n  value: k8sHost01.internal', 'use Bearer my-token-for-Staging here', 'basic auth is simple', 'Basic usage: run it',
    ];
    expectUntouched(quiet);
    for (const text of quiet) expect(detectorsOf(JSON.stringify({ c: text })), text).to.deep.equal([]);
    expect(detectorsOf(`db:15432:app:app:${S}`)).to.deep.equal([]);
  });

  // No clock (speed is the bench's job): the 24 MiB take ~27 s of CPU here, so the suite's 120 s timeout
  // holds on a loaded machine (40 s did not: two test runs at once took 53-75 s on the code before as well);
  // a reader gone quadratic (those the reviews found took 60 s and more per MiB) shows here as a test that
  // doubles its time or times out: compare with the ~27 s.
  it('1 MiB of each new anchor, repeated, is redacted and scanned to the end', function () {
    const MIB = 1024 * 1024;
    const units = ['curl -b ', ':5432:', '5432:', ':*:', 'value: ', 'set -x ', 'sqlplus ', 'zip -P ', 'zip -P "', 'gh secret set X -b ', 'Bearer ', 'Basic ', 'name: x_token\n value: ', '--with-token ', 'wandb login ', 'curl "', '(a, password) = (', 'rman ', 'x:5432:y:z:QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n', 'kind: Secret\ndata:\n  a: ', 'Private-Lines: 9\n', '/IncomingWebhook/', '"kty":"RSA","d":"', 'LS0tLS1CRUdJTi'];
    // A token after the filler: redaction and the scan go through the whole value to reach it.
    const key = `ghp_${body(rand, ALNUM, 36)}`;
    for (const unit of units) {
      const filler = unit.repeat(Math.ceil(MIB / unit.length));
      expect(detectorsOf(filler), unit).to.deep.equal([]);
      const { out } = redactText(`${filler}\n\nkey ${key}`);
      expect([out.includes(key), out.endsWith('[REDACTED]')], unit).to.deep.equal([false, true]);
      expect(detectorsOf(`${filler}\n\nkey ${key}`), unit).to.deep.equal(['vendor_token']);
    }
  });
});

describe('a second review: Kubernetes, JWK, base64, PuTTY, Teams and Basic forms (2026-11-27)', () => {
  const v = Buffer.from(body(rand, ALNUM, 20)).toString('base64');
  const b64url = (n: number): string => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256))).toString('base64url');

  it('Kubernetes Secrets in flow maps, after comments, with a quoted kind, in JSON with spaces, as a Python repr, with a continued value', () => {
    expectRedactedTo([
      [`apiVersion: v1\nkind: Secret\ndata: {x: ${v}, y: ${v}}\n`, 'apiVersion: v1\nkind: Secret\ndata: {x: [REDACTED], y: [REDACTED]}\n'],
      [`kind: Secret\ndata: # base64\n  x: ${v}\n`, 'kind: Secret\ndata: # base64\n  x: [REDACTED]\n'],
      [`kind: "Secret"\ndata:\n  x: ${v}\n`, 'kind: "Secret"\ndata:\n  x: [REDACTED]\n'],
      [`kind:  'Secret'\ndata:\n  x: ${v}\n`, "kind:  'Secret'\ndata:\n  x: [REDACTED]\n"],
      [`{"kind" : "Secret", "data": {"x": "${v}"}}`, '{"kind" : "Secret", "data": {"x": "[REDACTED]"}}'],
      [`{'kind': 'Secret', 'data': {'x': '${v}'}}`, "{'kind': 'Secret', 'data': {'x': '[REDACTED]'}}"],
      [`kind: Secret\ndata:\n  x: ${v.slice(0, 12)}\n    ${v.slice(12)}\n`, 'kind: Secret\ndata:\n  x: [REDACTED]\n    [REDACTED]\n'],
    ]);
  });

  it('pseudonyms in a redacted Secret are no leak for the scan', () => {
    const secret = `apiVersion: v1\nkind: Secret\ndata:\n  x: ${v}\nstringData:\n  y: |\n    ${body(rand, ALNUM, 20)}\n`;
    const { out } = redactText(secret, { pseudonymize: true, placeholder: 'typed' });
    expect(out).to.match(/x: \[REDACTED:kubernetes_secret:[0-9a-f]+\]/);
    expect(detectorsOf(out)).to.deep.equal([]);
    expect(detectorsOf(JSON.stringify({ c: out }))).to.deep.equal([]);
    expect(detectorsOf(JSON.stringify({ c: secret }))).to.include('secret_assignment');
  });

  it('JWKs as a Python dict, with a nested object, and in a key set', () => {
    const d = b64url(32);
    expectRedactedTo([
      [`{'kty': 'EC', 'crv': 'P-256', 'x': 'abc', 'd': '${d}'}`, "{'kty': 'EC', 'crv': 'P-256', 'x': 'abc', 'd': '[REDACTED]'}"],
      [`{"kty":"EC","meta":{"use":"sig"},"d":"${d}"}`, '{"kty":"EC","meta":{"use":"sig"},"d":"[REDACTED]"}'],
      [`{"keys":[{"kty":"oct","k":"${d}"},{"kty":"EC","d":"${d}"}]}`, '{"keys":[{"kty":"oct","k":"[REDACTED]"},{"kty":"EC","d":"[REDACTED]"}]}'],
    ]);
    expect(detectorsOf(`{"kty":"EC","meta":{"use":"sig"},"d":"${d}"}`)).to.deep.equal(['private_key_block']);
    expectUntouched([`{"keys":[{"kty":"RSA","n":"${b64url(256)}","e":"AQAB"},{"kty":"EC","x":"${b64url(32)}","y":"${b64url(32)}"}]}`]);
  });

  it('base64 wrapped at 76, and base64 of pretty-printed JSON; pagination cursors stay', () => {
    const pem = Buffer.from(`-----BEGIN PRIVATE KEY-----\n${b64url(300)}\n-----END PRIVATE KEY-----\n`).toString('base64');
    const wrapped = pem.match(/.{1,76}/g)!.join('\n');
    expect(redactText(`$ base64 key.pem\n${wrapped}\n$ echo done`).out).to.equal('$ base64 key.pem\n[REDACTED]\n$ echo done');
    const account = Buffer.from(JSON.stringify({ type: 'service_account', private_key: `-----BEGIN PRIVATE KEY-----\n${b64url(60)}\n-----END PRIVATE KEY-----\n` }, null, 2)).toString('base64');
    expect(redactText(`GOOGLE_CREDENTIALS_B64=${account}`).out).to.equal('GOOGLE_CREDENTIALS_B64=[REDACTED]');
    const cursor = Buffer.from(JSON.stringify({ nextToken: body(rand, ALNUM, 24), limit: 50 })).toString('base64');
    expectUntouched([`?cursor=${cursor}`, '"cache-key-9f86d081884c7d659a2feaa0c55ad015"']);
  });

  it('PuTTY keys indented or after a blank line, Teams URLs with escaped slashes or capitals, Basic after a tab or with an empty password', () => {
    const line = `AAAAgQ${body(rand, ALNUM, 60)}`;
    expectRedactedTo([
      [`    Private-Lines: 2\n    ${line}\n    ${line.slice(0, 20)}\n    Private-MAC: 00`, '    Private-Lines: 2\n    [REDACTED]\n    Private-MAC: 00'],
      [`Private-Lines: 1\n\n${line}\n`, 'Private-Lines: 1\n\n[REDACTED]\n'],
      ['https:\\/\\/x.webhook.office.com\\/webhookb2\\/x@y\\/IncomingWebhook\\/0a1b2c3d4e5f60718293a4b5c6d7e8f9\\/1a2b3c4d-1111-2222-3333-444455556666', 'https:\\/\\/x.webhook.office.com\\/webhookb2\\/x@y\\/IncomingWebhook\\/[REDACTED]'],
      ['https://x.webhook.office.com/IncomingWebhook/0123456789ABCDEF0123456789ABCDEF/1A2B3C4D-1111-2222-3333-444455556666', 'https://x.webhook.office.com/IncomingWebhook/[REDACTED]'],
      [`Basic\t${Buffer.from(`admin:${body(rand, ALNUM, 16)}`).toString('base64')}`, 'Basic\t[REDACTED]'],
      [`proxy_set_header Authorization "Basic ${Buffer.from(`sk_live_${body(rand, ALNUM, 24)}:`).toString('base64')}";`, 'proxy_set_header Authorization "Basic [REDACTED]";'],
    ]);
  });

  // The Kubernetes JSON and JWK readers took 17 s and 3 s on these before they read each stretch once.
  it('1 MiB of each reader\'s anchors, repeated, finishes', function () {
    this.timeout(15_000);
    const MIB = 1024 * 1024;
    for (const unit of ['{"kind": "Secret"}', '"kind":"Secret""data":{', '"kty"}', '"kty"', 'kind: Secret\n', 'ewogICJ0eXBl', 'IncomingWebhook/', 'Basic\t']) {
      const filler = unit.repeat(Math.ceil(MIB / unit.length));
      expect(detectorsOf(filler), unit).to.deep.equal([]);
      expect(detectorsOf(JSON.stringify({ c: filler })), unit).to.deep.equal([]);
      const key = `ghp_${body(rand, ALNUM, 36)}`;
      const { out } = redactText(`${filler}\n\nkey ${key}`);
      expect([out.includes(key), out.endsWith('[REDACTED]')], unit).to.deep.equal([false, true]);
    }
  });
});

describe('Resend API keys (2026-11-27, third pass)', () => {
  const resend = (): string => `re_${body(rand, ALNUM, 8)}_${body(rand, ALNUM, 24)}`;

  it('a key passed to the client, alone on a line or in JSON is redacted whole, and the leak scan sees it raw', () => {
    expectEach(["const resend = new Resend('%s');", '%s', 'resend key %s, rotated', '{"from":"a@b.c","key":"%s"}'], resend, 'resend_api_key', 'vendor_token');
  });

  it('names that start with re_ and keys of the wrong shape stay', () => {
    expectUntouched([
      're_compile_pattern_for_every_route_handler', 'store_ABCDEFGH_abcdefghijklmnopqrstuvwx', 'are_1bcdefgh_abcdefghijklmnopqrstuv1x',
      're_abcdefgh_abcdefghijklmnopqrstuvwx', `re_${body(rand, ALNUM, 8)}_${body(rand, ALNUM, 23)}`, `re_${body(rand, ALNUM, 7)}_${body(rand, ALNUM, 24)}`,
      `re_${body(rand, ALNUM, 8)}_${body(rand, ALNUM, 24)}_suffix`,
    ]);
  });
});
