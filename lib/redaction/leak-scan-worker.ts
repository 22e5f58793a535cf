/**
 * Runs the leak scan on a worker thread so that it overlaps the export's own work. Takes chunks
 * (transferred ArrayBuffers) and 'end'; answers each with the hits found and how far the stream
 * is settled.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLeakDetector, type LeakDetectorOptions } from './leak-detector.js';
import { createLeakScanner, type LeakFinding } from './leak-scanner.js';

export interface LeakScanReply {
  readonly found: readonly LeakFinding[];
  readonly settled: number;
  readonly done: boolean;
}

const scanner = createLeakScanner(createLeakDetector(workerData as LeakDetectorOptions));
const port = parentPort!;
port.on('message', (message: ArrayBuffer | 'end') => {
  const done = message === 'end';
  const found = done ? scanner.end() : scanner.write(new Uint8Array(message));
  const reply: LeakScanReply = { found, settled: scanner.settled, done };
  port.postMessage(reply);
});
