#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=10 --expose-gc
// Peak memory must not depend on the database's size, and V8 left to itself lets it grow during a
// long export. Measured on a 100 MB and a 1 GB workspace (bench --scaling):
// - --max-semi-space-size=4 caps the young generation at 2 x 4 MiB, in the leak scan's worker too
//   (a process-wide flag overrides a worker's resourceLimits); both grew to 2 x 8 MiB on long runs.
// - --heap-growing-percent=10: the old generation otherwise filled with promoted garbage up to
//   three times its live size (6.5 MiB live, 24 MiB used) before the first full collection.
// - --expose-gc lets the file sink ask for a scavenge every few MiB (see hashing-sink.ts).
import { main, stopSignal } from './main.js';


// A closed pipe (`| head`) means the reader has what it wanted: the export ends quietly. Should a
// stream wait forever for a reader that is gone (seen under load with a tar stream to a closed
// pipe), the event loop runs dry with the run unsettled: end with 0 rather than Node's 13 for an
// unsettled await. Scratch folders still present are removed at exit (lib/backup-file.ts).
let settled = false;
let readerGone = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') readerGone = true;
});
process.on('beforeExit', () => {
  if (!settled && readerGone) process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
settled = true;
// Cleaned up after a SIGHUP (the terminal is gone): end by that signal, as a shell expects (129).
// Exiting normally made Node 20 abort in its tty reset with a native stack (nodejs/node#51519).
if (stopSignal() === 'SIGHUP') process.kill(process.pid, 'SIGHUP');
