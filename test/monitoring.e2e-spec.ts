import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { sign } from 'jsonwebtoken';
import { BROKEN, FRONT, LONG, T0 } from './support/fixtures';
import {
  GrafanaDashboard,
  MetricNameNotLiteralError,
  PromqlSyntaxError,
  dashboardProblems,
  dashboardQueries,
  exposedSeries,
  promqlNames,
  ruleQueries,
  substituteGrafanaVariables,
} from './support/monitoring-queries';
import { PrometheusServer, promtool, sample, startPrometheus } from './support/prometheus';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

/**
 * The operators' files in deploy/: the Grafana dashboard and the Prometheus alert rules name only
 * metrics and labels the real app exports, promtool accepts the rules and passes their unit
 * tests, and a real Prometheus scrapes the app with the shipped scrape job (METRICS_TOKEN) and
 * evaluates every rule and every dashboard query without an error.
 */
const DEPLOY = join(__dirname, '..', 'deploy');
const RULES_DIR = join(DEPLOY, 'prometheus');
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'nvr-transcoder.json'), 'utf8')) as GrafanaDashboard;
const rulesYaml = readFileSync(join(RULES_DIR, 'alerts.yml'), 'utf8');
/** The job the rules on `up` name, as the shipped scrape job is called. */
const JOB = 'nvr-transcoder';
/** Labels Prometheus gives every series of a target: no /metrics carries them. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** Series Prometheus writes itself for each target it scrapes. */
const PROMETHEUS_SERIES = new Set(['up']);

describe('reading the metrics and labels a PromQL expression names', () => {
  it.each([
    ['a bare name', 'nvr_transcoder_sessions', [['nvr_transcoder_sessions']]],
    ['matchers', 'x{job=~"a", state="b", reason!~"c"}', [['x', 'job', 'state', 'reason']]],
    ['a histogram’s series inside functions and aggregations', 'histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[5m])))', [['x_seconds_bucket']]],
    ['_sum over _count', 'rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m])', [['x_seconds_sum'], ['x_seconds_count']]],
    ['{__name__="…"}', '{__name__="x_total", reason="r"}', [['x_total', 'reason']]],
    ['a quoted name', '{"x.total", a="b"}', [['x.total', 'a']]],
    [
      'keywords and functions, not metrics',
      'sum without (instance) (rate(x[5m] offset 1h)) > bool on (job) group_left (encoder) count by (job, encoder) (y)',
      [['x'], ['y']],
    ],
    ['string arguments and label names, not metrics', 'label_replace(absent(up{job="nvr"}), "sum", "$1", "rate", "(.*)")', [['up', 'job']]],
    ['a subquery and @', 'max_over_time(deriv(x[5m])[1h:1m] @ end())', [['x']]],
    ['names that start like keywords', 'by_total + on_ratio unless bool_count', [['by_total'], ['on_ratio'], ['bool_count']]],
    ['a number and vector()', 'count(x) or vector(0) * 2', [['x']]],
  ])('%s', (_what, expr, expected) => {
    expect(promqlNames(expr).selectors.map(({ metric, labels }) => [metric, ...labels])).toEqual(expected);
  });

  it.each([
    ['by (…)', 'sum by (encoder) (rate(x[5m]))', [{ labels: ['encoder'], metrics: ['x'] }]],
    ['on (…) and group_left (…)', 'a * on (job) group_left (encoder) b', [{ labels: ['job', 'encoder'], metrics: ['a', 'b'] }]],
    ['not without (…) or ignoring (…)', 'sum without (x) (a) + ignoring (y) b', []],
  ])('the labels of %s, with the metrics that must carry them', (_what, expr, expected) => {
    expect(promqlNames(expr).groupings).toEqual(expected);
  });

  it.each([
    ['an unclosed call', 'rate(x[5m]', PromqlSyntaxError],
    ['a Grafana variable left in', 'rate(x[$__rate_interval])', PromqlSyntaxError],
    ['a metric named by a regex', '{__name__=~"nvr_.*"}', MetricNameNotLiteralError],
  ])('refuses %s', (_what, expr, error) => {
    expect(() => promqlNames(expr)).toThrow(error);
  });

  const variables: GrafanaDashboard = {
    templating: {
      list: [
        { name: 'job', type: 'query' },
        { name: 'budget', type: 'textbox', query: '2048', current: { value: '1800' } },
      ],
    },
  };
  it.each([
    ['query variables as “All”, built-ins as a duration', 'x{job=~"$job"}[$__rate_interval]', 'x{job=~".*"}[1m]'],
    ['braces and formats', '${job:regex} ${budget}', '.* 1800'],
    ['the old [[…]] form', 'x{job=~"[[job]]"}', 'x{job=~".*"}'],
  ])('substitutes Grafana variables: %s', (_what, expr, expected) => {
    expect(substituteGrafanaVariables(expr, variables)).toBe(expected);
  });

  it('refuses a variable the dashboard does not define', () => {
    expect(() => substituteGrafanaVariables('x{job=~"$jbo"}', variables)).toThrow(/\$jbo/);
  });
});

