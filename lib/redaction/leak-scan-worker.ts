/**
 * Runs the leak scan on a worker thread so that it overlaps the export's own work. Takes chunks
 * (bytes moved to it) and then null for the end; answers each with the hits found and how far
 * the stream is settled.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLeakDetector, type LeakDetectorOptions } from './leak-detector.js';
import { createLeakScanner, type LeakFinding } from './leak-scanner.js';

/** The next chunk of the stream, or null: the stream has ended. */
export type LeakScanMessage = Uint8Array | null;

export interface LeakScanReply {
  readonly found: readonly LeakFinding[];
  readonly settled: number;
  readonly done: boolean;
}

const scanner = createLeakScanner(createLeakDetector(workerData as LeakDetectorOptions));
const port = parentPort!;
port.on('message', (message: LeakScanMessage) => {
  const done = message === null;
  const found = done ? scanner.end() : scanner.write(message);
  const reply: LeakScanReply = { found, settled: scanner.settled, done };
  port.postMessage(reply);
});
