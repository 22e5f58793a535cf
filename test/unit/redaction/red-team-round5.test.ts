/**
 * The fifth red team (2026-11-28, rulesw2): generated secrets planted in a real workspace database in
 * the forms an agent meets (credential files as `cat` prints them, HTTP traces, connection strings,
 * exports of password managers), exported with the CLI and searched for in the output. Each test here
 * failed on the code before its fix.
 */
import { expect } from 'chai';
import { ALNUM, body, chars, fakePassword, hex, seeded } from './fakes.js';
import { detectorsOf, expectUntouched, redactText } from './helpers.js';

const rand = seeded(20261128);
const b64 = (bytes: number): string => Buffer.from(Array.from({ length: bytes }, () => Math.floor(rand() * 256))).toString('base64');

/** Each form's secrets (`%1`, `%2`…) are replaced, nothing else changes, and the output is quiet for the leak scan. */
function expectTaken(forms: readonly string[], make: () => string): void {
  for (const form of forms) {
    const secrets: string[] = [];
    const text = form.replace(/%(\d)/g, (_, n: string) => (secrets[Number(n)] ??= make()));
    const { out } = redactText(text);
    let want = text;
    for (const s of secrets.filter(Boolean)) want = want.split(s).join('[REDACTED]');
    expect(out, text).to.equal(want);
    expect(detectorsOf(JSON.stringify({ c: out })), out).to.deep.equal([]);
  }
}

describe('red team round 5: forms an agent meets', () => {
  it('an Azure shared access signature\'s sig= inside a connection string\'s SharedAccessSignature=', () => {
    // The name's last word `signature` asks for a generated value; `sv=…&sig=…` is none, and the scan skipped to its end.
    expectTaken([
      'BlobEndpoint=https://acme.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2026-01-01T00:00:00Z&spr=https&sig=%1',
      'SharedAccessSignature=sv=2022-11-02&sig=%1;QueueEndpoint=https://acme.queue.core.windows.net/',
    ], () => encodeURIComponent(b64(32)));
  });

  it('password managers\' CSV exports (empty cells, quoted cells holding braces) and table cells ending like a regex\'s quantifier', () => {
    // Rows with an empty cell were read as code's trailing commas, Firefox's quoted `{guid}` as code, and a value ending in `!*` as a regex.
    expectTaken([
      'name,url,username,password,note\ngithub.com,https://github.com/,bob,%1,\nacme,https://acme.io/,deploy,%2,shared',
      '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated"\n"https://acme.io","bob","%1","","https://acme.io","{5c2b1a3e-1111-4d2a-9c1e-0e9a8f7b6c5d}","1700000000000"',
      'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n,,login,GitHub,,,0,https://github.com,bob,%1,',
      '| Service | User | Password |\n|---|---|---|\n| prod db | admin | %1 |\n| redis | default | %2 |',
    ], () => `${fakePassword(rand).slice(0, -1)}*`);
    // What a schema's table says of a password stays: regexes, still, and code's trailing commas outside a header's rows.
    expectUntouched(['| name | password |\n|---|---|\n| re | [a-z]+ |\n| re2 | .* |\n| re3 | (ab)+ |\n| x | abc+ |', 'password,\nself.key,']);
  });

  it('Notion\'s older integration tokens (secret_ + 43) and Mailchimp\'s API keys (32 hex, -us and a number), in prose, JSON and .env', () => {
    // Neither had a rule, and the leak scan does not know them either: both passed silently.
    const forms = ['I used %1 for the call', '{"cfg": {"value": "%1"}}', 'export X=%1', '| prod | %1 |'];
    expectTaken(forms, () => `secret_${body(rand, ALNUM, 43)}`);
    expectTaken(forms, () => `${chars(rand, '0123456789abcdef', 31)}a-us${1 + Math.floor(rand() * 21)}`);
    expectUntouched([
      'secret_key_base = ENV["SECRET_KEY_BASE"]', `see secret_${'a'.repeat(43)}`, `secret_${body(rand, ALNUM, 44)}x`,
      'md5 cfdfb680588809d04aa92bb77e62aa4f-user', 'curl -us user:pw https://x.io', 'locale en-us1', `${'f'.repeat(32)}-us1`,
    ]);
  });

  it('an OpenVPN static key (tls-auth, tls-crypt, secret) is taken whole, as a PEM private key is', () => {
    // Its label has small letters and no PRIVATE KEY: the block was kept, and the leak scan reads capitals only.
    const lines = Array.from({ length: 16 }, () => hex(rand, 32));
    const block = `-----BEGIN OpenVPN Static key V1-----\n${lines.join('\n')}\n-----END OpenVPN Static key V1-----`;
    const text = `<tls-auth>\n#\n# 2048 bit OpenVPN static key\n#\n${block}\n</tls-auth>\nkey-direction 1`;
    const { out } = redactText(text);
    expect(out).to.equal(text.replace(block, '[REDACTED]'));
    expectUntouched(['-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----', '# 2048 bit OpenVPN static key']);
  });

  it('curl\'s --proxy-user user:PW, as --user is read', () => {
    // `--proxy-user` holds the `-u` anchor after a letter, which was no flag's start: the proxy's password was kept.
    expectTaken(['curl --proxy-user bob:%1 -x http://proxy:3128 https://x.io', 'curl -sS --proxy-user=bob:%1 https://x.io', '["curl", "--proxy-user", "bob:%1", "https://x.io"]'], () => fakePassword(rand));
    expectUntouched(['curl --proxy-user "$PROXY_AUTH" https://x.io', 'wget --proxy-user=bob https://x.io']);
  });
});
