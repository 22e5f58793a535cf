/**
 * Shapes two audits of the pre-filter and the vendor rules found: secrets that came through, and
 * ordinary agent text that was changed or made the leak scan fail an export. Every secret is
 * generated here.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ALNUM, body, chars, fakePassword, seeded } from './fakes.js';
import { counts, detectorsOf, expectEach, expectUntouched, redactText } from './helpers.js';

const rand = seeded(2611);
const HEX = '0123456789abcdef';
const hexKey = (): string => `${chars(rand, HEX, 31)}7`;
const pw = (): string => fakePassword(rand);

describe('audit: secret-named code and config forms', () => {
  it('names whose last word is key or pat take generated values: WANDB_KEY, AZURE_OPENAI_KEY, AZURE_DEVOPS_PAT', () => {
    expectEach(['WANDB_KEY=%s', 'AZURE_OPENAI_KEY="%s"', 'export SPEECH_KEY=%s', 'AZURE_DEVOPS_PAT=%s'], hexKey, 'secret_assignment');
    expectUntouched(['sort_key = "created_at"', 'cache_key = "user:123:profile"', 'primary_key: id', 'public_key: ssh-ed25519', 'partition_key="tenant_id"']);
  });

  it('subscripts and setter calls: os.environ["X"] = "…", app.config[\'SECRET_KEY\'] = \'…\', os.Setenv("X", "…"), headers.set("X-Api-Key", "…")', () => {
    expectEach(['os.environ["SERPAPI_API_KEY"] = "%s"', "app.config['SECRET_KEY'] = '%s'", 'os.Setenv("WEATHER_API_KEY", "%s")', 'req.Header.Set("X-Api-Key", "%s")'], hexKey, 'secret_assignment');
    expectUntouched(['print("password", "is required")', 'os.environ["API_KEY"] = os.getenv("OTHER")']);
  });

  it('typed declarations: TypeScript, Rust and Kotlin', () => {
    expectEach(["const apiKey: string = '%s';", 'const API_KEY: &str = "%s";', 'private val apiKey: String = "%s"', "static TOKEN: &'static str = \"%s\";"], hexKey, 'secret_assignment');
  });

  it('SQL: WITH PASSWORD, LOGIN PASSWORD and IDENTIFIED BY', () => {
    const sqlPw = (): string => body(rand, ALNUM, 20);
    expectEach(["ALTER USER app WITH PASSWORD '%s';", "CREATE ROLE app LOGIN PASSWORD '%s';", "CREATE USER 'shop'@'%' IDENTIFIED BY '%s';", "alter user root identified by '%s'"], sqlPw, 'secret_assignment');
  });

  it('connection strings and .env values: ;Pwd=, dotted and all-lowercase passwords', () => {
    expectEach(['Server=db;Database=app;Uid=sa;Pwd=%s;', 'DB_PASSWORD=%s', 'SMTP_PASSWORD=%s'], () => `${chars(rand, 'abcdefghij', 6)}.${chars(rand, 'klmnopqrst', 7)}.${chars(rand, 'uvwxyz', 5)}`, 'secret_assignment');
    expectUntouched(['PWD=/workspace/app', 'cd $PWD']);
  });

  it('URL-encoded query strings inside URLs, Azure SAS signatures', () => {
    expectEach(['x?a=1%26token%3D%s%26y=2', 'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sig=%s&se=2026-01-01'], () => `${body(rand, ALNUM, 24)}%2B${body(rand, ALNUM, 8)}`, 'secret_assignment');
    expectUntouched(['"GET /search?q=reset%20password HTTP/1.1" 200', 'GET /kb/rotate%20api%20token now', '?q=forgot+password%3Dhelp', 'token%3D%7Btoken%7D']);
  });

  it('XML elements: CDATA unwrapped; elements that describe a secret kept', () => {
    expectEach(['<password><![CDATA[%s]]></password>'], pw, 'secret_assignment');
    expectUntouched(['<PasswordStrength>Weak</PasswordStrength>', '<ApiKeyHelp>Find your API key in settings</ApiKeyHelp>', '<SecretNote>Rotate keys monthly</SecretNote>']);
  });

  it('command lines: glued docker login -p, crane auth login, mongosh, az login; a later docker run -p is not a password', () => {
    expectEach(['docker login -u bob -p%s registry.example.com', 'docker login -u bob -p=%s r.example.com', 'crane auth login reg -u bob -p %s', 'mongosh -u admin -p %s db', 'az login --service-principal -u 1234 -p %s --tenant t'], () => body(rand, ALNUM, 16), 'secret_assignment');
    expectUntouched(['docker login ghcr.io && docker run -p 8080:80 nginx', 'podman login quay.io; podman run -d -p 5432:5432 postgres:16']);
  });
});

describe('audit: arguments, headers and tuples', () => {
  it('an MCP server\'s args: the element after --api-key or --token', () => {
    expectEach(['{"command":"npx","args":["-y","@acme/weather-mcp","--api-key","%s"]}', '["--token", "%s"]'], hexKey, 'secret_assignment');
    expectUntouched(['["--token", "--verbose"]', '{"args":["--api-key","${API_KEY}"]}']);
  });

  it('curl -v request headers (> Cookie: …), requests auth tuples, configure set', () => {
    const cookie = `theme=dark; sessionid=${body(rand, ALNUM, 32)}`;
    const { out } = redactText(`> GET / HTTP/1.1\n> Cookie: ${cookie}\n> Accept: */*`);
    expect(out).to.equal('> GET / HTTP/1.1\n> Cookie: [REDACTED]\n> Accept: */*');
    expectEach(['requests.get(url, auth=("admin", "%s"))'], pw, 'secret_assignment');
    expectEach(['aws configure set aws_secret_access_key %s'], () => body(rand, ALNUM, 40), 'aws_secret_access_key');
    expectEach(['npm config set _authToken %s'], () => body(rand, ALNUM, 36), 'secret_assignment');
    expectUntouched(['aws configure set region us-east-1', 'use --token and the CLI', 'sk-circle-bounce-delay-2']);
  });
});

describe('audit: vendor tokens where agents log them', () => {
  it('a Telegram bot token in a Bot API URL, Discord webhooks on every host and API version', () => {
    expectEach(['curl https://api.telegram.org/bot%s/sendMessage'], () => `${chars(rand, '123456789', 9)}:AA${body(rand, `${ALNUM}_-`, 33)}`, 'telegram_bot_token');
    for (const host of ['discord.com/api/v10', 'canary.discordapp.com/api', 'Discord.com/api']) {
      expectEach([`https://${host}/webhooks/123456789012345678/%s`], () => body(rand, `${ALNUM}_-`, 68), 'discord_webhook');
      const raw = `https://${host}/webhooks/123456789012345678/${body(rand, ALNUM, 68)}`;
      expect(detectorsOf(raw), raw).to.deep.equal(['vendor_token']);
    }
  });

  it('Databricks tokens with their -N suffix, ya29.c. service-account tokens, Vault and Docker Hub tokens', () => {
    expectEach(['databricks configure --token %s'], () => `dapi${chars(rand, HEX, 31)}1-2`, 'databricks_token');
    expectEach(['ACCESS=%s'], () => `ya29.c.c0${body(rand, ALNUM, 40)}.${body(rand, ALNUM, 40)}`, 'google_oauth_token');
    expectEach(['VAULT_TOKEN=%s', 'vault login %s'], () => `hvs.${body(rand, ALNUM, 90)}`, 'vault_token');
    expectEach(['echo %s | docker login -u bob --password-stdin'], () => `dckr_pat_${body(rand, ALNUM, 27)}`, 'docker_hub_token');
  });

  it('prefixes met in code stay: camelCase, words and other lengths', () => {
    expectUntouched([
      'HRESULT fw_ReadFirmwareVersionFromFlash(dev);', 'lin_api_get_diagnostic_response_timeout_ms_2', 'fw_Updatefirmwareversionfinalrelease',
      'glsa_UpdateFirmwareVersion2024Final', '1//0v2/api/users/Profile2024/settings/advanced', `sk_${chars(rand, HEX, 64)}`, `dapi${chars(rand, HEX, 64)}`,
      'npm_package_devDependencies_eslintPluginReact=^7.34.1', 'Region.ASIA_PACIFIC_SOUTHEAST_2', 'https://support.microsoft.com/sk-sk/windows/get-help-2024',
    ]);
  });
});

