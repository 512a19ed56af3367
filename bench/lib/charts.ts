/**
 * The benchmark's charts as Vega-Lite specs, built from the results the bench and the load test
 * write (bench/results/latest.json, load.json). Pure: results in, specs out; each spec carries the
 * very values it was given (inline data), so a chart shows the run its subtitle names and nothing
 * else. Rendering to SVG is chart-svg.ts's; reading and writing files is chart-files.ts's.
 */
// vega-lite's types are reached by path: its package names them only in "exports", which this project's module resolution (node10) does not read.
import type { TopLevelSpec } from 'vega-lite/build/index';

/** What bench/run.ts writes to latest.json (the parts the charts read). */
export interface BenchResults {
  at: string;
  machine: string;
  /** The run's lengths; results written before the bench recorded them have none (see FULL_RUN). */
  settings?: { rangeSeconds: number; footageSeconds: number };
  raw: {
    timeToFirstSegment?: { ours: number[]; reference: number[] };
    seek?: Record<string, number[]>;
    seekFloor?: Record<string, number[]>;
    /** The reference's encode speed (footage seconds per wall second), from the abandoned-view measure. */
    referenceSpeed?: number;
    concurrentViewers?: { best: number; ceiling: { parallel: number; realTimeFactor: number } };
    speedCpu?: Record<string, { cpu: number }>;
    remuxCpu?: { remuxed: { cpu: number }; encoded: { cpu: number } };
  };
}

/** One server's row of the load test's same-segment table. */
export interface ServingResult {
  name: string;
  /** Which side of the comparison the row is; rows measured under a hammer have none. */
  baseline?: 'service' | 'bare-node' | 'nginx';
  requestsPerSecond: number;
  p50: string;
  p99: string;
  errors: number;
}

/** What bench/load.ts writes to load.json (the parts the charts read). */
export interface LoadResults {
  at: string;
  machine: string;
  /** The autocannon scenarios (playlists and ready segments, 50 and 200 viewers). */
  scenarios: { name: string; connections: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; throughputMiBPerSecond: number; errors: number }[];
  sameSegment: { bytes: number; connections: number; durationSeconds: number; servers: ServingResult[] };
}

export interface Chart {
  /** The file name under docs/bench/, without .svg. */
  name: string;
  spec: TopLevelSpec;
}

/** A full run's lengths (bench/run.ts: RANGE_SECONDS, FOOTAGE_SECONDS), for results that do not say theirs. */
export const FULL_RUN = { rangeSeconds: 1800, footageSeconds: 300 };

/** The cameras bench/run.ts measures seek on. */
const DEMO_CAMERA = 'front_door';
const SPARSE_CAMERA = 'front_door_sparse';

export const SIDES = { ours: 'this service', reference: 'reference method', floor: 'ffmpeg alone (floor)' } as const;

/** The bench's own median (the upper one of an even count), so that a chart shows the table's number. */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/**
 * "2026-12-08 03:12 UTC · 2 cores, ffmpeg version 5.1.9, node v20.20.2": where and when the values
 * come from (ffmpeg's copyright line left out of its version: it would make the subtitle the widest part of the chart).
 */
export function provenance(results: { at: string; machine: string }): string {
  return `${results.at.slice(0, 16).replace('T', ' ')} UTC · ${results.machine.replace(/ Copyright \(c\) [^,]*/, '')}`;
}

const WIDTH = 560;
/** The ticks of a log axis (Vega's own are sparse on a symlog scale); those past the data are not drawn. */
const LOG_TICKS = [0, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000];
/** Under the chart, one entry a line: the entries are phrases, too long to share a line. */
const LEGEND = { orient: 'bottom', direction: 'vertical', labelLimit: 600 } as const;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Time to first segment and a cold seek to 90% of a 30-minute range (demo GOP and one keyframe
 * per file): this service, the reference method (the time it needs to reach 90% at its measured
 * encode speed, since it cannot seek past what it has made) and ffmpeg alone running the service's
 * own command for that segment. A log scale (linear below 0.1 s, so that bars can start at 0):
 * the reference's seek is minutes, the others tenths.
 */
