import { sampleBench as bench, sampleLoad as load } from './sample-results';
import {
  BenchResults,
  LoadResults,
  SIDES,
  benchCharts,
  cpuPerFootageChart,
  firstSegmentAndSeekChart,
  median,
  provenance,
  servingChart,
  viewersChart,
} from './charts';

const values = (chart: { spec: unknown } | null) => (chart!.spec as { data: { values: Record<string, unknown>[] } }).data.values;
const texts = (chart: { spec: unknown } | null) => JSON.stringify(chart!.spec);

describe('the benchmark charts', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 3],
    [[0.5], 0.5],
  ])('takes the bench table’s median of %j: %d', (numbers, expected) => {
    expect(median(numbers)).toBe(expected);
  });

  it.each([
    ['2 cores, ffmpeg version 6.1.1, node v20.20.2', '2026-12-08 03:12 UTC · 2 cores, ffmpeg version 6.1.1, node v20.20.2'],
    [
      '2 cores, ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers, node v20.20.2',
      '2026-12-08 03:12 UTC · 2 cores, ffmpeg version 5.1.9-0+deb12u1, node v20.20.2',
    ],
  ])('names the date and the machine the results come from (%s)', (machine, expected) => {
    expect(provenance({ ...bench, machine })).toBe(expected);
  });

  it('first segment and cold seek: ours, the reference (its time to reach 90% at its speed) and the ffmpeg floor, medians in seconds', () => {
    const chart = firstSegmentAndSeekChart(bench);
    const reach = Number(((0.9 * 1800) / 1.62).toFixed(2));
    expect(values(chart)).toEqual([
      { measure: 'first segment', side: SIDES.ours, seconds: 0.31 },
      { measure: 'first segment', side: SIDES.reference, seconds: 3.2 },
      { measure: 'cold seek to 90%, keyframe every 2 s', side: SIDES.ours, seconds: 0.42 },
      { measure: 'cold seek to 90%, keyframe every 2 s', side: SIDES.reference, seconds: reach },
      { measure: 'cold seek to 90%, keyframe every 2 s', side: SIDES.floor, seconds: 0.31 },
      { measure: 'cold seek to 90%, one keyframe per 10 s file', side: SIDES.ours, seconds: 0.61 },
      { measure: 'cold seek to 90%, one keyframe per 10 s file', side: SIDES.reference, seconds: reach },
      { measure: 'cold seek to 90%, one keyframe per 10 s file', side: SIDES.floor, seconds: 0.52 },
    ]);
    expect(texts(chart)).toContain('seconds until');
  });

  it('viewers: ours against the box’s ceiling and the reference’s cap, in viewers', () => {
    const chart = viewersChart(bench);
    expect(values(chart).map((value) => value.viewers)).toEqual([7, 7.46, 3]);
    expect(values(chart)[1].side).toContain('8 raw ffmpeg runs');
    expect(texts(chart)).toContain('concurrent real-time viewers');
  });

  it('CPU per minute of footage: each speed, the sparse recordings, remux against encode, in CPU-seconds per minute', () => {
    const chart = cpuPerFootageChart(bench);
    expect(values(chart).map(({ run, cpuSecondsPerMinute }) => [run, cpuSecondsPerMinute])).toEqual([
      ['1×', 30],
      ['8×', 12],
      ['16×', 4],
      ['1×, sparse', 31],
      ['8×, sparse', 18],
      ['H.264 remuxed (copied)', 0.5],
      ['H.264 encoded', 28],
    ]);
    expect(texts(chart)).toContain('CPU-seconds per minute of footage');
  });

  it('CPU per minute of footage divides by the footage the run says it made', () => {
    const quick = { ...bench, settings: { rangeSeconds: 1800, footageSeconds: 120 } };
    expect(values(cpuPerFootageChart(quick))[0].cpuSecondsPerMinute).toBe(75);
  });

  it('serving: the service, bare Node and nginx in requests/s, not the rows under a hammer', () => {
    const chart = servingChart(load);
    expect(values(chart)).toEqual([
      { server: 'this service (auth on)', requestsPerSecond: 1805 },
      { server: 'bare Node (createReadStream)', requestsPerSecond: 2001 },
      { server: 'nginx (sendfile)', requestsPerSecond: 5004 },
    ]);
    expect(texts(chart)).toContain('requests per second');
    expect(texts(chart)).toContain(provenance(load));
  });

  it('serving: a server that answered with errors says how many beside its name', () => {
    const servers = load.sameSegment.servers.map((server) => (server.baseline === 'nginx' ? { ...server, errors: 40 } : server));
    const chart = servingChart({ ...load, sameSegment: { ...load.sameSegment, servers } });
    expect(values(chart).map(({ server }) => server)).toEqual(['this service (auth on)', 'bare Node (createReadStream)', 'nginx (sendfile), 40 errors']);
  });

  it.each([
    ['a run of every measure and a load run', bench, load, ['first-segment-and-seek', 'viewers', 'cpu-per-minute', 'serving']],
    ['the bench alone', bench, null, ['first-segment-and-seek', 'viewers', 'cpu-per-minute']],
    ['the load test alone', null, load, ['serving']],
    ['a bench of the viewers only', { ...bench, raw: { concurrentViewers: bench.raw.concurrentViewers } }, null, ['viewers']],
    ['nothing', null, null, []],
  ])('%s: charts %j', (_, benchResults, loadResults, names) => {
    const charts = benchCharts(benchResults as BenchResults | null, loadResults as LoadResults | null);
    expect(charts.map((chart) => chart.name)).toEqual(names);
    for (const chart of charts) expect(texts(chart)).toContain(provenance((chart.name === 'serving' ? loadResults : benchResults)!));
  });
});
