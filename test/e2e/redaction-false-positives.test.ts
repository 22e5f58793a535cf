/**
 * Secret-free text a false-positive hunt found failing a default export (ACODE-EXP-003) or losing
 * words to a placeholder: code that builds PEM headers, typed members, CSV rows with a host:port
 * beside an '@', identifiers holding `SG.` or `sk-`, type annotations, URL templates, Terraform
 * plans and package manifests. Through the CLI, in every text format: exit 0 and each row as it was.
 */
import path from 'node:path';
import { expect } from 'chai';
import { cliIn, plantWorkspace, type Fixture, type PlantedWorkspace, type RowSpec } from '../support/redaction-fixture.js';
import { expectOk } from '../support/redaction-expect.js';
import { readExport } from '../support/redaction-read.js';
import { removeTempDir } from '../support/temp.js';

const TEXTS: readonly (readonly [string, string])[] = [
  ['const header = `-----BEGIN ${label} PRIVATE KEY-----`;', 'https://db.local:5432'],
  ['const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;', '@babel/core and @types/node'],
  ['  readonly credentials: RequestCredentials;\n  private readonly auth: AuthenticationService,', 'redis://cache:6379'],
  ['const token = validateJwtSignature;', 'git@github.com:acme/app.git'],
  ['import { Acme.SG.PaymentGatewayClientFactoryImplementationForMerchants } from "x";', 'npm run build-sk-learn-pipeline-with-options-v2-and-more'],
  ['interface Login {\n  password: string;\n  token: string | null;\n}', 'class Settings(BaseSettings):\n    api_key: str = Field(..., description="the key")'],
  ['  + password = (sensitive value)', 'DSN = "postgresql://{user}:{password}@{host}:5432/{db}"'],
  // The leak scan's htpasswd reader looped forever on a -C at the end of a line (a review found it), and read "$(…)" as a password.
  ['sudo apt install apache2-utils && htpasswd -B -C\nthen', 'htpasswd -nbB admin "$(openssl rand -hex 16)" > .htpasswd'],
  ['{"dependencies":{"jsonwebtoken":"^9.0.0","cookie-parser":"~1.4.6","generate-password":"^1.7.1"}}', '{"packages":{"node_modules/jsonwebtoken":{"version":"9.0.2","resolved":"https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz","license":"MIT"}}}'],
];

describe('e2e: secret-free code, plans and manifests pass a default-redacted export unchanged', function () {
  let ws: PlantedWorkspace;

  before(async () => {
    const rows: RowSpec[] = TEXTS.map(([a, b], i) => ({ table: 'snippets', key: 'id', values: { id: i + 1, a, b } }));
    const fixture: Fixture = { rows: [], secrets: {}, nearMisses: [], homes: [] };
    ws = await plantWorkspace({ fixture, rows, extraSql: ['CREATE TABLE snippets (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL)'] });
  });
  after(() => removeTempDir(ws?.dir));

  for (const [format, output] of [['json', 'snippets.json'], ['ndjson', 'snippets.ndjson'], ['csv', 'snippets.csv']] as const) {
    it(`${format}: exit 0, nothing redacted, every row as it was`, async () => {
      const run = await cliIn(ws.dir, ['db', 'export', '--format', format, '--tables', 'snippets', '--output', output]);
      expectOk(run);
      expect(run.stderr).to.include('nothing needed redacting');
      const contents = await readExport(path.join(ws.dir, output));
      const rows = contents.tables['snippets']!.map((r) => [String(r['a']), String(r['b'])]);
      expect(rows).to.deep.equal(TEXTS.map(([a, b]) => [a, b]));
    });
  }
});