export function firstSegmentAndSeekChart(results: BenchResults): Chart | null {
  const { timeToFirstSegment, seek, seekFloor, referenceSpeed } = results.raw;
  if (!timeToFirstSegment || !seek?.[DEMO_CAMERA] || !seekFloor?.[DEMO_CAMERA]) return null;
  const { rangeSeconds } = results.settings ?? FULL_RUN;
  const referenceReach = referenceSpeed ? (0.9 * rangeSeconds) / referenceSpeed : null;
  const values: { measure: string; side: string; seconds: number }[] = [
    { measure: 'first segment', side: SIDES.ours, seconds: median(timeToFirstSegment.ours) },
    { measure: 'first segment', side: SIDES.reference, seconds: median(timeToFirstSegment.reference) },
  ];
  for (const [camera, measure] of [
    [DEMO_CAMERA, 'cold seek to 90%, keyframe every 2 s'],
    [SPARSE_CAMERA, 'cold seek to 90%, one keyframe per 10 s file'],
  ]) {
    if (!seek[camera] || !seekFloor[camera]) continue;
    values.push({ measure, side: SIDES.ours, seconds: median(seek[camera]) });
    if (referenceReach !== null) values.push({ measure, side: SIDES.reference, seconds: referenceReach });
    values.push({ measure, side: SIDES.floor, seconds: median(seekFloor[camera]) });
  }
  const rounded = values.map((value) => ({ ...value, seconds: round(value.seconds, 2) }));
  return {
    name: 'first-segment-and-seek',
    spec: groupedBars({
      title: `Time to first segment and cold seek (${rangeSeconds / 60} min range), median`,
      subtitle: provenance(results),
      values: rounded,
      category: 'measure',
      series: 'side',
      seriesOrder: [SIDES.ours, SIDES.reference, SIDES.floor],
      value: 'seconds',
      valueTitle: 'seconds until the segment’s bytes arrive (log scale above 0.1 s)',
      log: true,
      format: '.2f',
      unit: ' s',
    }),
  };
}

/**
 * Concurrent real-time viewers without a stall, the service's limits lifted, against the box's
 * ceiling (raw ffmpeg, as many runs in parallel, aggregate real-time factor) and the reference
 * method's own cap.
 */
export function viewersChart(results: BenchResults): Chart | null {
  const viewers = results.raw.concurrentViewers;
  if (!viewers) return null;
  const values = [
    { side: 'this service, no stall', viewers: viewers.best },
    { side: `the box's ceiling (${viewers.ceiling.parallel} raw ffmpeg runs)`, viewers: round(viewers.ceiling.realTimeFactor, 2) },
    { side: "the reference method's cap", viewers: 3 },
  ];
  return {
    name: 'viewers',
    spec: bars({
      title: 'Concurrent real-time viewers without a stall (60 s each)',
      subtitle: provenance(results),
      values,
      category: 'side',
      value: 'viewers',
      valueTitle: 'concurrent real-time viewers (1080p H.265 → 720p H.264)',
      format: '.2~f',
      unit: '',
    }),
  };
}

/**
 * CPU-seconds per minute of footage made whole: at 1×, 8× and 16× on the demo recordings, on
 * recordings with one keyframe per file, and an H.264 camera remuxed against encoded.
 */
export function cpuPerFootageChart(results: BenchResults): Chart | null {
  const { speedCpu, remuxCpu } = results.raw;
  if (!speedCpu && !remuxCpu) return null;
  const minutes = (results.settings ?? FULL_RUN).footageSeconds / 60;
  const values: { run: string; recordings: string; cpuSecondsPerMinute: number }[] = [];
  const speeds = [
    ['1x', '1×', 'H.265, keyframe every 2 s'],
    ['8x', '8×', 'H.265, keyframe every 2 s'],
    ['16x', '16×', 'H.265, keyframe every 2 s'],
    ['sparse 1x', '1×, sparse', 'H.265, one keyframe per 10 s file'],
    ['sparse 8x', '8×, sparse', 'H.265, one keyframe per 10 s file'],
  ];
  for (const [key, run, recordings] of speeds) {
    const measured = speedCpu?.[key];
    if (measured) values.push({ run, recordings, cpuSecondsPerMinute: measured.cpu / minutes });
  }
  if (remuxCpu) {
    values.push({ run: 'H.264 remuxed (copied)', recordings: 'H.264 camera', cpuSecondsPerMinute: remuxCpu.remuxed.cpu / minutes });
    values.push({ run: 'H.264 encoded', recordings: 'H.264 camera', cpuSecondsPerMinute: remuxCpu.encoded.cpu / minutes });
  }
  const rounded = values.map((value) => ({ ...value, cpuSecondsPerMinute: round(value.cpuSecondsPerMinute, 2) }));
  return {
    name: 'cpu-per-minute',
    spec: bars({
      title: `CPU per minute of footage, by speed and by remux (${minutes} min ranges made whole)`,
      subtitle: provenance(results),
      values: rounded,
      category: 'run',
      value: 'cpuSecondsPerMinute',
      valueTitle: 'CPU-seconds per minute of footage',
      colorBy: 'recordings',
      format: '.2f',
      unit: ' CPU-s',
    }),
  };
}

