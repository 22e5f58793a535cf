/**
 * Runs the leak scan on a worker thread so that it overlaps the export's own work. Takes chunks
 * (bytes moved to it) and then null for the end; answers each with the hits found, how far the
 * stream is settled, and the chunk's bytes moved back (the export passes them on once settled,
 * and holds nothing meanwhile).
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
  /** The chunk just scanned, moved back; null for the end. */
  readonly chunk: Uint8Array | null;
}

const scanner = createLeakScanner(createLeakDetector(workerData as LeakDetectorOptions));
const port = parentPort!;
port.on('message', (message: LeakScanMessage) => {
  const done = message === null;
  const found = done ? scanner.end() : scanner.write(message);
  const reply: LeakScanReply = { found, settled: scanner.settled, done, chunk: message };
  port.postMessage(reply, message ? [message.buffer as ArrayBuffer] : []);
});
