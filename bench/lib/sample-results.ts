/** Results of a small run, for the chart specs' tests. */
import type { BenchResults, LoadResults } from './charts';

/** A small bench run, shaped as bench/run.ts writes latest.json. */
export const sampleBench: BenchResults = {
  at: '2026-12-08T03:12:45.123Z',
  machine: '2 cores, ffmpeg version 6.1.1, node v20.20.2',
  settings: { rangeSeconds: 1800, footageSeconds: 300 },
  raw: {
    timeToFirstSegment: { ours: [0.31, 0.29, 0.4], reference: [3.2, 3.1, 3.5] },
    seek: { front_door: [0.42, 0.45, 0.4], front_door_sparse: [0.61, 0.6, 0.7] },
    seekFloor: { front_door: [0.3, 0.33, 0.31], front_door_sparse: [0.52, 0.5, 0.55] },
    referenceSpeed: 1.62,
    concurrentViewers: { best: 7, ceiling: { parallel: 8, realTimeFactor: 7.456 } },
    speedCpu: { '1x': { cpu: 150 }, '8x': { cpu: 60 }, '16x': { cpu: 20 }, 'sparse 1x': { cpu: 155 }, 'sparse 8x': { cpu: 90 } },
    remuxCpu: { remuxed: { cpu: 2.5 }, encoded: { cpu: 140 } },
  },
};

/** A load run, shaped as bench/load.ts writes load.json. */
export const sampleLoad: LoadResults = {
  at: '2026-12-08T03:40:00.000Z',
  machine: '2 cores, ffmpeg version 6.1.1, node v20.20.2',
  scenarios: [],
  sameSegment: {
    bytes: 430_000,
    connections: 40,
    durationSeconds: 15,
    servers: [
      { name: 'this service (auth on)', baseline: 'service', requestsPerSecond: 1804.6, p50: '20ms', p99: '40ms', errors: 0 },
      { name: 'this service, while 10 connections hammer lookups', requestsPerSecond: 900, p50: '40ms', p99: '90ms', errors: 0 },
      { name: 'bare Node createReadStream server', baseline: 'bare-node', requestsPerSecond: 2001.2, p50: '18ms', p99: '35ms', errors: 0 },
      { name: 'nginx', baseline: 'nginx', requestsPerSecond: 5003.9, p50: '7ms', p99: '12ms', errors: 0 },
    ],
  },
};
