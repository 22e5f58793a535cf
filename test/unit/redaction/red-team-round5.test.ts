/**
 * The fifth red team (2026-11-28, rulesw2): generated secrets planted in a real workspace database in
 * the forms an agent meets (credential files as `cat` prints them, HTTP traces, connection strings,
 * exports of password managers), exported with the CLI and searched for in the output. Each test here
 * failed on the code before its fix.
 */
import { expect } from 'chai';
import { seeded } from './fakes.js';
import { detectorsOf, redactText } from './helpers.js';

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

});
