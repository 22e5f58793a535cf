import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { lines, runCli } from '../support/cli.js';
import { removeTempDir } from '../support/temp.js';
import { createWorkspace, type SeededWorkspace } from '../support/workspace.js';

const AT = { ACODE_NOW: '2024-01-20T14:30:45Z' };

describe('e2e: export notes when the output is not what its name says', function () {
  let ws: SeededWorkspace;
  before(async () => {
    ws = await createWorkspace({ database: 'demo' });
  });
  after(() => removeTempDir(ws.dir));

  // --format had this note; gzip and tar forced onto a name had none, and `jq . s.json` met binary.
  for (const [args, name, magic, note] of [
    [['--gzip'], 's.json', '1f8b', 'Note: s.json will hold gzip data (--gzip), not what its name says; s.json.gz would say it'],
    [['--archive', 'tar'], 's2.json', '7573746172', 'Note: s2.json will hold a tar bundle (--archive tar), not what its name says; s2.json.tar would say it'],
    [['--archive', 'tar', '--gzip'], 's3.json.gz', '1f8b', 'Note: s3.json.gz will hold a gzipped tar bundle (--archive tar --gzip), not what its name says; s3.json.tar.gz would say it'],
  ] as const) {
    it(`${args.join(' ')} -o ${name}: written as asked, with a note on stderr, exit 0`, async () => {
      const r = await runCli(['db', 'export', '--tables', 'settings', ...args, '-o', name], { workspace: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr).filter((l) => l.startsWith('Note:'))).to.deep.equal([note]);
      const bytes = await readFile(path.join(ws.dir, name));
      const at = magic === '7573746172' ? 257 : 0;
      expect(bytes.subarray(at, at + magic.length / 2).toString('hex')).to.equal(magic);
    });
  }

  it('names that say it get no note: s.json.gz with --gzip, s.tar with --archive tar', async () => {
    for (const [args, name] of [[['--gzip'], 'n.json.gz'], [['--archive', 'tar'], 'n.tar'], [['--archive', 'tar', '--gzip'], 'n.tgz']] as const) {
      const r = await runCli(['db', 'export', '--tables', 'settings', ...args, '-o', name], { workspace: ws.dir, env: AT });
      expect(r.code, r.stderr).to.equal(0);
      expect(lines(r.stderr).filter((l) => l.startsWith('Note:')), name).to.deep.equal([]);
    }
  });
});