describe('deploy/grafana/nvr-transcoder.json', () => {
  it('has a Prometheus datasource variable, $job and $instance, and on every panel a datasource and a query', () => {
    expect(dashboardProblems(dashboard)).toEqual([]);
  });

  const broken = (change: (copy: any) => void) => {
    const copy = structuredClone(dashboard) as any;
    change(copy);
    return dashboardProblems(copy);
  };
  const firstPanel = (copy: any) => copy.panels.find((panel: { type: string }) => panel.type !== 'row');
  it.each([
    ['a panel without a datasource', (copy: any) => delete firstPanel(copy).datasource, /no datasource/],
    [
      'a datasource fixed to one Grafana’s uid',
      (copy: any) => (firstPanel(copy).datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' }),
      /no datasource/,
    ],
    ['a panel without a query', (copy: any) => (firstPanel(copy).targets = []), /no query/],
    ['an empty query', (copy: any) => (firstPanel(copy).targets[0].expr = ' '), /has no expr/],
    ['no $instance', (copy: any) => (copy.templating.list = copy.templating.list.filter((v: { name: string }) => v.name !== 'instance')), /no \$instance/],
    ['two panels with one id', (copy: any) => (copy.panels[2].id = copy.panels[1].id), /two panels with id/],
    [
      'a panel inside a collapsed row without a query',
      (copy: any) => copy.panels.push({ type: 'row', id: 999, collapsed: true, panels: [{ ...firstPanel(copy), id: 1000, targets: [] }] }),
      /no query/,
    ],
  ])('reports %s', (_what, change, problem) => {
    expect(broken(change)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});

describe('the dashboard and the alert rules against the real app (e2e, real promtool and Prometheus)', () => {
  const SECRET = 'monitoring-e2e-jwt-secret-of-32-characters';
  const METRICS_TOKEN = 'monitoring-e2e-scrape-token-of-32-characters';
  const admin = `Bearer ${sign({ sub: 'admin-user', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' })}`;
  let app: TestApp;
  let prometheus: PrometheusServer | undefined;
  let scratch: string;

  const api = (path: string, init: RequestInit = {}) => getJson(`${app.baseUrl}${path}`, { ...init, headers: { authorization: admin } });
  const scrape = async () => {
    const response = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-monitoring-'));
    app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET, METRICS_TOKEN, MAX_CONCURRENT_TRANSCODES: '1', LOOKAHEAD_SECONDS: '600' });
    // A little real work, so that every labelled counter and histogram has its series: a session
    // and a seek (starts, restarts, first segment, encode speed), a 429, a DELETE, a 502.
    const created = await api(rangeUrl(LONG.camera, T0, T0 + 600));
    expect(created.status).toBe(200);
    expect((await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00200.ts`, { headers: { authorization: admin } })).status).toBe(200);
    await waitFor(async () => sample(await scrape(), 'nvr_transcoder_encode_speed_ratio_count') > 0, 10_000);
    expect((await api(rangeUrl(FRONT.camera, T0, T0 + 20))).status).toBe(429);
    expect((await api(`/transcode/${created.body.sessionId}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await api(rangeUrl(BROKEN.camera, T0, T0 + 10))).status).toBe(502);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('every metric the dashboard and the rules name is in /metrics, with every label they match or group on', async () => {
    const series = exposedSeries(await scrape());
    const queries = [...dashboardQueries(dashboard), ...ruleQueries(rulesYaml)];
    const problems: string[] = [];
    const checked = new Set<string>();
    for (const { where, expr } of queries) {
      const { selectors, groupings } = promqlNames(expr);
      for (const { metric, labels } of selectors) {
        if (PROMETHEUS_SERIES.has(metric)) continue;
        checked.add(metric);
        const exported = series.get(metric);
        if (!exported) problems.push(`${where}: ${metric} is not in /metrics`);
        for (const label of labels) {
          if (exported && !TARGET_LABELS.has(label) && !exported.has(label)) problems.push(`${where}: ${metric} has no label ${label}`);
        }
      }
      for (const { labels, metrics } of groupings) {
        for (const label of labels) {
          if (!TARGET_LABELS.has(label) && !metrics.some((metric) => series.get(metric)?.has(label))) {
            problems.push(`${where}: by or on ${label}, which none of ${metrics.join(', ')} has`);
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
    // The check saw the service's own metrics, histograms' series, Node's process metrics and the gauges and counters the panels and rules of HTTP, waits, disk, degradation and the cluster read.
    expect([...checked]).toEqual(
      expect.arrayContaining([
        'nvr_transcoder_sessions',
        'nvr_transcoder_ffmpeg_failures_total',
        'nvr_transcoder_time_to_first_segment_seconds_bucket',
        'nvr_transcoder_time_to_first_segment_seconds_count',
        'nvr_transcoder_process_open_fds',
        'nvr_transcoder_http_requests_total',
        'nvr_transcoder_segment_wait_seconds_bucket',
        'nvr_transcoder_transcode_dir_limit_bytes',
        'nvr_transcoder_hardware_encoder_degraded',
        'nvr_transcoder_cluster_nodes',
      ]),
    );
  });

  it('promtool accepts the rules and passes their unit tests', () => {
    const check = promtool(['check', 'rules', 'alerts.yml'], RULES_DIR);
    expect({ status: check.status, output: check.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    const unitTests = promtool(['test', 'rules', 'alerts.test.yml'], RULES_DIR);
    expect({ status: unitTests.status, output: unitTests.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('Prometheus scrapes the app with the shipped scrape job and METRICS_TOKEN, and runs every rule and every dashboard query without an error', async () => {
    const shipped = load(readFileSync(join(RULES_DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; authorization?: { credentials_file?: string }; static_configs: unknown }[];
    };
    const job = shipped.scrape_configs.find((config) => config.job_name === JOB);
    expect(job?.authorization?.credentials_file).toBeDefined();
    const tokenFile = join(scratch, 'nvr-transcoder-token');
    await writeFile(tokenFile, METRICS_TOKEN);
    const target = new URL(app.baseUrl).host;
    prometheus = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(RULES_DIR, 'alerts.yml')],
      scrape_configs: [
        { ...job, authorization: { ...job!.authorization, credentials_file: tokenFile }, static_configs: [{ targets: [target] }] },
        // The same target without the token: refused, so the token is what lets the job in.
        { job_name: 'without-token', static_configs: [{ targets: [target] }] },
      ],
    });
    const up = async (jobName: string) => (await prometheus!.query(`up{job="${jobName}"}`)).data?.result[0]?.value[1];
    await waitFor(async () => (await up(JOB)) === '1' && (await up('without-token')) === '0', 20_000, 250);
    // The rules on `up` name the shipped job: the one that says no target is scraped is silent.
    const notScraped = ruleQueries(rulesYaml).find(({ where }) => where === 'rule NvrTranscoderNotScraped')!;
    expect((await prometheus.query(notScraped.expr)).data?.result).toEqual([]);

    // Rules evaluated with the app's series in the database (a first evaluation may come before
    // the first scrape, and an error on no data is no error): every rule evaluated again since.
    const scraped = Date.now();
    await waitFor(async () => (await prometheus!.rules()).every((rule) => Date.parse(rule.lastEvaluation) > scraped + 1000), 20_000, 250);
    const unhealthy = (await prometheus.rules()).filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`);
    expect(unhealthy).toEqual([]);

    const failed: string[] = [];
    for (const { where, expr } of dashboardQueries(dashboard)) {
      const answer = await prometheus.query(expr);
      if (answer.status !== 'success') failed.push(`${where}: ${answer.error}`);
    }
    expect(failed).toEqual([]);
    // The dashboard's $job finds the job, and its sessions panel the app's sessions.
    expect((await prometheus.query('count by (job) (nvr_transcoder_sessions)')).data?.result.map((r) => r.metric.job)).toEqual([JOB]);
  });
});