describe('audit: ordinary agent text stays as it is', () => {
  it('code that reads or builds a secret, and working-directory values', () => {
    expectUntouched([
      'const apiKey = process.env.OPENAI_API_KEY;', 'client = OpenAI(api_key=settings.OPENAI_API_KEY)', 'Github(token=settings.GITHUB_TOKEN)',
      'token = self._generateRefreshToken(user)', 'password = generateSecurePassword(24)', "const token = req.headers.authorization?.split(' ')[1];",
      "const token = authHeader && authHeader.split(' ')[1];", 'user.password = hashedPassword;', '  token: process.env.GITHUB_TOKEN,',
      'PWD=/workspace/Acme-Billing2', 'OLDPWD=/workspace/acme-api2', 'GIT_ASKPASS=/opt/vscode-server/bin/0123456789abcdef0123456789abcdef01234567/extensions/git/dist/askpass.sh',
    ]);
  });

  it('ports before a query, shared Windows folders, metadata keys', () => {
    expect(redactText('http://localhost:3000?invite=jane@example.com').out).to.equal('http://localhost:3000?invite=[REDACTED]');
    expect(counts(redactText('http://localhost:3000?invite=jane@example.com').summary)).to.deep.equal({ email: 1 });
    expectUntouched(['C:\\Users\\Public\\Documents', '{"secretKeyRef":{"name":"app-db","key":"password"}}', '"token_budget":8000']);
  });

  it('home folders on remote hosts: svn+ssh too', () => {
    expect(redactText('svn+ssh://build-box/home/jane/repo').out).to.equal('svn+ssh://build-box/~/repo');
  });
});

describe('audit: without WebAssembly', () => {
  it('node --jitless (no WebAssembly) redacts the same through indexOf and the regex', () => {
    const helpers = fileURLToPath(new URL('./helpers.js', import.meta.url));
    const token = `ghp_${body(rand, ALNUM, 36)}`;
    const script = `import(${JSON.stringify(helpers)}).then(({ redactText }) => process.stdout.write(redactText(${JSON.stringify(`x ${token} /home/jane/a password=hunter2xyz`)}).out))`;
    const out = execFileSync(process.execPath, ['--jitless', '-e', script], { encoding: 'utf8' });
    expect(out).to.equal('x [REDACTED] ~/a password=[REDACTED]');
  });
});
