/**
 * The WAL mark in a SQLite file's header, read and written before SQLite opens the file: a copy
 * leaves WAL mode without ever making -wal and -shm files, a restored database gets its mode back.
 */
import { open } from 'node:fs/promises';

/**
 * A copy of a WAL database carries the WAL mark (header bytes 18 and 19 = 2), though every page
 * is in the file itself. Opening it so would create -wal and -shm files first, which fails with a
 * vague I/O error when the disk has room for the copy but not for them. Writing the legacy mark
 * (1) before SQLite sees the file is what `journal_mode = DELETE` ends up doing, without the detour.
 * A restored database gets the WAL mark back (a WAL database closed cleanly is just that).
 * Returns whether the file had the WAL mark.
 */
export async function setWalMark(file: string, wal: boolean): Promise<boolean> {
  const handle = await open(file, 'r+');
  try {
    const header = Buffer.alloc(2);
    const { bytesRead } = await handle.read(header, 0, 2, 18);
    const had = bytesRead === 2 && header[0] === 2 && header[1] === 2;
    const legacy = bytesRead === 2 && header[0] === 1 && header[1] === 1;
    if ((had && !wal) || (legacy && wal)) {
      await handle.write(Buffer.from(wal ? [2, 2] : [1, 1]), 0, 2, 18);
      await handle.sync();
    }
    return had;
  } finally {
    await handle.close();
  }
}
