/**
 * Restores that put the backup in place as a file rather than copy its content into the live
 * database: over a damaged database (kept aside byte for byte first), or where there is none.
 */
import { chmod, chown, copyFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RestoreOutcome, RestoreRunOptions } from '../engine.js';
import { AcodeError, systemCode, toAcodeError } from '../errors.js';
import { ensureDir, exists, fileStamp, fsyncDir, fsyncFile, publishFile, removeQuietly, setAsideOrphans } from '../fs-atomic.js';
import { removeAbandoned, tempNamePid, tempPathFor } from '../temp-names.js';
import { otherOpeners } from './open-files.js';
import { setWalMark } from './wal-mark.js';

/**
 * Disaster recovery: the live database is damaged, so no logical copy can be made of it or into
 * it. It is kept byte for byte beside itself (`<db>.damaged-<time>`, with its WAL), then the
 * backup takes its place as a new file. Processes that still have the damaged file open keep
 * reading it until they reopen the database.
 */
export async function restoreOverDamaged(file: string, livePath: string, options: RestoreRunOptions): Promise<RestoreOutcome> {
  // A file swapped under processes that have it open is not theirs any more: what they write
  // goes to the old one and is lost. SQLite's locks cannot say so (a damaged file takes none).
  const { holders, unseen } = await otherOpeners([livePath, `${livePath}-wal`]);
  if (holders.length === 0 && unseen.length > 0) {
    throw new AcodeError('ACODE-BAK-010', `${livePath} is damaged, and acode cannot see whether ${unseen.length === 1 ? 'a process' : `${unseen.length} processes`} of another user that may write it (pid ${unseen.slice(0, 5).join(', ')}) ${unseen.length === 1 ? 'has' : 'have'} it open; replacing the file under them could lose what they write, so nothing was restored`, {
      context: { file: livePath },
      hint: 'stop the processes that use the database (the agent), or run the restore as root or as their user, then run it again',
    });
  }
  if (holders.length > 0) {
    throw new AcodeError('ACODE-BAK-010', `${livePath} is damaged and ${holders.length === 1 ? 'another process has' : `${holders.length} other processes have`} it open (pid ${holders.slice(0, 5).join(', ')}); replacing the file under them would lose what they write, so nothing was restored`, {
      context: { file: livePath },
      hint: 'stop the processes that use the database (the agent), then run the restore again',
    });
  }
  const stamp = fileStamp();
  const kept = `${livePath}.damaged-${stamp}`;
  const tmp = tempPathFor(livePath);
  // The damaged copy, like every file, is whole before it has its name: a kill mid-copy must not
  // leave a cut file that claims to be the database kept byte for byte.
  const keptTmp = [tempPathFor(kept), tempPathFor(`${kept}-wal`)];
  // Until its -wal goes, the damaged database is as it was: a failure before then takes the copy
  // back (each retry after a full disk left another, and needed room for two more).
  let touched = false;
  try {
    await removeAbandoned(path.dirname(livePath), tempNamePid);
    await copyFile(livePath, keptTmp[0]!);
    await fsyncFile(keptTmp[0]!);
    if (await exists(`${livePath}-wal`)) {
      await copyFile(`${livePath}-wal`, keptTmp[1]!);
      await fsyncFile(keptTmp[1]!);
      await publishFile(keptTmp[1]!, `${kept}-wal`, false);
    }
    await publishFile(keptTmp[0]!, kept, false);
    await copyFile(file, tmp);
    if (options.wal) await setWalMark(tmp, true);
    options.signal?.throwIfAborted();
    await fsyncFile(tmp);
    // The agent that opens the database may run as another user or group: the new file takes the
    // damaged one's mode and owner (a backup is 0600 and the restorer's). After the sync, which
    // opens it for writing: a 0444 database would refuse that.
    await takeAccessOf(livePath, tmp);
    touched = true;
    for (const companion of ['-wal', '-shm', '-journal']) await rm(`${livePath}${companion}`, { force: true });
    await publishFile(tmp, livePath, true);
    await fsyncDir(path.dirname(livePath));
  } catch (err) {
    // No room is ACODE-BAK-009, as for any restore (exit 3 all the same).
    const coded = toAcodeError(err, 'ACODE-BAK-002', 'the live database is damaged and could not be replaced');
    if (!touched) await removeQuietly(kept, `${kept}-wal`);
    throw new AcodeError(coded.code, coded.detail, {
      cause: err,
      hint: touched
        ? `the damaged database is kept as ${path.basename(kept)}; free space or fix permissions and run the restore again`
        : `the damaged database was left as it was; free space (the restore needs room for a copy of it and of the backup) or fix permissions, and run the restore again`,
    });
  } finally {
    await removeQuietly(tmp);
    for (const f of keptTmp) await removeQuietly(f);
  }
  return { countsChecked: true, setAside: [], damagedCopy: kept };
}

/** Gives `file` the permission bits and, where allowed, the owner and group of `model`. */
async function takeAccessOf(model: string, file: string): Promise<void> {
  const info = await stat(model);
  await chmod(file, info.mode & 0o7777);
  // Only root may give a file away; anyone else's restore keeps its own ownership.
  await chown(file, info.uid, info.gid).catch((err: unknown) => {
    if (systemCode(err) !== 'EPERM') throw err;
  });
}

/**
 * With no live database there is nobody to disturb: copy beside it, sync, and link into place.
 * A WAL or rollback journal left by a database that was there before (crashed, then moved away)
 * would be replayed onto the restored file by the next connection: they are moved aside first.
 */
export async function restoreAsNewFile(file: string, livePath: string, options: RestoreRunOptions): Promise<string[]> {
  const tmp = tempPathFor(livePath);
  try {
    await ensureDir(path.dirname(livePath));
    // A killed restore's copies beside the database hold every secret in it: the next one removes them.
    await removeAbandoned(path.dirname(livePath), tempNamePid);
    await copyFile(file, tmp);
    if (options.wal) await setWalMark(tmp, true);
    options.signal?.throwIfAborted();
    await fsyncFile(tmp);
    const setAside = await setAsideOrphans(livePath);
    await publishFile(tmp, livePath, false).catch((err: unknown) => {
      throw systemCode(err) === 'EEXIST' ? new AcodeError('ACODE-BAK-002', `${livePath} appeared while restoring; nothing was replaced`) : err;
    });
    return setAside;
  } finally {
    await removeQuietly(tmp);
  }
}
