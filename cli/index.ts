#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=10 --expose-gc
// Peak memory must not depend on the database's size, and V8 left to itself lets it grow during a
// long export. Measured on a 100 MB and a 1 GB workspace (bench --scaling):
// - --max-semi-space-size=4 caps the young generation at 2 x 4 MiB, in the leak scan's worker too
//   (a process-wide flag overrides a worker's resourceLimits); both grew to 2 x 8 MiB on long runs.
// - --heap-growing-percent=10: the old generation otherwise filled with promoted garbage up to
//   three times its live size (6.5 MiB live, 24 MiB used) before the first full collection.
// - --expose-gc lets the file sink ask for a scavenge every few MiB (see hashing-sink.ts).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
