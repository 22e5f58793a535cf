#!/usr/bin/env -S node --max-semi-space-size=8
// The flag caps V8's young generation at 2 x 8 MiB: left alone it grows to 2 x 16 MiB during a
// long export (rows survive a scavenge while they wait in the pipeline), so peak memory would
// depend on the database's size. With it, a 1 GB export peaks within a few MiB of a 100 MB one.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
