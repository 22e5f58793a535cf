import { expect } from 'chai';
import { parseBenchArgs, UsageError } from '../../bench/args.js';

const KNOWN = ['backup', 'export-json'];

function usage(argv: string[]): string {
  try {
    parseBenchArgs(argv, KNOWN);
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('bench arguments', () => {
  it('defaults: 100MB, every operation, 3 runs, the dataset cached', () => {
    expect(parseBenchArgs([], KNOWN)).to.deep.equal({ sizes: [100e6], scaling: false, only: null, runs: 3, json: null, keep: true });
    expect(parseBenchArgs(['--no-cache', '--runs', '5', '--only', 'backup'], KNOWN)).to.deep.include({ runs: 5, only: ['backup'], keep: false });
  });

  it('refuses fewer than 3 runs, an --only naming nothing or something unknown, and a --json file it could not write', () => {
    expect(usage(['--runs', '2'])).to.equal("--runs: expected a whole number of at least 3 (a median of fewer says little), got '2'");
    expect(usage(['--only', ','])).to.equal("--only: expected operation names separated by commas, got ','");
    expect(usage(['--only', 'backup,nope'])).to.equal("--only: unknown operation 'nope'; known: backup, export-json");
    expect(usage(['--json', '/nonexistent-acode-folder/x.json'])).to.equal('--json: cannot write /nonexistent-acode-folder/x.json: its folder /nonexistent-acode-folder does not exist or is not writable');
  });
});
