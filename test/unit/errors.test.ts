import { Writable } from 'node:stream';
import { expect } from 'chai';
import { CommanderError } from 'commander';
import { reportError } from '../../cli/errors.js';
import { Output } from '../../cli/output.js';
import { AcodeError, ERRORS, EXIT, isAbort, toAcodeError } from '../../lib/errors.js';

const sysError = (code: string, message = `${code}: it failed`): Error => Object.assign(new Error(message), { code });

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('errors', () => {
  it('the spec codes exit as the spec says (1 backup failed, 2 verification, 3 restore, 4 invalid backup)', () => {
    expect(EXIT).to.deep.equal({ ok: 0, failed: 1, verifyFailed: 2, restoreFailed: 3, invalidBackup: 4, usage: 64 });
    expect(ERRORS['ACODE-BAK-001'].exit).to.equal(1);
    expect(ERRORS['ACODE-BAK-002'].exit).to.equal(3);
    expect(ERRORS['ACODE-BAK-003'].exit).to.equal(2);
    expect(ERRORS['ACODE-BAK-004'].exit).to.equal(4);
    expect(ERRORS['ACODE-EXP-001'].exit).to.equal(1);
    expect(ERRORS['ACODE-EXP-002'].exit).to.equal(1);
  });

  it('every code has a title, a hint and an exit code from EXIT', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code).to.match(/^ACODE-[A-Z]{2,3}-\d{3}$/);
      expect(spec.title.length, code).to.be.above(3);
      expect(spec.hint.length, code).to.be.above(3);
      expect(exits.has(spec.exit), code).to.equal(true);
    }
  });

  it('AcodeError carries code, message, hint, exit code and context', () => {
    const err = new AcodeError('ACODE-BAK-005', 'x.db (looked in /b)', { context: { file: 'x.db' } });
    expect(err).to.include({ code: 'ACODE-BAK-005', message: 'Backup not found: x.db (looked in /b)', detail: 'x.db (looked in /b)', exitCode: 4, name: 'AcodeError' });
    expect(err.toLine()).to.equal('ACODE-BAK-005 Backup not found: x.db (looked in /b) — run `acode db backup list` to see the backups there are');
    expect(err.toJSON()).to.deep.equal({
      code: 'ACODE-BAK-005',
      message: 'Backup not found: x.db (looked in /b)',
      hint: 'run `acode db backup list` to see the backups there are',
      exitCode: 4,
      context: { file: 'x.db' },
    });
    expect(new AcodeError('ACODE-BAK-005', 'y', { hint: 'look elsewhere' }).toLine()).to.equal('ACODE-BAK-005 Backup not found: y — look elsewhere');
  });

  describe('toAcodeError', () => {
    it('maps a full disk to ACODE-BAK-009, whatever reported it', () => {
      for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
        expect(toAcodeError(sysError(code), 'ACODE-BAK-001', 'writing x')).to.include({ code: 'ACODE-BAK-009', message: `Not enough disk space: writing x: ${code}: it failed`, exitCode: 1 });
      }
    });

    it('maps permission problems to ACODE-BAK-008, extended SQLite codes included', () => {
      for (const code of ['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN']) {
        expect(toAcodeError(sysError(code), 'ACODE-BAK-001', 'writing x').code, code).to.equal('ACODE-BAK-008');
      }
    });

    it('keeps the fallback for anything else and takes only the first line of the cause', () => {
      const err = toAcodeError(new Error('first line\nsecond line'), 'ACODE-BAK-002', 'restoring x', { file: 'x' });
      expect(err).to.include({ code: 'ACODE-BAK-002', message: 'Restore failed: restoring x: first line', exitCode: 3 });
      expect(err.context).to.deep.equal({ file: 'x' });
    });

    it('reports an abort as interrupted under the fallback code', () => {
      const abort = Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' });
      const err = toAcodeError(abort, 'ACODE-BAK-001', 'backing up /w/acode.db');
      expect(err).to.include({ code: 'ACODE-BAK-001', message: 'Backup failed: backing up /w/acode.db: interrupted' });
      expect(err.hint).to.equal('nothing was kept; run the command again when you are ready');
      expect(isAbort(new Error('outer', { cause: abort }))).to.equal(true);
      expect(isAbort(new Error('plain'))).to.equal(false);
    });

    it('reports the end of an AbortSignal.timeout() as interrupted too (it said "The operation was aborted due to timeout")', async () => {
      const signal = AbortSignal.timeout(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      let reason: unknown;
      try {
        signal.throwIfAborted();
      } catch (err) {
        reason = err;
      }
      expect((reason as Error).name).to.equal('TimeoutError');
      expect(isAbort(reason)).to.equal(true);
      expect(toAcodeError(reason, 'ACODE-EXP-001', 'planning the export')).to.include({ code: 'ACODE-EXP-001', message: 'Export failed: planning the export: interrupted' });
      expect(isAbort(Object.assign(new Error('connect timed out'), { name: 'TimeoutError' }))).to.equal(false);
    });

    it('passes an AcodeError through unchanged', () => {
      const inner = new AcodeError('ACODE-DB-001', 'no database at /w/acode.db');
      expect(toAcodeError(inner, 'ACODE-BAK-001', 'ignored')).to.equal(inner);
    });
  });

  describe('reportError (the CLI)', () => {
    it('prints one line with the code on stderr and returns its exit code', () => {
      const out = capture();
      const err = capture();
      const code = reportError(new AcodeError('ACODE-BAK-004', 'x.db: sha256 differs'), new Output({ quiet: false, json: false, stdout: out.stream, stderr: err.stream }), {});
      expect(code).to.equal(4);
      expect(out.text()).to.equal('');
      expect(err.text()).to.equal('✗ ACODE-BAK-004 Checksum mismatch: x.db: sha256 differs — the backup changed after it was written; use another backup (`acode db backup list`)\n');
    });

    it('turns an uncoded error into ACODE-INT-001 (exit 1)', () => {
      const err = capture();
      const code = reportError(new TypeError('boom'), new Output({ quiet: true, json: false, stdout: capture().stream, stderr: err.stream }), {});
      expect(code).to.equal(1);
      expect(err.text()).to.equal('✗ ACODE-INT-001 Internal error: boom — this is a bug in acode; please report it with the command you ran\n');
    });

    it('turns a bare Ctrl-C (an AbortError no command wrapped: list, prune hashing) into ACODE-INT-002 Interrupted, not a bug report', () => {
      const err = capture();
      const abort = Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' });
      const code = reportError(abort, new Output({ quiet: true, json: false, stdout: capture().stream, stderr: err.stream }), {});
      expect(code).to.equal(1);
      expect(err.text()).to.equal('✗ ACODE-INT-002 Interrupted: interrupted by SIGINT — nothing was changed; run the command again when you are ready\n');
    });

    it('turns a commander usage error into ACODE-USE-001 (exit 64) and gives JSON with --json', () => {
      const out = capture();
      const err = capture();
      const code = reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--frob'"), new Output({ quiet: false, json: true, stdout: out.stream, stderr: err.stream }), {});
      expect(code).to.equal(64);
      expect(err.text()).to.equal("✗ ACODE-USE-001 Invalid usage: unknown option '--frob' — see `acode --help` or `acode <command> --help`\n");
      expect(JSON.parse(out.text())).to.deep.equal({
        ok: false,
        error: { code: 'ACODE-USE-001', message: "Invalid usage: unknown option '--frob'", hint: 'see `acode --help` or `acode <command> --help`', exitCode: 64, context: {} },
      });
    });
  });

  describe('Output (the CLI)', () => {
    it('an export\'s live line on a terminal names its table once (it was "conv_messages: conv_messages 0/1,079 rows 0%")', () => {
      const err = capture();
      Object.assign(err.stream, { isTTY: true });
      const out = new Output({ quiet: false, json: false, stdout: capture().stream, stderr: err.stream });
      out.progress({ stage: 'export', phase: 'start', label: 'conv_messages', table: 'conv_messages', rows: 0, totalRows: 1079 });
      expect(err.text()).to.equal('\r\x1b[K  … conv_messages: 0/1,079 rows 0%');
    });
  });
});