/** Requests/s serving one ready segment: this service (auth on) against a bare Node server and nginx, the same bytes, the same load. */
export function servingChart(load: LoadResults): Chart | null {
  const label = { service: 'this service (auth on)', 'bare-node': 'bare Node (createReadStream)', nginx: 'nginx (sendfile)' } as const;
  const values = load.sameSegment.servers
    .filter((server) => server.baseline)
    // A server that answered with errors says so beside its name: its rate is not of whole answers.
    .map((server) => ({
      server: `${label[server.baseline!]}${server.errors ? `, ${server.errors} errors` : ''}`,
      requestsPerSecond: Math.round(server.requestsPerSecond),
    }));
  if (values.length === 0) return null;
  const { bytes, connections, durationSeconds } = load.sameSegment;
  return {
    name: 'serving',
    spec: bars({
      title: `Serving one ready segment (${Math.round(bytes / 1024)} KiB), wrk with ${connections} connections for ${durationSeconds} s`,
      subtitle: provenance(load),
      values,
      category: 'server',
      value: 'requestsPerSecond',
      valueTitle: 'requests per second',
      format: ',d',
      unit: '/s',
    }),
  };
}

/** Every chart the results allow (a chart whose measures did not run is left out). */
export function benchCharts(bench: BenchResults | null, load: LoadResults | null): Chart[] {
  const charts = bench ? [firstSegmentAndSeekChart(bench), viewersChart(bench), cpuPerFootageChart(bench)] : [];
  if (load) charts.push(servingChart(load));
  return charts.filter((chart): chart is Chart => chart !== null);
}

interface BarOptions {
  title: string;
  subtitle: string;
  values: Record<string, string | number>[];
  category: string;
  value: string;
  valueTitle: string;
  /** d3-format of the value labels, and the unit written after them. */
  format: string;
  unit: string;
  colorBy?: string;
}

/** Horizontal bars, one per category, each labelled with its value. */
function bars(options: BarOptions): TopLevelSpec {
  const color = options.colorBy ? { field: options.colorBy, type: 'nominal' as const, sort: null, title: null, legend: LEGEND } : { value: '#4c78a8' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, subtitle: options.subtitle, anchor: 'start' },
    width: WIDTH,
    data: { values: options.values },
    encoding: {
      y: { field: options.category, type: 'nominal', sort: null, title: null, axis: { labelLimit: 400 } },
      x: { field: options.value, type: 'quantitative', title: options.valueTitle },
    },
    layer: [
      { mark: 'bar', encoding: { color } },
      {
        mark: { type: 'text', align: 'left', dx: 3 },
        encoding: { text: { field: 'label', type: 'nominal' } },
        transform: [{ calculate: `format(datum['${options.value}'], '${options.format}') + '${options.unit}'`, as: 'label' }],
      },
    ],
  };
}

/** Horizontal bars grouped by category, one bar per series, each labelled with its value. */
function groupedBars(options: BarOptions & { series: string; seriesOrder: string[]; log: boolean }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, subtitle: options.subtitle, anchor: 'start' },
    width: WIDTH,
    data: { values: options.values },
    encoding: {
      y: { field: options.category, type: 'nominal', sort: null, title: null, axis: { labelLimit: 400 } },
      yOffset: { field: options.series, type: 'nominal', sort: options.seriesOrder },
      x: options.log
        ? {
            field: options.value,
            type: 'quantitative',
            title: options.valueTitle,
            scale: { type: 'symlog', constant: 0.1 },
            axis: { values: LOG_TICKS, format: '~r' },
          }
        : { field: options.value, type: 'quantitative', title: options.valueTitle },
    },
    layer: [
      { mark: 'bar', encoding: { color: { field: options.series, type: 'nominal', sort: options.seriesOrder, title: null, legend: LEGEND } } },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: { text: { field: 'label', type: 'nominal' } },
        transform: [{ calculate: `format(datum['${options.value}'], '${options.format}') + '${options.unit}'`, as: 'label' }],
      },
    ],
  };
}
